/**
 * The blocklist bouncer's own keys of a bouncer configuration (CrowdSec blocklist-mirror's):
 *
 *     listen_uri: 127.0.0.1:41412          # host:port, [v6]:port, or :port (every address)
 *     blocklists:
 *       - format: plain_text               # plain_text | json | mikrotik
 *         endpoint: /security/blocklist
 *         authentication:
 *           type: none                     # none | ip_based | basic | api_key
 *           user: ...                      # basic
 *           password: ...                  # basic
 *           api_key: ...                   # api_key
 *           trusted_ips: [127.0.0.1, ::1]  # ip_based; with the other types: addresses let in without credentials
 *
 * Checked whole before anything listens; every problem is a CrowdError naming the file and the
 * line of its top-level key (listen_uri or blocklists).
 */
import {CrowdError, CrowdErrorList} from '../../../model/errors.js'
import {parseIP, parsePrefix, addrPrefix, type Prefix} from '../../../model/ip.js'
import type {BouncerConfig} from '../config.js'

export const DEFAULT_LISTEN_URI = '127.0.0.1:41412'
export const DEFAULT_ENDPOINT = '/security/blocklist'
export const FORMATS = ['plain_text', 'json', 'mikrotik'] as const
export const AUTH_TYPES = ['none', 'ip_based', 'basic', 'api_key'] as const
export type BlocklistFormat = (typeof FORMATS)[number]
export type AuthType = (typeof AUTH_TYPES)[number]

export interface BlocklistAuth {
  type: AuthType
  user?: string
  password?: string
  apiKey?: string
  /** Addresses and ranges let in (ip_based: the only ones; other types: without credentials). */
  trusted: Prefix[]
}

export interface BlocklistEndpoint {
  format: BlocklistFormat
  /** The exact path served (no query). */
  endpoint: string
  auth: BlocklistAuth
}

export interface BlocklistSettings {
  /** The host to listen on ('' = every address) and the port (0: any free one). */
  host: string
  port: number
  /** listen_uri as written. */
  listenUri: string
  lists: BlocklistEndpoint[]
}

const MAX_ENDPOINT = 256
const ENDPOINT = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/
/** A variable `${NAME}` left as written: not set in the environment. */
const UNSET_VARIABLE = /\$\{[A-Za-z_][A-Za-z0-9_]*\}|^\$[A-Za-z_][A-Za-z0-9_]*$/

/** The blocklist keys of `config`; throws a CrowdError (or a list of them) when any is wrong. */
export function blocklistSettings(config: BouncerConfig): BlocklistSettings {
  const file = config.file ?? `${config.name} (no configuration file: defaults)`
  const errors: CrowdError[] = []
  const fail = (key: string, reason: string): void => void errors.push(new CrowdError('config', `${key}: ${reason}`, {file, line: config.keyLines[key]}))
  const values = config.values

  let listenUri = DEFAULT_LISTEN_URI
  const raw = values.listen_uri
  if (typeof raw === 'string' && raw.trim() !== '') listenUri = raw.trim()
  else if (raw !== undefined && raw !== null) fail('listen_uri', 'must be host:port, such as 127.0.0.1:41412')
  const listen = parseListenUri(listenUri)
  if (listen === undefined) fail('listen_uri', `"${listenUri}" is not host:port (127.0.0.1:41412, [::1]:41412, or :41412 for every address)`)

  const lists: BlocklistEndpoint[] = []
  const rawLists = values.blocklists
  if (rawLists === undefined || rawLists === null) {
    lists.push({format: 'plain_text', endpoint: DEFAULT_ENDPOINT, auth: {type: 'none', trusted: []}})
  } else if (!Array.isArray(rawLists) || rawLists.length === 0) {
    fail('blocklists', 'must be a list of {format, endpoint, authentication}')
  } else {
    const seen = new Set<string>()
    rawLists.forEach((item, i) => {
      const where = `blocklists[${i}]`
      const bad = (reason: string): void => fail('blocklists', `${where}${reason}`)
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return bad(': must be a mapping of format, endpoint, authentication')
      const o = item as Record<string, unknown>
      const format = o.format ?? 'plain_text'
      if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format)) bad(`.format: must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`)
      const endpoint = o.endpoint ?? DEFAULT_ENDPOINT
      if (typeof endpoint !== 'string' || endpoint.length > MAX_ENDPOINT || !ENDPOINT.test(endpoint)) bad(`.endpoint: must be a path such as ${DEFAULT_ENDPOINT} (no query, at most ${MAX_ENDPOINT} characters), not ${JSON.stringify(endpoint)}`)
      else if (seen.has(endpoint)) bad(`.endpoint: ${endpoint} is served by another list already`)
      else seen.add(endpoint)
      const auth = readAuth(o.authentication, (reason) => bad(`.authentication${reason}`))
      if (auth !== undefined && typeof format === 'string' && typeof endpoint === 'string') lists.push({format: format as BlocklistFormat, endpoint, auth})
    })
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return {host: listen!.host, port: listen!.port, listenUri, lists}
}

