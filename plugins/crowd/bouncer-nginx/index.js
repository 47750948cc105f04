'use strict'
// crowd/bouncer-nginx: crowd's decisions as an nginx `geo` block, in a file nginx includes.
//
// The package declares `batches = "full"`: every apply gets every decision (`startup: true`,
// `deleted` empty), at most once per the configuration's apply_interval, only when something
// changed. Each apply writes the whole file again and asks nginx to reload it:
//
//   geo $crowd_banned {
//       default 0;
//       proxy 10.0.0.2;            one per trusted_proxies entry: X-Forwarded-For is believed from
//       proxy_recursive;           these peers only (proxy_recursive: true)
//       192.0.2.7 1;               one line per banned address or range, sorted (IPv4 first)
//       2001:db8::/64 1;
//   }
//
// and the user's server blocks say `if ($crowd_banned) { return 403; }`.
//
// Runs in crowd's sandbox: no require, no file system, no timers. host.writeFile writes the one
// file the configuration's map_path names; host.exec runs the reload command, which must match one
// of the shapes the manifest grants (`/usr/sbin/nginx [-p PREFIX -c FILE [-e LOG] | -c FILE] -s reload`).
//
// host.writeFile replaces the file in one rename: nginx (a reload, or a start at boot) reads the
// old map or the new one, never half of one.
//
// Every value of a decision is parsed here again and written back from numbers: nothing from a
// decision reaches the file as text. A value that is not an address or CIDR range (or is a /0) is
// refused, logged and counted, never written.

const PKG = 'bouncer-nginx'
const DEFAULT_RELOAD = ['/usr/sbin/nginx', '-s', 'reload']
const DEFAULT_VARIABLE = 'crowd_banned'
const DEFAULT_TYPES = ['ban']
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const SAMPLES = 5

function fail(message) {
  throw new Error(`${PKG}: ${message}`)
}

function quote(value, max = 80) {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > max ? text.slice(0, max) + '...' : text)
}

// ---------------------------------------------------------------------------------------------
// Addresses: parsed into numbers, written back from them

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/
const HEXTET = /^[0-9A-Fa-f]{1,4}$/
const PREFIX = /^(0|[1-9][0-9]{0,2})$/

/** Dotted IPv4 (no leading zeros) -> [4 octets], or undefined. */
function parseIPv4(text) {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined
  return parts.map(Number)
}

/** IPv6 text (`::` once at most, a dotted IPv4 tail allowed, no zone) -> [8 groups], or undefined. */
function parseIPv6(text) {
  if (text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (half, last) => {
    if (half === '') return []
    const out = []
    const parts = half.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p)
        if (v4 === undefined) return undefined
        out.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3])
      } else if (HEXTET.test(p)) out.push(parseInt(p, 16))
      else return undefined
    }
    return out
  }
  if (halves.length === 1) {
    const all = groups(halves[0], true)
    return all !== undefined && all.length === 8 ? all : undefined
  }
  const head = groups(halves[0], false)
  const tail = groups(halves[1], true)
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined
  return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail]
}

/**
 * An address or CIDR range -> {family: 4|6, parts (octets or groups), prefix} with the host bits
 * cleared (an IPv4-mapped IPv6 becomes IPv4), or a string saying why not.
 */
function parseNetwork(value) {
  if (typeof value !== 'string') return 'not a string'
  if (value === '' || value.length > 64) return 'not an address or CIDR range'
  if (!/^[0-9A-Fa-f:./]+$/.test(value)) return 'has characters no address or range has'
  const slash = value.indexOf('/')
  const addr = slash < 0 ? value : value.slice(0, slash)
  let prefix
  if (slash >= 0) {
    const p = value.slice(slash + 1)
    if (!PREFIX.test(p)) return 'has a malformed prefix length'
    prefix = Number(p)
  }
  let net
  const v4 = parseIPv4(addr)
  if (v4 !== undefined) {
    if (prefix !== undefined && prefix > 32) return 'has a prefix length over 32'
    net = {family: 4, parts: v4, prefix: prefix === undefined ? 32 : prefix}
  } else {
    const v6 = parseIPv6(addr)
    if (v6 === undefined) return 'not an address or CIDR range'
    if (prefix !== undefined && prefix > 128) return 'has a prefix length over 128'
    const bits = prefix === undefined ? 128 : prefix
    const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff
    if (mapped && bits >= 96) net = {family: 4, parts: [v6[6] >> 8, v6[6] & 255, v6[7] >> 8, v6[7] & 255], prefix: bits - 96}
    else net = {family: 6, parts: v6, prefix: bits}
  }
  if (net.prefix === 0) return 'is a /0 (every address)'
  const width = net.family === 4 ? 8 : 16
  net.parts = net.parts.map((part, i) => {
    const keep = Math.max(0, Math.min(width, net.prefix - i * width))
    return keep === 0 ? 0 : part & ((((1 << keep) - 1) << (width - keep)) & ((1 << width) - 1))
  })
  return net
}

