'use strict'
// crowd/bouncer-firewall: blocks the addresses and ranges of decisions with nftables (or
// iptables + ipset, `mode: iptables`, further down).
//
// Runs in crowd's sandbox: no require, no file system, no network; `host.exec` runs nft (only as
// the manifest declares: `/usr/sbin/nft -f -`) and every batch is ONE `nft -f -` call with the
// whole script on stdin, so the kernel applies it as one transaction (all or nothing).
//
// Layout (CrowdSec firewall bouncer's names), per enabled family:
//
//   table ip crowdsec                                  (ip6: table ip6 crowdsec6)
//     set crowdsec-blacklists         { type ipv4_addr; flags timeout; }            addresses
//     set crowdsec-blacklists-ranges  { type ipv4_addr; flags timeout, interval; }  CIDR ranges
//     chain crowdsec-chain-input      { type filter hook input priority -10; policy accept; }
//       ip saddr @crowdsec-blacklists drop
//       ip saddr @crowdsec-blacklists-ranges drop
//     chain crowdsec-chain-forward    (only with nftables.forward: true)
//
// Two tables of their own (ip and ip6, not one inet table) as CrowdSec's bouncer has them, so
// rules and docs written for it keep working. Addresses and ranges live in two sets: in an
// interval set an address inside a banned range is an "interval overlaps" error that would fail
// the whole batch, and nft reads an interval set back before every change (seconds with 100,000
// elements), while a plain set of addresses takes one element in milliseconds.
//
// startup: true replaces everything in one transaction: `add table` + `delete table` (so it
// exists to be deleted), then the table, sets, chains, rules and every element again. Nothing
// passes in between (the old table filters until the commit), and a changed priority or hook
// takes effect (nft cannot change an existing base chain's priority).
//
// resync (a startup bigger than one batch: the runtime calls it first): the table, sets and
// chains are made as the options want them without removing an element, and the sets' values are
// listed (`nft -j list set`); the runtime then sends what to delete and, in batches, everything to
// add again, while the old elements keep filtering: a restart with 1,000,000 decisions has no
// window either.
//
// Otherwise: deleted values are removed (each added with a 1 s timeout first, so a value that
// already expired or was never there is no error), added values are removed and added again with
// their timeout (so a longer decision extends the element), all in one script.
//
// Every value is parsed and written back from numbers here (defence in depth): nothing from a
// decision reaches the script as text.

const DEFAULT_NFT = '/usr/sbin/nft'
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
// 2^32 ms: timeouts every kernel accepts; longer decisions are refreshed by the next startup resync.
const DEFAULT_MAX_TIMEOUT_S = 4294967
const DEFAULT_TYPES = ['ban', 'captcha']

function fail(message) {
  throw new Error(`bouncer-firewall: ${message}`)
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

// ---------------------------------------------------------------------------------------------
// Options

function name(value, fallback, where) {
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'string' || !NAME.test(value)) fail(`${where}: ${JSON.stringify(value)} is not a valid nftables name (a letter, then letters, digits, _ or -)`)
  return value
}

function family(raw, defaults, where, topPriority) {
  if (raw !== undefined && !isObject(raw)) fail(`${where} must be a table`)
  const o = raw || {}
  const priority = o.priority === undefined ? topPriority : o.priority
  if (!Number.isInteger(priority) || priority < -1000 || priority > 1000) fail(`${where}.priority: ${JSON.stringify(priority)} is not an integer from -1000 to 1000`)
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') fail(`${where}.enabled must be true or false`)
  const set = name(o.set, defaults.set, `${where}.set`)
  return {
    enabled: o.enabled !== false,
    family: defaults.family,
    type: defaults.type,
    match: defaults.match,
    table: name(o.table, defaults.table, `${where}.table`),
    chain: name(o.chain, defaults.chain, `${where}.chain`),
    set,
    rangeSet: name(o.range_set, `${set}-ranges`, `${where}.range_set`),
    priority,
  }
}