/** `host:port`, `[v6]:port` or `:port` (host '' = every address); undefined when not one. */
export function parseListenUri(text: string): {host: string; port: number} | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^[\]:/\s]*)):(\d{1,5})$/.exec(text)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  const host = m[1] ?? m[2]!
  if (m[1] !== undefined && parseIP(host) === null) return undefined
  if (host !== '' && m[1] === undefined && parseIP(host) === null && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) return undefined
  return {host, port}
}

function readAuth(raw: unknown, bad: (reason: string) => void): BlocklistAuth | undefined {
  if (raw === undefined || raw === null) return {type: 'none', trusted: []}
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    bad(': must be a mapping with type (none, ip_based, basic, api_key)')
    return undefined
  }
  const o = raw as Record<string, unknown>
  const type = o.type ?? 'none'
  if (typeof type !== 'string' || !(AUTH_TYPES as readonly string[]).includes(type)) {
    bad(`.type: must be one of ${AUTH_TYPES.join(', ')}, not ${JSON.stringify(type)}`)
    return undefined
  }
  let ok = true
  const secret = (key: string): string | undefined => {
    const v = o[key]
    if (v === undefined || v === null || v === '') {
      bad(`.${key}: needed by authentication type ${type}`)
      ok = false
      return undefined
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      bad(`.${key}: must be a string`)
      ok = false
      return undefined
    }
    const s = String(v)
    if (UNSET_VARIABLE.test(s)) {
      // an unset ${VAR} is left as written: a password anyone can read in the packaged file
      bad(`.${key}: ${s.match(UNSET_VARIABLE)![0]} is not set in the environment`)
      ok = false
      return undefined
    }
    return s
  }
  const trusted: Prefix[] = []
  const rawTrusted = o.trusted_ips
  if (rawTrusted !== undefined && rawTrusted !== null) {
    if (!Array.isArray(rawTrusted)) {
      bad('.trusted_ips: must be a list of addresses and CIDR ranges')
      ok = false
    } else {
      for (const t of rawTrusted) {
        const p = typeof t === 'string' ? trustedPrefix(t.trim()) : undefined
        if (p === undefined) {
          bad(`.trusted_ips: ${JSON.stringify(t)} is not an address or CIDR range`)
          ok = false
        } else trusted.push(p)
      }
    }
  }
  const auth: BlocklistAuth = {type: type as AuthType, trusted}
  if (type === 'basic') {
    const user = secret('user')
    const password = secret('password')
    if (user !== undefined && user.includes(':')) {
      bad('.user: cannot hold ":" (basic authentication sends user:password)')
      ok = false
    }
    if (user !== undefined) auth.user = user
    if (password !== undefined) auth.password = password
  } else if (type === 'api_key') {
    const key = secret('api_key')
    if (key !== undefined) auth.apiKey = key
  } else if (type === 'ip_based' && ok && trusted.length === 0) {
    bad('.trusted_ips: ip_based needs the addresses or ranges let in')
    ok = false
  }
  return ok ? auth : undefined
}

/** An address (a /32 or /128) or a CIDR range. */
function trustedPrefix(text: string): Prefix | undefined {
  if (text.includes('/')) return parsePrefix(text) ?? undefined
  const a = parseIP(text)
  if (a === null) return undefined
  return addrPrefix(a, a.is4 ? 32 : 128) ?? undefined
}