function formatNetwork(net) {
  const full = net.family === 4 ? 32 : 128
  let text
  if (net.family === 4) text = net.parts.join('.')
  else {
    // RFC 5952: the longest run of two or more zero groups (the first of equal ones) becomes ::
    let best = -1
    let bestLen = 1
    for (let i = 0; i < 8; ) {
      if (net.parts[i] !== 0) {
        i++
        continue
      }
      let j = i
      while (j < 8 && net.parts[j] === 0) j++
      if (j - i > bestLen) {
        best = i
        bestLen = j - i
      }
      i = j
    }
    const hex = (gs) => gs.map((g) => g.toString(16)).join(':')
    text = best < 0 ? hex(net.parts) : `${hex(net.parts.slice(0, best))}::${hex(net.parts.slice(best + bestLen))}`
  }
  return net.prefix === full ? text : `${text}/${net.prefix}`
}

function compareNetworks(a, b) {
  if (a.family !== b.family) return a.family - b.family
  for (let i = 0; i < a.parts.length; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i] - b.parts[i]
  return a.prefix - b.prefix
}

// ---------------------------------------------------------------------------------------------
// Options

function stringList(options, key, fallback) {
  const v = options[key]
  if (v === undefined || v === null) return fallback
  if (!Array.isArray(v)) fail(`"${key}" must be a list, not ${typeof v === 'object' ? 'a table' : `a ${typeof v}`}`)
  v.forEach((item, i) => {
    if (typeof item !== 'string') fail(`"${key}"[${i}] must be a string, not ${item === null ? 'null' : typeof item === 'object' ? 'a table or list' : `a ${typeof item}`}`)
  })
  return v
}

function readOptions(options) {
  if (options === null || typeof options !== 'object') fail('options must be a table')
  const mapPath = options.map_path
  if (typeof mapPath !== 'string' || mapPath === '') fail('"map_path" is not set (the file nginx includes, e.g. /etc/nginx/crowd-bouncer.conf)')
  if (!mapPath.startsWith('/') || mapPath.endsWith('/')) fail(`"map_path" must be the absolute path of a file, not ${quote(mapPath)}`)
  const variable = options.variable === undefined || options.variable === null ? DEFAULT_VARIABLE : options.variable
  if (typeof variable !== 'string' || !VARIABLE.test(variable.replace(/^\$/, ''))) fail(`"variable" must be an nginx variable name (letters, digits, _), not ${quote(variable)}`)
  const proxies = stringList(options, 'trusted_proxies', []).map((text, i) => {
    const net = parseNetwork(text.trim())
    if (typeof net === 'string') {
      if (net === 'is a /0 (every address)') fail(`"trusted_proxies"[${i}] ${quote(text)} is a /0: X-Forwarded-For would be believed from every client, so anyone could choose the address checked`)
      fail(`"trusted_proxies"[${i}] ${quote(text)} is not an IPv4 or IPv6 address or CIDR range (${net})`)
    }
    return net
  })
  const recursive = options.proxy_recursive === undefined || options.proxy_recursive === null ? false : options.proxy_recursive
  if (typeof recursive !== 'boolean') fail(`"proxy_recursive" must be true or false, not ${quote(recursive)}`)
  const reload = stringList(options, 'reload_command', DEFAULT_RELOAD)
  if (reload.length > 0 && !reload[0].startsWith('/')) fail(`"reload_command" must start with the absolute path of nginx, not ${quote(reload[0])}`)
  reload.forEach((arg, i) => {
    if (/[\0\n\r]/.test(arg)) fail(`"reload_command"[${i}] contains a control character`)
  })
  const types = stringList(options, 'types', DEFAULT_TYPES).map((t) => t.toLowerCase())
  return {mapPath, variable: variable.replace(/^\$/, ''), proxies, recursive, reload, types}
}

