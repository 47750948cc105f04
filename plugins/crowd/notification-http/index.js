'use strict'
// crowd/notification-http: sends each notification to a URL, as CrowdSec's http plugin does:
// `<method> <url>` with the rendered text as the body and the configured headers as they are
// (no Content-Type unless configured). A transport error fails the attempt (retried); an
// answer with a non-2xx status is logged and counts as delivered, as in CrowdSec.

module.exports = {
  async notify(options, text, host) {
    const url = options.url
    if (typeof url !== 'string' || url === '') throw new Error('url is not set')
    const method = typeof options.method === 'string' && options.method !== '' ? options.method.toUpperCase() : 'GET'
    const headers = {}
    if (options.headers !== null && typeof options.headers === 'object') {
      for (const name of Object.keys(options.headers)) headers[name] = String(options.headers[name])
    }
    const request = {url, method, headers, maxRedirects: 0, insecureSkipVerify: options.skip_tls_verification === true}
    if (method !== 'GET' && method !== 'HEAD') request.body = text
    if (typeof options.ca === 'string') request.ca = options.ca
    const res = await host.http(request)
    if (res.status < 200 || res.status > 299) await host.log('warn', `${method} ${url} answered ${res.status}: ${res.body.slice(0, 200)}`)
    return {status: res.status}
  },
}
