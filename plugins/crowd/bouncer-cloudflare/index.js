'use strict'
// crowd/bouncer-cloudflare: keeps Cloudflare custom IP lists equal to the decisions, and one
// custom rule per configured zone that acts on each list (`ip.src in $<list>`), through
// Cloudflare's HTTP API with an API token. The manifest asks for full batches: every apply gets
// every decision, so the plugin keeps no state; it reads the lists back (cursor pagination),
// sends the difference as asynchronous bulk operations, and waits for each one to finish.
// README.md beside this file describes the configuration.

const DEFAULTS = {
  cloudflare_api_url: 'https://api.cloudflare.com/client/v4',
  list_name: 'crowd_ban',
  captcha_list_name: 'crowd_captcha',
  list_description: 'IP addresses crowd blocks (kept in sync by crowd/bouncer-cloudflare: do not edit)',
  ban_action: 'block',
  captcha_action: 'managed_challenge',
  max_items: 10000,
  page_size: 500,
  max_retry_wait: 30,
}
const PHASE = 'http_request_firewall_custom'
const LIST_NAME = /^[a-z0-9_]{1,50}$/
const ACTIONS = new Set(['block', 'managed_challenge', 'js_challenge', 'challenge', 'log'])
/** Poll intervals of a bulk operation, in ms (the last one repeats). */
const POLL_MS = [100, 250, 500, 1000, 2000]
const MAX_COMMENT = 100

// ---------------------------------------------------------------------------------------------
// Addresses as Cloudflare takes them

function parseV4(text) {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return null
  return parts.map(Number)
}

