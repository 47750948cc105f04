'use strict'
// crowd/notification-slack: posts each notification to a Slack incoming webhook, as CrowdSec's
// slack plugin does: {"text": <rendered>} plus channel, username, icon_emoji and icon_url when
// the configuration sets them. Slack answers 200 "ok"; anything else (400 invalid_payload,
// 404 no_service, 429 rate limited with Retry-After) fails the attempt and the dispatcher retries.

const OPTIONAL = ['channel', 'username', 'icon_emoji', 'icon_url']

module.exports = {
  async notify(options, text, host) {
    const webhook = await host.secret('webhook')
    if (typeof webhook !== 'string' || webhook === '') throw new Error('webhook is not set')
    const message = {text}
    for (const key of OPTIONAL) {
      const value = options[key]
      if (typeof value === 'string' && value !== '') message[key] = value
    }
    const res = await host.http({url: webhook, method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(message), maxRedirects: 0})
    if (res.status === 200) return {status: res.status}
    const retryAfter = res.headers['retry-after']
    throw new Error(`slack answered ${res.status}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}: ${res.body.slice(0, 200)}`)
  },
}
