'use strict'
// {{full_name}}: notification plugin, run in crowd's sandbox: no require, no process, no file
// system or network of its own. It gets the settings of its configuration ({{name}}.yaml), the
// alerts rendered with `format`, and `host`, whose calls are checked against [permissions].
module.exports = {
  async notify(options, text, host) {
    // TODO: deliver `text`; the manifest grants the URL set under `url` (network = [{config = "url"}])
    const res = await host.http({url: options.url, method: 'POST', headers: {'content-type': 'text/plain'}, body: text})
    if (res.status >= 300) throw new Error(`{{name}}: answered ${res.status}`)
    return {status: res.status}
  },
}
