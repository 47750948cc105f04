'use strict'
// {{full_name}}: bouncer plugin, run in crowd's sandbox: no require, no process, no file system
// or network of its own; `host` is its only way to act, checked against [permissions]. Called
// with the decisions added and deleted since the last poll of the local API.
module.exports = {
  async apply({added, deleted}, settings, host) {
    // TODO: block `added` and unblock `deleted` (host.exec, host.http: declare them in [permissions])
    await host.log('info', `{{name}}: ${added.length} added, ${deleted.length} deleted`)
    return {added: added.length, deleted: deleted.length}
  },
}