/** An IPv6 address -> its 8 groups (numbers), or null. */
function parseV6(text) {
  let s = text.toLowerCase()
  if (s.includes('.')) {
    const at = s.lastIndexOf(':')
    const v4 = parseV4(s.slice(at + 1))
    if (v4 === null) return null
    s = `${s.slice(0, at + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const head = halves[0] === '' ? [] : halves[0].split(':')
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : null
  let groups = head
  if (tail !== null) {
    if (head.length + tail.length > 7) return null
    groups = [...head, ...new Array(8 - head.length - tail.length).fill('0'), ...tail]
  }
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null
  return groups.map((g) => parseInt(g, 16))
}

/** 8 groups -> RFC 5952 text (lower case, the longest run of two or more zero groups as ::). */
function formatV6(groups) {
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

/**
 * A decision's value as a list item: {ip, widened} or {error}. IPv4 addresses and CIDRs from /8
 * to /32 as they are (a /32 as its address); IPv6 only as prefixes from /12 to /64, so an
 * address or a longer prefix becomes its /64.
 */
function listItem(value) {
  const slash = value.indexOf('/')
  const addr = slash < 0 ? value : value.slice(0, slash)
  const bits = slash < 0 ? undefined : Number(value.slice(slash + 1))
  if (bits !== undefined && !/^[0-9]{1,3}$/.test(value.slice(slash + 1))) return {error: 'not an address or a CIDR range'}
  const v4 = parseV4(addr)
  if (v4 !== null) {
    const prefix = bits ?? 32
    if (prefix > 32) return {error: 'not an address or a CIDR range'}
    if (prefix < 8) return {error: `IPv4 ranges wider than /8 are not accepted by Cloudflare lists`}
    const n = ((v4[0] << 24) | (v4[1] << 16) | (v4[2] << 8) | v4[3]) >>> 0
    const masked = prefix === 0 ? 0 : (n & (~0 << (32 - prefix))) >>> 0
    const text = [masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255].join('.')
    return {ip: prefix === 32 ? text : `${text}/${prefix}`, widened: false}
  }
  const v6 = parseV6(addr)
  if (v6 === null) return {error: 'not an address or a CIDR range'}
  const prefix = bits ?? 128
  if (prefix > 128) return {error: 'not an address or a CIDR range'}
  if (prefix < 12) return {error: 'IPv6 ranges wider than /12 are not accepted by Cloudflare lists'}
  const kept = Math.min(prefix, 64)
  const groups = v6.map((g, i) => {
    const from = i * 16
    if (from + 16 <= kept) return g
    if (from >= kept) return 0
    return g & (0xffff << (16 - (kept - from)) & 0xffff)
  })
  return {ip: `${formatV6(groups)}/${kept}`, widened: prefix > 64}
}

// ---------------------------------------------------------------------------------------------
// Options

function settings(options) {
  const o = {...DEFAULTS}
  for (const key of Object.keys(DEFAULTS)) {
    if (options[key] !== undefined && options[key] !== null && options[key] !== '') o[key] = options[key]
  }
  const fail = (message) => {
    throw new Error(`configuration: ${message}`)
  }
  if (typeof options.account_id !== 'string' || !/^[0-9a-f]{32}$/i.test(options.account_id)) fail('account_id must be your Cloudflare account ID (32 hexadecimal characters)')
  o.account_id = options.account_id
  const zones = options.zones ?? []
  if (!Array.isArray(zones) || zones.some((z) => typeof z !== 'string' || !/^[0-9a-f]{32}$/i.test(z))) fail('zones must be a list of zone IDs (32 hexadecimal characters each)')
  o.zones = zones
  o.cloudflare_api_url = String(o.cloudflare_api_url).replace(/\/+$/, '')
  for (const key of ['list_name', 'captcha_list_name']) if (typeof o[key] !== 'string' || !LIST_NAME.test(o[key])) fail(`${key} must be 1 to 50 lower-case letters, digits or _ (a Cloudflare list name), not ${JSON.stringify(o[key])}`)
  if (o.list_name === o.captcha_list_name) fail('list_name and captcha_list_name must differ')
  for (const key of ['ban_action', 'captcha_action']) if (!ACTIONS.has(o[key])) fail(`${key} must be one of ${[...ACTIONS].join(', ')}`)
  for (const key of ['max_items', 'page_size', 'max_retry_wait']) if (!Number.isInteger(o[key]) || o[key] < 1) fail(`${key} must be a positive integer`)
  o.captcha = options.captcha_as_ban === false
  return o
}

// ---------------------------------------------------------------------------------------------
// The API

function client(o, token, host) {
  // {allow404}: a 404 answer is null; {delayMs}: the host waits that long before sending (polling)
  async function call(method, path, body, {allow404 = false, delayMs = 0} = {}) {
    const headers = {authorization: `Bearer ${token}`, accept: 'application/json'}
    const req = {url: o.cloudflare_api_url + path, method, headers, maxRedirects: 0, retry: {statuses: [429, 503], max: 3, maxWaitMs: o.max_retry_wait * 1000}}
    if (delayMs > 0) req.delayMs = delayMs
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      req.body = JSON.stringify(body)
    }
    const res = await host.http(req)
    if (allow404 && res.status === 404) return null
    let json
    try {
      json = JSON.parse(res.body)
    } catch {
      json = undefined
    }
    const where = `cloudflare ${method} ${path}`
    if (res.status === 429 || res.status === 503) {
      const after = res.headers['retry-after']
      throw new Error(`${where}: HTTP ${res.status}${after ? ` (Retry-After ${after} s)` : ''} after ${res.retries} retries: ${describeErrors(json, res.body)}`)
    }
    if (json === undefined || json === null || typeof json !== 'object') throw new Error(`${where}: HTTP ${res.status}, not a JSON answer: ${res.body.slice(0, 200)}`)
    if (json.success !== true || res.status >= 400) throw new Error(`${where}: HTTP ${res.status}: ${describeErrors(json, res.body)}`)
    return json
  }
  return {call}
}

function describeErrors(json, body) {
  const errors = json && Array.isArray(json.errors) ? json.errors : []
  if (errors.length === 0) return body.slice(0, 200) || '(empty answer)'
  return errors.map((e) => `[${e.code}] ${e.message}`).join('; ')
}

const enc = encodeURIComponent

/** The account's IP list named `name`, created when missing. */
async function ensureList(api, o, name, stats) {
  const lists = (await api.call('GET', `/accounts/${enc(o.account_id)}/rules/lists`)).result
  const found = Array.isArray(lists) ? lists.find((l) => l.name === name) : undefined
  if (found !== undefined) {
    if (found.kind !== 'ip') throw new Error(`the Cloudflare list "${name}" holds ${found.kind} items, not IP addresses: choose another list name`)
    return found.id
  }
  const created = (await api.call('POST', `/accounts/${enc(o.account_id)}/rules/lists`, {name, kind: 'ip', description: o.list_description})).result
  stats.listsCreated++
  return created.id
}

/** Every item of a list: [{id, ip}], page by page (result_info.cursors.after). */
async function listItems(api, o, listId, stats) {
  const items = []
  let cursor
  for (;;) {
    const query = `per_page=${o.page_size}${cursor === undefined ? '' : `&cursor=${enc(cursor)}`}`
    const page = await api.call('GET', `/accounts/${enc(o.account_id)}/rules/lists/${enc(listId)}/items?${query}`)
    stats.pages++
    for (const item of page.result ?? []) items.push({id: item.id, ip: item.ip})
    const after = page.result_info && page.result_info.cursors ? page.result_info.cursors.after : undefined
    if (typeof after !== 'string' || after === '') return items
    cursor = after
  }
}

/** Waits for a bulk operation to end (completed), failing with its error (failed) or when the call's time is out. */
async function waitOperation(api, o, operationId, what) {
  const path = `/accounts/${enc(o.account_id)}/rules/lists/bulk_operations/${enc(operationId)}`
  let status = 'pending'
  for (let i = 0; ; i++) {
    // asked again a little later each time: the host waits (plugins have no timers), and refuses a wait past the call's deadline
    let answer
    try {
      answer = await api.call('GET', path, undefined, {delayMs: i === 0 ? 0 : POLL_MS[Math.min(i - 1, POLL_MS.length - 1)]})
    } catch (error) {
      throw new Error(`${what}: bulk operation ${operationId} still ${status}: ${error.message}`)
    }
    const op = answer.result ?? {}
    if (op.status === 'completed') return
    if (op.status === 'failed') throw new Error(`${what}: Cloudflare's bulk operation ${operationId} failed: ${op.error ?? 'no reason given'}`)
    status = String(op.status)
  }
}