// ---------------------------------------------------------------------------------------------
// The file

/** The geo block for `nets` (sorted, unique), believing X-Forwarded-For only from `proxies`. */
function render(o, nets) {
  const proxies = [...new Map(o.proxies.map((p) => [formatNetwork(p), p])).values()].sort(compareNetworks)
  const lines = [
    `# Written by crowd (crowd/bouncer-nginx) at each apply: edits are lost. ${nets.length} banned address(es) and range(s).`,
    `# Trusted proxies (X-Forwarded-For believed from them only): ${proxies.length === 0 ? 'none' : proxies.map(formatNetwork).join(', ')}.`,
    `geo $${o.variable} {`,
    '    default 0;',
  ]
  for (const p of proxies) lines.push(`    proxy ${formatNetwork(p)};`)
  if (o.recursive && proxies.length > 0) lines.push('    proxy_recursive;')
  for (const n of nets) lines.push(`    ${formatNetwork(n)} 1;`)
  return lines.join('\n') + '\n}\n' // the closing brace last: a file cut short anywhere is one nginx refuses
}

module.exports = {
  async apply(batch, options, host) {
    const o = readOptions(options)
    if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.added)) fail('the batch has no "added" list')
    if (batch.startup !== true || (Array.isArray(batch.deleted) && batch.deleted.length > 0)) {
      fail('needs every decision in each apply (its manifest says batches = "full"): this crowd sent a partial batch')
    }
    const byText = new Map()
    const refused = []
    let skipped = 0
    for (const d of batch.added) {
      if (d === null || typeof d !== 'object') {
        refused.push('a decision that is not an object')
        continue
      }
      if (!o.types.includes(String(d.type).toLowerCase()) || (d.scope !== undefined && !/^(ip|range)$/i.test(String(d.scope)))) {
        skipped++
        continue
      }
      const net = parseNetwork(d.value)
      if (typeof net === 'string') {
        refused.push(`${quote(d.value)} ${net}`)
        continue
      }
      byText.set(formatNetwork(net), net)
    }
    if (refused.length > 0) {
      await host.log('warn', `${PKG}: refused ${refused.length} decision value(s), not written to ${o.mapPath}: ${refused.slice(0, SAMPLES).join('; ')}${refused.length > SAMPLES ? '; ...' : ''}`)
    }
    const nets = [...byText.values()].sort(compareNetworks)
    const text = render(o, nets)
    try {
      await host.writeFile(o.mapPath, text)
    } catch (error) {
      fail(`cannot write "map_path" ${o.mapPath}: ${error.message}`)
    }
    const stats = {written: text.length, entries: nets.length, refused: refused.length, skipped, reloaded: false}
    if (o.reload.length === 0) return stats
    const [bin, ...args] = o.reload
    const command = quote(o.reload.join(' '), 1000)
    let result
    try {
      result = await host.exec(bin, args, null)
    } catch (error) {
      if (error.code === 'EPERM') {
        fail(`"reload_command" ${command} is not one this package may run (granted: /usr/sbin/nginx -s reload, /usr/sbin/nginx -c FILE -s reload, /usr/sbin/nginx -p PREFIX -c FILE -s reload, /usr/sbin/nginx -p PREFIX -c FILE -e LOG -s reload): ${error.message}`)
      }
      fail(`"reload_command" ${command} could not run: ${error.message}`)
    }
    if (result.code !== 0) {
      const how = result.code === null ? `was killed by ${result.signal}` : `exited with ${result.code}`
      const stderr = String(result.stderr || '').trim()
      fail(`${o.mapPath} written, but "reload_command" ${command} ${how}: nginx keeps its previous configuration: ${stderr === '' ? '(no output)' : stderr.length > 2000 ? '...' + stderr.slice(-2000) : stderr}`)
    }
    stats.reloaded = true
    return stats
  },
}