function parseOptions(options) {
  if (options === undefined || options === null) options = {}
  if (!isObject(options)) fail('options must be a table')
  const mode = options.mode === undefined ? 'nftables' : options.mode
  if (mode !== 'nftables' && mode !== 'iptables') fail(`mode ${JSON.stringify(mode)} is not supported (nftables, iptables)`)
  const binDir = options.bin_dir === undefined ? '/usr/sbin' : options.bin_dir
  if (typeof binDir !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(binDir) || binDir.includes('..')) fail('bin_dir must be an absolute path')
  const maxElements = options.ipset_maxelem === undefined ? 2000000 : options.ipset_maxelem
  if (!Number.isInteger(maxElements) || maxElements < 1024 || maxElements > 1e8) fail('ipset_maxelem must be an integer from 1024')
  let chains = ['INPUT']
  if (options.iptables_chains !== undefined) {
    if (!Array.isArray(options.iptables_chains) || options.iptables_chains.length === 0 || options.iptables_chains.some((c) => c !== 'INPUT' && c !== 'FORWARD')) fail('iptables_chains must list INPUT and/or FORWARD')
    chains = [...new Set(options.iptables_chains)]
  }
  const nftPath = options.nft_path === undefined ? DEFAULT_NFT : options.nft_path
  if (typeof nftPath !== 'string' || !nftPath.startsWith('/')) fail('nft_path must be an absolute path')
  const nft = options.nftables === undefined ? {} : options.nftables
  if (!isObject(nft)) fail('nftables must be a table')
  const priority = nft.priority === undefined ? -10 : nft.priority
  let hooks = ['input']
  if (nft.forward !== undefined && typeof nft.forward !== 'boolean') fail('nftables.forward must be true or false')
  if (nft.forward === true) hooks.push('forward')
  if (options.nftables_hooks !== undefined) {
    if (!Array.isArray(options.nftables_hooks) || options.nftables_hooks.some((h) => h !== 'input' && h !== 'forward') || options.nftables_hooks.length === 0) fail('nftables_hooks must list input and/or forward')
    hooks = [...new Set(options.nftables_hooks)]
  }
  const action = options.deny_action === undefined ? 'DROP' : String(options.deny_action).toUpperCase()
  if (action !== 'DROP' && action !== 'REJECT') fail(`deny_action ${JSON.stringify(options.deny_action)}: DROP or REJECT`)
  const maxTimeout = options.max_timeout === undefined ? DEFAULT_MAX_TIMEOUT_S : options.max_timeout
  if (!Number.isInteger(maxTimeout) || maxTimeout < 1) fail('max_timeout must be a positive number of seconds')
  let types = DEFAULT_TYPES
  if (options.types !== undefined) {
    if (!Array.isArray(options.types) || options.types.some((t) => typeof t !== 'string')) fail('types must be a list of decision types')
    types = options.types.map((t) => t.toLowerCase())
  }
  const v4 = family(nft.ipv4, {family: 'ip', type: 'ipv4_addr', match: 'ip saddr', table: 'crowdsec', chain: 'crowdsec-chain', set: name(options.blacklists_ipv4, 'crowdsec-blacklists', 'blacklists_ipv4')}, 'nftables.ipv4', priority)
  const v6 = family(nft.ipv6, {family: 'ip6', type: 'ipv6_addr', match: 'ip6 saddr', table: 'crowdsec6', chain: 'crowdsec6-chain', set: name(options.blacklists_ipv6, 'crowdsec6-blacklists', 'blacklists_ipv6')}, 'nftables.ipv6', priority)
  // CrowdSec's disable_ipv6: true
  if (options.disable_ipv6 !== undefined && typeof options.disable_ipv6 !== 'boolean') fail('disable_ipv6 must be true or false')
  if (options.disable_ipv6 === true) v6.enabled = false
  if (options.deny_log !== undefined && typeof options.deny_log !== 'boolean') fail('deny_log must be true or false')
  const logPrefix = options.deny_log_prefix === undefined ? 'crowdsec: ' : options.deny_log_prefix
  if (typeof logPrefix !== 'string' || !/^[A-Za-z0-9 _:.-]{1,28}$/.test(logPrefix)) fail('deny_log_prefix: at most 28 letters, digits, spaces and _ : . -')
  const log = options.deny_log === true ? logPrefix : undefined
  return {mode, log, maxElements, nftPath, binDir: binDir.replace(/\/+$/, ''), chains, hooks, verdict: action === 'DROP' ? 'drop' : 'reject', maxTimeout, types, v4, v6}
}