/** Makes list `name` hold exactly `wanted` (Map ip -> comment): the difference, or everything when that is shorter. */
async function syncList(api, o, name, wanted, stats) {
  const listId = await ensureList(api, o, name, stats)
  const current = await listItems(api, o, listId, stats)
  const have = new Map(current.map((item) => [item.ip, item.id]))
  const added = [...wanted.keys()].filter((ip) => !have.has(ip))
  const removed = current.filter((item) => !wanted.has(item.ip) || have.get(item.ip) !== item.id)
  if (added.length === 0 && removed.length === 0) return
  const base = `/accounts/${enc(o.account_id)}/rules/lists/${enc(listId)}/items`
  const items = (ips) => ips.map((ip) => (wanted.get(ip) ? {ip, comment: wanted.get(ip)} : {ip}))
  if (current.length === 0 || added.length + removed.length >= wanted.size) {
    const op = (await api.call('PUT', base, items([...wanted.keys()]))).result.operation_id
    await waitOperation(api, o, op, `replacing the items of list ${name}`)
    stats.replaced++
  } else {
    if (removed.length > 0) {
      const op = (await api.call('DELETE', base, {items: removed.map((item) => ({id: item.id}))})).result.operation_id
      await waitOperation(api, o, op, `removing ${removed.length} item(s) from list ${name}`)
    }
    if (added.length > 0) {
      const op = (await api.call('POST', base, items(added))).result.operation_id
      await waitOperation(api, o, op, `adding ${added.length} item(s) to list ${name}`)
    }
  }
  stats.added += added.length
  stats.removed += removed.filter((item) => !wanted.has(item.ip)).length
}

