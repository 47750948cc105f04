'use strict'
// crowd/notification-splunk: sends each notification to a Splunk HTTP Event Collector, as
// CrowdSec's splunk plugin does: POST <url> with `Authorization: Splunk <token>` and the body
// {"event": <rendered text as a string>}. Splunk answers 200 {"text":"Success","code":0};
// anything else (403 bad token, 503 busy...) fails the attempt and the dispatcher retries.
// Like CrowdSec's, it does not verify the collector's certificate unless `verify_tls: true`.

module.exports = {
  async notify(options, text, host) {
    const url = options.url
    if (typeof url !== 'string' || url === '') throw new Error('url is not set')
    const token = await host.secret('token')
    if (typeof token !== 'string' || token === '') throw new Error('token is not set')
    const res = await host.http({
      url, method: 'POST', maxRedirects: 0,
      headers: {authorization: `Splunk ${token}`, 'content-type': 'application/json'},
      body: JSON.stringify({event: text}),
      insecureSkipVerify: options.verify_tls !== true,
      ...(typeof options.ca === 'string' ? {ca: options.ca} : {}),
    })
    if (res.status === 200) return {status: res.status}
    throw new Error(`splunk answered ${res.status}: ${res.body.slice(0, 200)}`)
  },
}
