'use strict'
// crowd/notification-elasticsearch: indexes alerts into Elasticsearch with the _bulk API. The
// notification's format renders one JSON document per line (the default renders each alert
// with toJson); each becomes an `index` action into the index named by `index`, where %Y, %m
// and %d are the UTC date of delivery (default crowdsec-alerts-%Y.%m.%d). A document with a
// `uuid` is indexed under that _id, so a retried chunk does not index an alert twice.
//
// Auth: `username` + `password` (basic) or `api_key` (ApiKey header). TLS: `ca` (PEM, crowd
// reads `ca_cert_path` for the plugin) or `skip_tls_verification`.
// Answers: a non-2xx status fails the attempt (429 and 5xx: the dispatcher retries); a 200 with
// per-item errors fails it when an item was refused for a reason a retry can fix (429, 5xx),
// and logs the others (a mapping error stays an error however often it is sent).

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function utf8(s) {
  const out = []
  for (const ch of s) {
    let c = ch.codePointAt(0)
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return out
}

function base64(s) {
  const b = utf8(s)
  let out = ''
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0)
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=')
  }
  return out
}

function indexName(pattern, ms) {
  const d = new Date(ms)
  const two = (n) => String(n).padStart(2, '0')
  return pattern.replace(/%([Ymd%])/g, (_, f) => (f === 'Y' ? String(d.getUTCFullYear()) : f === 'm' ? two(d.getUTCMonth() + 1) : f === 'd' ? two(d.getUTCDate()) : '%'))
}

module.exports = {
  async notify(options, text, host) {
    const base = options.url
    if (typeof base !== 'string' || base === '') throw new Error('url is not set')
    const index = indexName(typeof options.index === 'string' && options.index !== '' ? options.index : 'crowdsec-alerts-%Y.%m.%d', await host.now())
    let body = ''
    let docs = 0
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      let doc
      try {
        doc = JSON.parse(line)
      } catch (error) {
        throw new Error(`line ${docs + 1} of the rendered text is not a JSON document: ${error.message}`)
      }
      const action = {_index: index}
      if (doc !== null && typeof doc === 'object' && typeof doc.uuid === 'string' && doc.uuid !== '') action._id = doc.uuid
      body += JSON.stringify({index: action}) + '\n' + JSON.stringify(doc) + '\n'
      docs++
    }
    if (docs === 0) return {indexed: 0}
    const headers = {'content-type': 'application/x-ndjson'}
    const apiKey = await host.secret('api_key')
    const password = await host.secret('password')
    if (typeof apiKey === 'string' && apiKey !== '') headers.authorization = `ApiKey ${apiKey}`
    else if (typeof options.username === 'string' && options.username !== '') headers.authorization = `Basic ${base64(`${options.username}:${password ?? ''}`)}`
    const res = await host.http({
      url: base.replace(/\/+$/, '') + '/_bulk', method: 'POST', headers, body, maxRedirects: 0,
      insecureSkipVerify: options.skip_tls_verification === true,
      ...(typeof options.ca === 'string' ? {ca: options.ca} : {}),
    })
    if (res.status < 200 || res.status > 299) throw new Error(`elasticsearch answered ${res.status}: ${res.body.slice(0, 200)}`)
    let answer
    try {
      answer = JSON.parse(res.body)
    } catch {
      throw new Error(`elasticsearch answered ${res.status} with a body that is not JSON`)
    }
    if (answer.errors !== true) return {indexed: docs}
    let retry = 0
    let refused = 0
    let first = ''
    for (const item of answer.items ?? []) {
      const r = item.index ?? item.create ?? {}
      if (r.error === undefined) continue
      if (r.status === 429 || r.status >= 500) retry++
      else refused++
      if (first === '') first = `${r.status} ${r.error.type ?? ''}: ${r.error.reason ?? ''}`
    }
    if (retry > 0) throw new Error(`elasticsearch refused ${retry} of ${docs} document(s) for now (${first})`)
    if (refused > 0) await host.log('error', `elasticsearch refused ${refused} of ${docs} document(s): ${first}`)
    return {indexed: docs - refused}
  },
}