/** One rule per list in the zone's custom firewall rules (the phase entrypoint), made or repaired; other rules left alone. */
async function ensureRules(api, o, zone, rules, stats) {
  const entry = `/zones/${enc(zone)}/rulesets/phases/${PHASE}/entrypoint`
  const answer = await api.call('GET', entry, undefined, {allow404: true})
  if (answer === null) {
    await api.call('POST', `/zones/${enc(zone)}/rulesets`, {name: 'default', kind: 'zone', phase: PHASE, rules})
    stats.rulesCreated += rules.length
    return
  }
  const ruleset = answer.result
  for (const rule of rules) {
    const found = (ruleset.rules ?? []).find((r) => r.ref === rule.ref)
    if (found === undefined) {
      await api.call('POST', `/zones/${enc(zone)}/rulesets/${enc(ruleset.id)}/rules`, rule)
      stats.rulesCreated++
    } else if (found.action !== rule.action || found.expression !== rule.expression || found.enabled !== true) {
      await api.call('PATCH', `/zones/${enc(zone)}/rulesets/${enc(ruleset.id)}/rules/${enc(found.id)}`, rule)
      stats.rulesUpdated++
    }
  }
}

function ruleFor(name, action) {
  return {ref: `crowd_${name}`, action, expression: `(ip.src in $${name})`, description: `crowd: decisions in list ${name}`, enabled: true}
}

// ---------------------------------------------------------------------------------------------

module.exports = {
  async apply(batch, options, host) {
    if (batch.startup !== true || batch.deleted.length > 0) {
      throw new Error('this package needs full batches (manifest: batches = "full"): every apply must carry every decision')
    }
    const o = settings(options)
    const token = await host.secret('cloudflare_token')
    if (typeof token !== 'string' || token === '') throw new Error('configuration: cloudflare_token is not set (an API token with Account Filter Lists Edit, and Zone WAF Edit for zones)')

    const stats = {ban: 0, captcha: 0, widened: 0, unsupported: 0, added: 0, removed: 0, replaced: 0, listsCreated: 0, rulesCreated: 0, rulesUpdated: 0, pages: 0}
    const ban = new Map()
    const captcha = new Map()
    const skipped = []
    for (const d of batch.added) {
      const item = listItem(d.value)
      if (item.error !== undefined) {
        stats.unsupported++
        if (skipped.length < 5) skipped.push(`${d.value} (${item.error})`)
        continue
      }
      if (item.widened) stats.widened++
      const target = o.captcha && d.type === 'captcha' ? captcha : ban
      if (!target.has(item.ip)) target.set(item.ip, `crowd: ${d.type} ${d.scenario ?? ''}`.trim().slice(0, MAX_COMMENT))
    }
    for (const ip of ban.keys()) captcha.delete(ip) // a ban wins over a captcha for the same item
    stats.ban = ban.size
    stats.captcha = captcha.size
    if (skipped.length > 0) await host.log('warn', `${stats.unsupported} decision(s) not sent to Cloudflare: ${skipped.join(', ')}${stats.unsupported > skipped.length ? ', ...' : ''}`)
    const total = ban.size + captcha.size
    if (total > o.max_items) {
      throw new Error(`${total} list items (${ban.size} ban, ${captcha.size} captcha) are more than max_items ${o.max_items}: the Cloudflare lists were left as they were (raise max_items up to your plan's limit, or narrow the decisions with scopes, origins or scenarios_containing)`)
    }

    const api = client(o, token, host)
    await syncList(api, o, o.list_name, ban, stats)
    if (o.captcha) await syncList(api, o, o.captcha_list_name, captcha, stats)
    const rules = [ruleFor(o.list_name, o.ban_action)]
    if (o.captcha) rules.push(ruleFor(o.captcha_list_name, o.captcha_action))
    for (const zone of o.zones) await ensureRules(api, o, zone, rules, stats)
    return stats
  },
}