// ---------------------------------------------------------------------------------------------
// Addresses: parsed to numbers, written back canonically (RFC 5952 for IPv6)

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/
const HEX = /^[0-9a-fA-F]{1,4}$/

function parseV4(text) {
  const m = IPV4.exec(text)
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]
}

/** 8 groups of 16 bits, or undefined. */
function parseV6(text) {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined
  let tail = []
  let body = text
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]]
    body = text.slice(0, lastColon + 1)
    if (!body.endsWith('::')) body = body.slice(0, -1)
  }
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const groups = (s) => (s === '' ? [] : s.split(':'))
  const head = groups(halves[0])
  const rest = halves.length === 2 ? groups(halves[1]) : []
  if (![...head, ...rest].every((g) => HEX.test(g))) return undefined
  const nums = (list) => list.map((g) => parseInt(g, 16))
  const known = head.length + rest.length + tail.length
  if (halves.length === 1) {
    if (known !== 8) return undefined
    return [...nums(head), ...tail]
  }
  if (known > 7) return undefined
  return [...nums(head), ...new Array(8 - known).fill(0), ...nums(rest), ...tail]
}

function formatV6(g) {
  let bestAt = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen) {
      bestAt = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (list) => list.map((n) => n.toString(16)).join(':')
  if (bestAt < 0) return hex(g)
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`
}

/** Keeps the first `prefix` bits of `parts` (each `width` bits wide). */
function mask(parts, width, prefix) {
  return parts.map((p, i) => {
    const keep = Math.max(0, Math.min(width, prefix - i * width))
    return keep === 0 ? 0 : keep === width ? p : p & (((1 << keep) - 1) << (width - keep))
  })
}

/**
 * A decision value -> {v6: boolean, text, prefix, range} or a reason it is refused. `range` is
 * false for a single address (a /32 or /128 is one address too).
 */
function parseValue(value) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return 'not an address or CIDR range'
  const slash = value.indexOf('/')
  const addr = slash < 0 ? value : value.slice(0, slash)
  let prefix
  if (slash >= 0) {
    const p = value.slice(slash + 1)
    if (!/^[0-9]{1,3}$/.test(p)) return 'not an address or CIDR range'
    prefix = Number(p)
  }
  let v4 = parseV4(addr)
  let v6 = v4 === undefined ? parseV6(addr) : undefined
  if (v4 === undefined && v6 === undefined) return 'not an address or CIDR range'
  if (v6 !== undefined && v6.slice(0, 5).every((n) => n === 0) && v6[5] === 0xffff && (prefix === undefined || prefix >= 96)) {
    // IPv4-mapped: the IPv4 address (the kernel sees IPv4 packets from it)
    v4 = [v6[6] >> 8, v6[6] & 255, v6[7] >> 8, v6[7] & 255]
    if (prefix !== undefined) prefix -= 96
    v6 = undefined
  }
  const bits = v4 !== undefined ? 32 : 128
  if (prefix === undefined) prefix = bits
  if (prefix > bits) return `prefix /${prefix} is longer than ${bits} bits`
  if (prefix === 0) return 'a /0 range would block every address'
  if (v4 !== undefined) {
    const parts = mask(v4, 8, prefix)
    const text = parts.join('.')
    return {v6: false, text: prefix === 32 ? text : `${text}/${prefix}`, prefix, range: prefix !== 32, parts}
  }
  const parts = mask(v6, 16, prefix)
  const text = formatV6(parts)
  return {v6: true, text: prefix === 128 ? text : `${text}/${prefix}`, prefix, range: prefix !== 128, parts}
}

// ---------------------------------------------------------------------------------------------
// Decisions -> elements

function timeoutOf(ttlMs, max) {
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) return undefined
  return Math.min(max, Math.max(1, Math.ceil(ttlMs / 1000)))
}

/**
 * Sorts a batch's decisions into the four element lists (v4/v6 x address/range), each value once
 * (the longest timeout). Returns the lists and what was refused or skipped, with reasons.
 */
function collect(decisions, opts, withTimeout, report) {
  const lists = {v4: new Map(), v4r: new Map(), v6: new Map(), v6r: new Map()}
  if (!Array.isArray(decisions)) return lists
  for (const d of decisions) {
    if (!isObject(d)) {
      report.refused('a decision that is not an object')
      continue
    }
    const scope = typeof d.scope === 'string' ? d.scope.toLowerCase() : ''
    if (scope !== 'ip' && scope !== 'range') {
      report.refused(`scope ${JSON.stringify(d.scope)} of ${JSON.stringify(d.value)} (Ip or Range)`)
      continue
    }
    const parsed = parseValue(d.value)
    if (typeof parsed === 'string') {
      report.refused(`${JSON.stringify(String(d.value).slice(0, 80))}: ${parsed}`)
      continue
    }
    if (scope === 'ip' && parsed.range) {
      report.refused(`${JSON.stringify(d.value)}: scope Ip with a range`)
      continue
    }
    let timeout = 0
    if (withTimeout) {
      const type = typeof d.type === 'string' ? d.type.toLowerCase() : ''
      if (!opts.types.includes(type)) {
        report.skipped(`type ${JSON.stringify(d.type)}`)
        continue
      }
      timeout = timeoutOf(d.ttlMs, opts.maxTimeout)
      if (timeout === undefined) {
        report.skipped('expired')
        continue
      }
    }
    const key = (parsed.v6 ? 'v6' : 'v4') + (parsed.range ? 'r' : '')
    const list = lists[key]
    const seen = list.get(parsed.text)
    if (seen === undefined) list.set(parsed.text, {timeout, parsed})
    else if (timeout > seen.timeout) seen.timeout = timeout
  }
  return lists
}

/**
 * Drops ranges inside another range of the same list (nft refuses overlapping intervals); the
 * range kept gets the longest timeout of those it covers, so nothing passes early.
 */
function withoutNested(list, v6) {
  const width = v6 ? 16 : 8
  const entries = [...list.values()].sort((a, b) => a.parsed.prefix - b.parsed.prefix)
  const kept = new Map()
  for (const e of entries) {
    let cover
    for (let p = 1; p < e.parsed.prefix && cover === undefined; p++) {
      cover = kept.get(`${mask(e.parsed.parts, width, p).join(',')}/${p}`)
    }
    if (cover !== undefined) cover.timeout = Math.max(cover.timeout, e.timeout)
    else kept.set(`${e.parsed.parts.join(',')}/${e.parsed.prefix}`, e)
  }
  return new Map([...kept.values()].map((e) => [e.parsed.text, e]))
}

// ---------------------------------------------------------------------------------------------
// The nft script

function tableHeader(f, opts, lines) {
  const t = `${f.family} ${f.table}`
  lines.push(`add table ${t}`, `delete table ${t}`, `add table ${t}`)
  lines.push(`add set ${t} ${f.set} { type ${f.type}; flags timeout; }`)
  lines.push(`add set ${t} ${f.rangeSet} { type ${f.type}; flags timeout, interval; }`)
  for (const hook of opts.hooks) {
    const chain = `${f.chain}-${hook}`
    lines.push(`add chain ${t} ${chain} { type filter hook ${hook} priority ${f.priority}; policy accept; }`)
    const verdict = opts.log === undefined ? opts.verdict : `log prefix "${opts.log}" ${opts.verdict}`
    lines.push(`add rule ${t} ${chain} ${f.match} @${f.set} ${verdict}`)
    lines.push(`add rule ${t} ${chain} ${f.match} @${f.rangeSet} ${verdict}`)
  }
}

/**
 * The table, its sets and chains as the options want them, without removing any element (resync):
 * `add` keeps what exists; each chain is flushed, deleted and added again (the hooks or priority may
 * have changed; nft cannot change a base chain), and a hook no longer wanted loses its chain.
 */
function structure(f, opts, lines) {
  const t = `${f.family} ${f.table}`
  lines.push(`add table ${t}`)
  lines.push(`add set ${t} ${f.set} { type ${f.type}; flags timeout; }`)
  lines.push(`add set ${t} ${f.rangeSet} { type ${f.type}; flags timeout, interval; }`)
  for (const hook of ['input', 'forward']) {
    const chain = `${f.chain}-${hook}`
    lines.push(`add chain ${t} ${chain}`, `flush chain ${t} ${chain}`, `delete chain ${t} ${chain}`)
    if (!opts.hooks.includes(hook)) continue
    lines.push(`add chain ${t} ${chain} { type filter hook ${hook} priority ${f.priority}; policy accept; }`)
    const verdict = opts.log === undefined ? opts.verdict : `log prefix "${opts.log}" ${opts.verdict}`
    lines.push(`add rule ${t} ${chain} ${f.match} @${f.set} ${verdict}`)
    lines.push(`add rule ${t} ${chain} ${f.match} @${f.rangeSet} ${verdict}`)
  }
}

/** The values of `nft -j list set` output (addresses and prefixes; other ranges are counted in `odd`). */
function listedValues(json, odd) {
  let doc
  try {
    doc = JSON.parse(json)
  } catch {
    fail('nft -j list set printed something that is not JSON')
  }
  const out = []
  const items = doc && Array.isArray(doc.nftables) ? doc.nftables : []
  for (const item of items) {
    const elems = item && item.set && Array.isArray(item.set.elem) ? item.set.elem : []
    for (const raw of elems) {
      const v = isObject(raw) && isObject(raw.elem) ? raw.elem.val : raw
      if (typeof v === 'string') out.push(v)
      else if (isObject(v) && isObject(v.prefix) && typeof v.prefix.addr === 'string' && Number.isInteger(v.prefix.len)) out.push(`${v.prefix.addr}/${v.prefix.len}`)
      else odd.count++
    }
  }
  return out
}

async function resyncNft(opts, host) {
  const lines = []
  const families = [opts.v4, opts.v6].filter((f) => f.enabled)
  for (const f of families) structure(f, opts, lines)
  if (lines.length === 0) return []
  const result = await run(host, opts.nftPath, ['-f', '-'], lines.join('\n') + '\n')
  if (result.code !== 0) {
    // a set of ours defined otherwise (other flags or type: made by hand or by another tool): the
    // table is made again, empty, and the runner adds everything (banned values pass meanwhile)
    if (!/File exists/.test(result.stderr || '')) failed('nft', ['-f', '-'], result)
    await host.log('warn', `bouncer-firewall: a set of ${families.map((f) => `${f.family} ${f.table}`).join(', ')} is defined otherwise than this bouncer makes it; the table is made again (${(result.stderr || '').trim().split('\n')[0]})`)
    const rebuild = []
    for (const f of families) tableHeader(f, opts, rebuild)
    const again = await run(host, opts.nftPath, ['-f', '-'], rebuild.join('\n') + '\n')
    if (again.code !== 0) failed('nft', ['-f', '-'], again)
    return []
  }
  const values = []
  const odd = {count: 0}
  for (const f of families) {
    for (const set of [f.set, f.rangeSet]) {
      const args = ['-j', 'list', 'set', f.family, f.table, set]
      const listed = await run(host, opts.nftPath, args, null)
      if (listed.code !== 0) failed('nft', args, listed)
      for (const v of listedValues(listed.stdout, odd)) values.push(v)
    }
  }
  if (odd.count > 0) await host.log('warn', `bouncer-firewall: ${odd.count} element(s) of the sets are ranges that are not CIDR prefixes (added by hand?): left as they are`)
  return values
}

function elements(keyword, f, set, list, withTimeout, lines) {
  if (list.size === 0) return
  const parts = []
  for (const [text, e] of list) parts.push(withTimeout ? `${text} timeout ${e.timeout}s` : text)
  lines.push(`${keyword} element ${f.family} ${f.table} ${set} { ${parts.join(', ')} }`)
}

function buildScript(batch, opts, report) {
  const adds = collect(batch.added, opts, true, report)
  adds.v4r = withoutNested(adds.v4r, false)
  adds.v6r = withoutNested(adds.v6r, true)
  const dels = batch.startup ? {v4: new Map(), v4r: new Map(), v6: new Map(), v6r: new Map()} : collect(batch.deleted, opts, false, report)
  const lines = []
  let added = 0
  let deleted = 0
  for (const [f, a, ar, d, dr] of [[opts.v4, adds.v4, adds.v4r, dels.v4, dels.v4r], [opts.v6, adds.v6, adds.v6r, dels.v6, dels.v6r]]) {
    const count = a.size + ar.size
    if (!f.enabled) {
      if (count + d.size + dr.size > 0) report.skipped(`${f.family === 'ip' ? 'IPv4' : 'IPv6'} disabled`, count + d.size + dr.size)
      continue
    }
    if (batch.startup) {
      tableHeader(f, opts, lines)
      elements('add', f, f.set, a, true, lines)
      elements('add', f, f.rangeSet, ar, true, lines)
    } else {
      // remove (present or not) the deleted values and those added again, then add
      for (const [set, del, add] of [[f.set, d, a], [f.rangeSet, dr, ar]]) {
        const gone = new Map([...del, ...add])
        const once = new Map([...gone].map(([text]) => [text, {timeout: 1}]))
        elements('add', f, set, once, true, lines)
        elements('delete', f, set, gone, false, lines)
        elements('add', f, set, add, true, lines)
      }
      deleted += [...d.keys()].filter((k) => !a.has(k)).length + [...dr.keys()].filter((k) => !ar.has(k)).length
    }
    added += count
  }
  return {script: lines.length === 0 ? '' : lines.join('\n') + '\n', added, deleted}
}

const OVERLAP = /^\/dev\/stdin:([0-9]+):([0-9]+)-([0-9]+): Error: interval overlaps with an existing one/m
const MAX_OVERLAP_RETRIES = 16

/**
 * Runs the script; a batch (not a startup: it starts from empty sets and merges nested ranges
 * itself) whose range overlaps one already in the set (a CIDR inside, or around, an earlier one:
 * nft refuses it and names the first) is retried without that value, up to 16 times, rather than
 * failing again at every retry and holding back every later decision. Returns the script that
 * was applied and the values left out.
 */
async function runNft(host, opts, script, startup) {
  const overlaps = []
  for (;;) {
    const result = await run(host, opts.nftPath, ['-f', '-'], script)
    if (result.code === 0) return {script, overlaps}
    const m = OVERLAP.exec(result.stderr || '')
    if (m === null || startup || overlaps.length >= MAX_OVERLAP_RETRIES) failed('nft', ['-f', '-'], result)
    const lines = script.split('\n')
    const line = lines[Number(m[1]) - 1] || ''
    const value = line.slice(Number(m[2]) - 1, Number(m[3]))
    const at = /^(add|delete) element (ip6? [A-Za-z0-9_-]+ [A-Za-z0-9_-]+) \{ /.exec(line)
    if (at === null || !/^[0-9a-f.:]+\/[0-9]+$/.test(value)) failed('nft', ['-f', '-'], result)
    // the value leaves every line of that set (the 1 s add, the delete and the add with its timeout)
    const kept = []
    for (const l of lines) {
      const head = /^(add|delete) element (ip6? [A-Za-z0-9_-]+ [A-Za-z0-9_-]+) \{ (.*) \}$/.exec(l)
      if (head === null || head[2] !== at[2]) {
        kept.push(l)
        continue
      }
      const items = head[3].split(', ').filter((item) => item !== value && !item.startsWith(`${value} `))
      if (items.length > 0) kept.push(`${head[1]} element ${head[2]} { ${items.join(', ')} }`)
    }
    overlaps.push(value)
    script = kept.join('\n')
  }
}

// ---------------------------------------------------------------------------------------------
// iptables + ipset mode
//
// One ipset set per family (hash:net: addresses and ranges, nested ones too, each with its own
// timeout), matched from a chain CROWDSEC_CHAIN of iptables' and ip6tables' filter tables, jumped
// to from INPUT (and FORWARD with iptables_chains). Programs: `ipset restore` (stdin),
// `iptables-restore --noflush` (stdin: the chain flushed and refilled in one commit) and
// `iptables -w -C|-I CHAIN -j CROWDSEC_CHAIN` (the jump, inserted when missing).
//
// startup: the elements go into a temporary set that is then swapped with the real one (atomic:
// no window) and destroyed. A batch: `del X value -exist` and `add X value timeout N -exist`
// (which also refreshes the timeout), in one `ipset restore`.

const IPT_CHAIN = 'CROWDSEC_CHAIN'
// ipset's longest timeout (seconds)
const IPSET_MAX_TIMEOUT = 2147483

async function run(host, file, args, stdin) {
  let result
  try {
    result = await host.exec(file, args, stdin)
  } catch (error) {
    const code = error && typeof error.code === 'string' ? error.code : 'error'
    fail(`cannot run ${file} (${code}): ${error && error.message}`)
  }
  return result
}

function failed(file, args, result) {
  const why = (result.stderr || '').trim().split('\n').slice(0, 6).join(' | ').slice(0, 600)
  fail(`${[file, ...args].join(' ')} failed (${result.code === null ? `signal ${result.signal}` : `exit ${result.code}`}): ${why}`)
}

async function warnRefused(host, stats, reasons) {
  if (stats.refused > 0) await host.log('warn', `bouncer-firewall: refused ${stats.refused} decision(s): ${reasons.join('; ')}${stats.refused > reasons.length ? '; ...' : ''}`)
}

/** The chain CROWDSEC_CHAIN of each family restored in one commit, and the jumps to it inserted when missing. */
async function iptablesChains(host, opts, families) {
  for (const {f, inet} of families) {
    const tool = `${opts.binDir}/${inet === 'inet' ? 'iptables' : 'ip6tables'}`
    const match = `-A ${IPT_CHAIN} -m set --match-set ${f.set} src`
    const logRule = opts.log === undefined ? '' : `${match} -j LOG --log-prefix "${opts.log}"\n`
    const rules = `*filter\n:${IPT_CHAIN} - [0:0]\n${logRule}${match} -j ${opts.verdict === 'drop' ? 'DROP' : 'REJECT'}\nCOMMIT\n`
    const restored = await run(host, `${tool}-restore`, ['--noflush'], rules)
    if (restored.code !== 0) failed(`${tool}-restore`, ['--noflush'], restored)
    for (const chain of opts.chains) {
      const check = await run(host, tool, ['-w', '-C', chain, '-j', IPT_CHAIN], null)
      if (check.code === 0) continue
      const insert = await run(host, tool, ['-w', '-I', chain, '-j', IPT_CHAIN], null)
      if (insert.code !== 0) failed(tool, ['-w', '-I', chain, '-j', IPT_CHAIN], insert)
    }
  }
}

function ipsetCreate(inet, opts) {
  // the same parameters every time (`create -exist` refuses a set that differs)
  return `hash:net family ${inet} timeout 0 maxelem ${opts.maxElements}`
}

/** iptables mode: the sets (kept when they exist) and chains made ready; the values the sets hold (`ipset save`). */
async function resyncIptables(opts, host) {
  const families = [{f: opts.v4, inet: 'inet'}, {f: opts.v6, inet: 'inet6'}].filter(({f}) => f.enabled)
  if (families.length === 0) return []
  const ipset = `${opts.binDir}/ipset`
  const create = families.map(({f, inet}) => `create ${f.set} ${ipsetCreate(inet, opts)} -exist`).join('\n') + '\n'
  const made = await run(host, ipset, ['restore'], create)
  if (made.code !== 0) failed(ipset, ['restore'], made)
  await iptablesChains(host, opts, families)
  const values = []
  for (const {f} of families) {
    const saved = await run(host, ipset, ['save', f.set], null)
    if (saved.code !== 0) failed(ipset, ['save', f.set], saved)
    for (const line of saved.stdout.split('\n')) {
      const m = /^add (\S+) (\S+)/.exec(line)
      if (m !== null && m[1] === f.set) values.push(m[2])
    }
  }
  return values
}

async function applyIptables(batch, opts, report, host, warn) {
  const adds = collect(batch.added, opts, true, report)
  const dels = batch.startup ? {v4: new Map(), v4r: new Map(), v6: new Map(), v6r: new Map()} : collect(batch.deleted, opts, false, report)
  const lines = []
  const families = []
  let added = 0
  let deleted = 0
  for (const [f, inet, a, d] of [[opts.v4, 'inet', new Map([...adds.v4, ...adds.v4r]), new Map([...dels.v4, ...dels.v4r])], [opts.v6, 'inet6', new Map([...adds.v6, ...adds.v6r]), new Map([...dels.v6, ...dels.v6r])]]) {
    if (!f.enabled) {
      if (a.size + d.size > 0) report.skipped(`${inet} disabled`, a.size + d.size)
      continue
    }
    const set = f.set
    const timeout = (e) => Math.min(e.timeout, IPSET_MAX_TIMEOUT)
    if (batch.startup) {
      families.push({f, inet})
      const tmp = `${set}-tmp`
      const create = ipsetCreate(inet, opts)
      lines.push(`create ${set} ${create} -exist`, `create ${tmp} ${create} -exist`, `flush ${tmp}`)
      for (const [text, e] of a) lines.push(`add ${tmp} ${text} timeout ${timeout(e)} -exist`)
      lines.push(`swap ${tmp} ${set}`, `destroy ${tmp}`)
    } else {
      for (const text of d.keys()) if (!a.has(text)) lines.push(`del ${set} ${text} -exist`)
      for (const [text, e] of a) lines.push(`add ${set} ${text} timeout ${timeout(e)} -exist`)
      deleted += [...d.keys()].filter((k) => !a.has(k)).length
    }
    added += a.size
  }
  await warn()
  if (lines.length > 0) {
    const ipset = `${opts.binDir}/ipset`
    const result = await run(host, ipset, ['restore'], lines.join('\n') + '\n')
    if (result.code !== 0) failed(ipset, ['restore'], result)
  }
  await iptablesChains(host, opts, families)
  return {added, deleted, bytes: lines.reduce((n, l) => n + l.length + 1, 0)}
}

// ---------------------------------------------------------------------------------------------

module.exports = {
  /**
   * Before a startup too big for one transaction: the table, sets and chains made ready without
   * removing any element, and the values the sets hold now; the runtime then deletes what is no
   * longer wanted and adds everything again in chunks, while the old elements keep filtering.
   */
  async resync(options, host) {
    const opts = parseOptions(options)
    const values = opts.mode === 'iptables' ? await resyncIptables(opts, host) : await resyncNft(opts, host)
    await host.log('info', `bouncer-firewall: resync: ${values.length} value(s) in the sets`)
    return {values}
  },

  async apply(batch, options, host) {
    const started = await host.now()
    if (!isObject(batch)) fail('the batch must be {startup, added, deleted}')
    const opts = parseOptions(options)
    const refusedReasons = []
    const stats = {added: 0, deleted: 0, refused: 0, skipped: 0}
    const report = {
      refused: (why) => {
        stats.refused++
        if (refusedReasons.length < 5) refusedReasons.push(why)
      },
      skipped: (why, n) => void (stats.skipped += n === undefined ? 1 : n),
    }
    const normalised = {startup: batch.startup === true, added: batch.added, deleted: batch.deleted}
    let done
    if (opts.mode === 'iptables') {
      done = await applyIptables(normalised, opts, report, host, () => warnRefused(host, stats, refusedReasons))
    } else {
      const {script, added, deleted} = buildScript(normalised, opts, report)
      await warnRefused(host, stats, refusedReasons)
      const applied = script === '' ? {script, overlaps: []} : await runNft(host, opts, script, normalised.startup)
      if (applied.overlaps.length > 0) {
        stats.overlaps = applied.overlaps.length
        await host.log('warn', `bouncer-firewall: ${applied.overlaps.length} range(s) overlap ranges already in the set and were left out until the next startup merges them: ${applied.overlaps.slice(0, 5).join(', ')}${applied.overlaps.length > 5 ? ', ...' : ''}`)
      }
      done = {added, deleted, bytes: applied.script.length}
    }
    stats.added = done.added
    stats.deleted = done.deleted
    const ms = (await host.now()) - started
    if (done.bytes > 0) await host.log(normalised.startup ? 'info' : 'debug', `bouncer-firewall: ${normalised.startup ? 'startup, ' : ''}${done.added} added, ${done.deleted} deleted in ${ms} ms (${done.bytes} bytes of ${opts.mode === 'iptables' ? 'ipset' : 'nft'} script)`)
    return {...stats, bytes: done.bytes, ms}
  },
}
