/**
 * What a plugin package may do outside its sandbox, as its manifest declares it (`[permissions]`
 * of crowd-package.toml): the hosts it may reach, the commands it may run, the files it may
 * write and the configuration secrets it may read. Nothing else is reachable from plugin code:
 * the host API (host-api.ts) checks every call against these grants.
 *
 * Manifest shape (TOML shown; any parsed object works):
 *
 *     [permissions]
 *     network = ["hooks.slack.com", "http://127.0.0.1:9200", {host = "*.example.org", ports = [443, 8443], schemes = ["https"]}, {config = "webhook"}]
 *     commands = ["/usr/bin/logger", {path = "/usr/sbin/nft", args = ["add", "element", "inet", "crowd", "*"]}]
 *     files = {write = ["/var/log/crowd/", "/var/lib/crowd/plugin.state", "config:log_path"]}
 *     secrets = ["webhook", "token"]
 *
 * - network: a string `[scheme://]host[:port]` (no scheme means https; no port means the
 *   scheme's default) or a table {host, ports?, schemes?} (default: https on 443). `*.x.org`
 *   matches subdomains of x.org, not x.org itself. IP literals match only themselves.
 *   `{config = "webhook"}` (or `"config:webhook"`): the scheme, host and port of the URL the
 *   user writes under that key of the plugin's configuration (a Slack webhook, a Splunk URL).
 * - commands: an absolute path (any arguments), or {path, args}: exactly that many arguments,
 *   each literal or `*` (one argument that does not start with `-`, so no option slips in).
 *   `{config = "bin_path"}` (or `"config:bin_path"`): the program whose absolute path is set there,
 *   with any arguments (what a custom bouncer runs is the user's choice, as in CrowdSec's).
 * - files.write: absolute paths; one ending in `/` is a directory (anything below it), any other
 *   is one file. Globs are not supported. `{config = "log_path"}` (or `"config:log_path"`): the
 *   path under that key of the plugin's configuration (a directory when it ends in `/`).
 * - secrets: keys of the plugin's configuration it may read through `host.secret(key)`.
 *
 * Entries naming configuration keys are kept apart (`networkFromConfig`, `files.writeFromConfig`)
 * and grant nothing by themselves: `resolvePermissions` turns them into concrete grants for one
 * configuration, and the host API checks requests against that result only.
 *
 * This module is pure: parsing, resolving against a configuration, describing (the lines `crowd
 * hub install` shows before asking), comparing two grants (an upgrade that asks more asks again)
 * and matching one request.
 */
import * as path from 'node:path'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {compareBytes} from '../model/order.js'

export type Scheme = 'http' | 'https'

export const SCHEMES: readonly Scheme[] = ['http', 'https']
const DEFAULT_PORT: Record<Scheme, number> = {http: 80, https: 443}

export interface NetworkGrant {
  /** As URL.hostname spells it (lowercase, IPv6 in brackets), or `*.` + a domain. */
  host: string
  ports: number[]
  schemes: Scheme[]
}

export interface CommandGrant {
  /** Absolute, normalised. */
  path: string
  /** Absent: any arguments. Present: exactly this many, each literal or `*`. */
  args?: string[]
}

/** Validated permissions: every list present (empty when not declared), sorted and without duplicates. */
export interface Permissions {
  network: NetworkGrant[]
  /** Configuration keys holding a URL whose scheme, host and port may be reached (see resolvePermissions). */
  networkFromConfig: string[]
  commands: CommandGrant[]
  /** Configuration keys holding the absolute path of a program that may be run, with any arguments (the custom bouncer's bin_path). */
  commandsFromConfig: string[]
  files: {
    write: string[]
    /** Configuration keys holding a path that may be written (a directory when it ends in `/`). */
    writeFromConfig: string[]
  }
  secrets: string[]
}

export const NO_PERMISSIONS: Permissions = Object.freeze({network: [], networkFromConfig: [], commands: [], commandsFromConfig: [], files: {write: [], writeFromConfig: []}, secrets: []}) as Permissions

/** A fresh Permissions with every list empty. */
export function emptyPermissions(): Permissions {
  return {network: [], networkFromConfig: [], commands: [], commandsFromConfig: [], files: {write: [], writeFromConfig: []}, secrets: []}
}

/** Matches one argument of a command pattern: any single argument not starting with `-`. */
export const ANY_ARGUMENT = '*'

const KEYS = new Set(['network', 'commands', 'files', 'secrets'])
const SECRET_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/
/** The spelling of an entry naming a configuration key: `config:KEY` (or the table {config = KEY}). */
const CONFIG_PREFIX = 'config:'
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
const NETWORK_STRING = /^(?:([a-z]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^/:[\]]+)(?::([0-9]+))?\/?$/

/**
 * The `[permissions]` value of a manifest -> Permissions. Every problem is collected: one is
 * thrown as a CrowdError naming `file`, several as a CrowdErrorList. `undefined` means none.
 */
export function parsePermissions(value: unknown, file: string): Permissions {
  const errors: CrowdError[] = []
  const fail = (where: string, reason: string): void => void errors.push(new CrowdError('hub', `[permissions] ${where}: ${reason}`, {file}))
  const result = emptyPermissions()
  if (value === undefined) return result
  if (!isPlainObject(value)) {
    throw new CrowdError('hub', '[permissions] must be a table', {file})
  }
  for (const key of Object.keys(value)) {
    if (!KEYS.has(key)) fail(key, `unknown permission (network, commands, files, secrets)`)
  }
  for (const [i, entry] of listOf(value.network, 'network', fail).entries()) {
    const where = (reason: string): void => fail(`network[${i}]`, reason)
    const key = configReference(entry, where)
    if (key === null) continue
    if (key !== undefined) result.networkFromConfig.push(key)
    else {
      const grant = parseNetworkGrant(entry, where)
      if (grant !== undefined) result.network.push(grant)
    }
  }
  for (const [i, entry] of listOf(value.commands, 'commands', fail).entries()) {
    const where = (reason: string): void => fail(`commands[${i}]`, reason)
    const key = configReference(entry, where)
    if (key === null) continue
    if (key !== undefined) result.commandsFromConfig.push(key)
    else {
      const grant = parseCommandGrant(entry, where)
      if (grant !== undefined) result.commands.push(grant)
    }
  }
  if (value.files !== undefined) {
    if (!isPlainObject(value.files)) fail('files', 'must be a table like {write = ["/var/log/crowd/"]}')
    else {
      for (const key of Object.keys(value.files)) if (key !== 'write') fail(`files.${key}`, 'unknown (only "write": plugins read no files)')
      for (const [i, entry] of listOf(value.files.write, 'files.write', fail).entries()) {
        const where = (reason: string): void => fail(`files.write[${i}]`, reason)
        const key = configReference(entry, where)
        if (key === null) continue
        if (key !== undefined) result.files.writeFromConfig.push(key)
        else {
          const p = parseWritePath(entry, where)
          if (p !== undefined) result.files.write.push(p)
        }
      }
    }
  }
  for (const [i, entry] of listOf(value.secrets, 'secrets', fail).entries()) {
    if (typeof entry !== 'string' || !SECRET_KEY.test(entry)) fail(`secrets[${i}]`, `${JSON.stringify(entry)} is not a configuration key (letters, digits, _ . -)`)
    else result.secrets.push(entry)
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return normalise(result)
}

function listOf(value: unknown, where: string, fail: (where: string, reason: string) => void): unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    fail(where, 'must be an array')
    return []
  }
  return value
}

/**
 * The configuration key an entry names (`"config:KEY"` or {config = KEY}); undefined when the
 * entry is something else, null when it names one badly (the failure is reported).
 */
function configReference(entry: unknown, fail: (reason: string) => void): string | null | undefined {
  let key: unknown
  if (typeof entry === 'string') {
    if (!entry.startsWith(CONFIG_PREFIX)) return undefined
    key = entry.slice(CONFIG_PREFIX.length)
  } else if (isPlainObject(entry) && Object.hasOwn(entry, 'config')) {
    const extra = Object.keys(entry).filter((k) => k !== 'config')
    if (extra.length > 0) {
      fail(`{config = ...} takes no other key (found ${extra.map((k) => `"${k}"`).join(', ')})`)
      return null
    }
    key = entry.config
  } else return undefined
  if (typeof key !== 'string' || !SECRET_KEY.test(key)) {
    fail(`${JSON.stringify(key)} is not a configuration key (letters, digits, _ . -)`)
    return null
  }
  return key
}

function parseNetworkGrant(entry: unknown, fail: (reason: string) => void): NetworkGrant | undefined {
  if (typeof entry === 'string') {
    const m = NETWORK_STRING.exec(entry)
    if (m === null) return void fail(`${JSON.stringify(entry)} is not "[scheme://]host[:port]"`)
    const scheme = (m[1] ?? 'https') as Scheme
    if (!SCHEMES.includes(scheme)) return void fail(`scheme "${m[1]}" is not http or https`)
    const host = normaliseHost(m[2]!)
    if (host === undefined) return void fail(`"${m[2]}" is not a host name or IP address`)
    const port = m[3] === undefined ? DEFAULT_PORT[scheme] : Number(m[3])
    if (!isPort(port)) return void fail(`port ${m[3]} is not between 1 and 65535`)
    return {host, ports: [port], schemes: [scheme]}
  }
  if (!isPlainObject(entry)) return void fail('must be a string like "hooks.example.org" or a table {host, ports, schemes}')
  let ok = true
  for (const key of Object.keys(entry)) {
    if (key !== 'host' && key !== 'ports' && key !== 'schemes') {
      fail(`unknown key "${key}" (host, ports, schemes)`)
      ok = false
    }
  }
  const host = typeof entry.host === 'string' ? normaliseHost(entry.host) : undefined
  if (host === undefined) {
    fail(`host ${JSON.stringify(entry.host)} is not a host name or IP address`)
    ok = false
  }
  let schemes: Scheme[] = ['https']
  if (entry.schemes !== undefined) {
    if (!Array.isArray(entry.schemes) || entry.schemes.length === 0 || entry.schemes.some((s) => !SCHEMES.includes(s as Scheme))) {
      fail('schemes must be a non-empty array of "http" and "https"')
      ok = false
    } else schemes = entry.schemes as Scheme[]
  }
  let ports = schemes.map((s) => DEFAULT_PORT[s])
  if (entry.ports !== undefined) {
    if (!Array.isArray(entry.ports) || entry.ports.length === 0 || entry.ports.some((p) => !isPort(p))) {
      fail('ports must be a non-empty array of numbers between 1 and 65535')
      ok = false
    } else ports = entry.ports as number[]
  }
  return ok ? {host: host!, ports, schemes} : undefined
}

/** A host as URL.hostname spells it, `*.` + domain for a wildcard; undefined when it is not one. */
export function normaliseHost(text: string): string | undefined {
  let host = text.trim().toLowerCase()
  if (host.endsWith('.')) host = host.slice(0, -1)
  if (host.startsWith('[') || host.includes(':')) {
    const bare = host.replace(/^\[|\]$/g, '')
    try {
      return new URL(`http://[${bare}]/`).hostname
    } catch {
      return undefined
    }
  }
  const wildcard = host.startsWith('*.')
  const name = wildcard ? host.slice(2) : host
  let parsed: string
  try {
    parsed = new URL(`http://${name}/`).hostname
  } catch {
    return undefined
  }
  const labels = parsed.split('.')
  if (!labels.every((l) => HOST_LABEL.test(l))) return undefined
  if (wildcard && (labels.length < 2 || /^[0-9.]+$/.test(parsed))) return undefined
  return wildcard ? `*.${parsed}` : parsed
}

function parseCommandGrant(entry: unknown, fail: (reason: string) => void): CommandGrant | undefined {
  let p: unknown
  let args: unknown
  if (typeof entry === 'string') p = entry
  else if (isPlainObject(entry)) {
    for (const key of Object.keys(entry)) if (key !== 'path' && key !== 'args') fail(`unknown key "${key}" (path, args)`)
    p = entry.path
    args = entry.args
  } else return void fail('must be an absolute path or a table {path, args}')
  if (typeof p !== 'string' || !isCleanAbsolute(p) || p.endsWith('/')) return void fail(`path ${JSON.stringify(p)} must be an absolute, normalised path to a program`)
  if (args === undefined) return {path: p}
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string' || a.includes('\0'))) return void fail('args must be an array of strings ("*" stands for one argument)')
  return {path: p, args: [...(args as string[])]}
}

function parseWritePath(entry: unknown, fail: (reason: string) => void): string | undefined {
  if (typeof entry !== 'string' || !isCleanAbsolute(entry)) return void fail(`${JSON.stringify(entry)} must be an absolute, normalised path (a directory ends with "/")`)
  if (entry === '/') return void fail('"/" would let the plugin write anywhere')
  return entry
}

/** Absolute, no `.`/`..`/empty segment (a trailing `/` allowed), no NUL. */
export function isCleanAbsolute(p: string): boolean {
  if (!p.startsWith('/') || p.includes('\0')) return false
  const segments = p.slice(1, p.endsWith('/') ? -1 : undefined).split('/')
  return p === '/' || segments.every((s) => s !== '' && s !== '.' && s !== '..')
}

function isPort(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function normalise(p: Permissions): Permissions {
  const uniq = <T>(items: T[], key: (t: T) => string): T[] => {
    const seen = new Map<string, T>()
    for (const item of items) seen.set(key(item), item)
    return [...seen.entries()].sort(([a], [b]) => compareBytes(a, b)).map(([, v]) => v)
  }
  return {
    network: uniq(p.network.map((g) => ({host: g.host, ports: [...new Set(g.ports)].sort((a, b) => a - b), schemes: [...new Set(g.schemes)].sort()})), (g) => JSON.stringify(g)),
    networkFromConfig: uniq(p.networkFromConfig, (k) => k),
    commands: uniq(p.commands, (c) => JSON.stringify(c)),
    commandsFromConfig: uniq(p.commandsFromConfig, (k) => k),
    files: {write: uniq(p.files.write, (w) => w), writeFromConfig: uniq(p.files.writeFromConfig, (k) => k)},
    secrets: uniq(p.secrets, (s) => s),
  }
}

/**
 * The `[permissions]` table (as parsed TOML or JSON) that parses back to `p`: how hub-index.json
 * and the hub state store permissions, in the manifest's own format. Empty lists are left out.
 */
export function permissionsTable(p: Permissions): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const network = [...p.network.map((g) => ({host: g.host, ports: [...g.ports], schemes: [...g.schemes]})), ...p.networkFromConfig.map((k) => ({config: k}))]
  if (network.length > 0) out.network = network
  const commands = [...p.commands.map((c) => (c.args === undefined ? {path: c.path} : {path: c.path, args: [...c.args]})), ...p.commandsFromConfig.map((k) => ({config: k}))]
  if (commands.length > 0) out.commands = commands
  const write = [...p.files.write, ...p.files.writeFromConfig.map((k) => ({config: k}))]
  if (write.length > 0) out.files = {write}
  if (p.secrets.length > 0) out.secrets = [...p.secrets]
  return out
}

/** Whether `p` asks for nothing at all (a plugin that only computes and logs). */
export function permissionsEmpty(p: Permissions): boolean {
  return p.network.length + p.networkFromConfig.length + p.commands.length + p.commandsFromConfig.length + p.files.write.length + p.files.writeFromConfig.length + p.secrets.length === 0
}

// ---------------------------------------------------------------------------------------------
// Resolving entries that name configuration keys

/**
 * `p` made concrete for one configuration (the notification or bouncer settings the user wrote
 * in `file`): each `{config = KEY}` network entry becomes a grant for the scheme, host and port
 * of the URL under KEY, each files.write one the path under KEY. The result names no
 * configuration key. A missing or malformed value is a CrowdError('config') naming the key and
 * `file` (all of them at once); URL values are never quoted in messages (webhook URLs are secrets).
 */
export function resolvePermissions(p: Permissions, config: Record<string, unknown>, file: string): Permissions {
  const errors: CrowdError[] = []
  const fail = (key: string, reason: string): void => void errors.push(new CrowdError('config', `"${key}" ${reason}`, {file}))
  const value = (key: string): unknown => (Object.hasOwn(config, key) ? config[key] : undefined)
  const result: Permissions = {
    network: [...p.network],
    networkFromConfig: [],
    commands: [...p.commands],
    commandsFromConfig: [],
    files: {write: [...p.files.write], writeFromConfig: []},
    secrets: [...p.secrets],
  }
  for (const key of p.networkFromConfig) {
    const grant = urlGrant(value(key), (reason) => fail(key, `${reason} (the plugin's network permission is the URL set there)`))
    if (grant !== undefined) result.network.push(grant)
  }
  for (const key of p.commandsFromConfig) {
    const v = value(key)
    const why = '(the plugin may run the program set there)'
    if (v === undefined || v === null || v === '') fail(key, `is not set ${why}`)
    else if (typeof v !== 'string') fail(key, `must be a path, not ${typeName(v)} ${why}`)
    else if (!isCleanAbsolute(v) || v.endsWith('/')) fail(key, `must be the absolute, normalised path of a program, not ${JSON.stringify(v)} ${why}`)
    else result.commands.push({path: v})
  }
  for (const key of p.files.writeFromConfig) {
    const v = value(key)
    const why = '(the plugin may write the file, or under the directory ending in /, set there)'
    if (v === undefined || v === null || v === '') fail(key, `is not set ${why}`)
    else if (typeof v !== 'string') fail(key, `must be a path, not ${typeName(v)} ${why}`)
    else if (v === '/') fail(key, `must not be "/": the plugin would write anywhere`)
    else if (!isCleanAbsolute(v)) fail(key, `must be an absolute, normalised path (no "..", "." or "//"), not ${JSON.stringify(v)} ${why}`)
    else result.files.write.push(v)
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  return normalise(result)
}

function urlGrant(v: unknown, fail: (reason: string) => void): NetworkGrant | undefined {
  if (v === undefined || v === null || v === '') return void fail('is not set')
  if (typeof v !== 'string') return void fail(`must be an http(s) URL, not ${typeName(v)}`)
  let url: URL
  try {
    url = new URL(v)
  } catch {
    return void fail('is not a valid URL')
  }
  const scheme = url.protocol.slice(0, -1)
  if (scheme !== 'http' && scheme !== 'https') return void fail(`must be an http or https URL, not ${JSON.stringify(scheme)}`)
  if (url.username !== '' || url.password !== '') return void fail('must not carry a user name or password in the URL')
  const host = url.hostname.includes('*') ? undefined : normaliseHost(url.hostname)
  if (host === undefined || host.startsWith('*.')) return void fail('does not name a host (a name or an IP address)')
  return {host, ports: [url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port)], schemes: [scheme]}
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a table' : `a ${typeof v}`
}

// ---------------------------------------------------------------------------------------------
// Describing and comparing

/** One line per capability, for the install prompt; a single line when there are none. */
export function describePermissions(p: Permissions): string[] {
  const lines: string[] = []
  for (const g of p.network) {
    const where = g.host.startsWith('*.') ? `any subdomain of ${g.host.slice(2)}` : g.host
    lines.push(`connect to ${where} over ${g.schemes.join(' or ')} (port${g.ports.length > 1 ? 's' : ''} ${g.ports.join(', ')})`)
  }
  for (const k of p.networkFromConfig) lines.push(`connect to the URL set in its configuration's "${k}" (that scheme, host and port)`)
  for (const c of p.commands) {
    if (c.args === undefined) lines.push(`run ${c.path} with any arguments`)
    else if (c.args.length === 0) lines.push(`run ${c.path} without arguments`)
    else lines.push(`run ${c.path} ${c.args.map((a) => (a === ANY_ARGUMENT ? '<any one argument not starting with ->' : JSON.stringify(a))).join(' ')}`)
  }
  for (const k of p.commandsFromConfig) lines.push(`run the program set in its configuration's "${k}" with any arguments`)
  for (const w of p.files.write) lines.push(w.endsWith('/') ? `write files under ${w}` : `write the file ${w}`)
  for (const k of p.files.writeFromConfig) lines.push(`write the file set in its configuration's "${k}" (files under it when it ends in /)`)
  for (const s of p.secrets) lines.push(`read the secret "${s}" from its configuration`)
  return lines.length === 0 ? ['nothing outside its sandbox (it can only compute and log)'] : lines
}

/** What `asked` adds to `granted` (empty lists when `granted` covers it all). */
export function permissionsAdded(granted: Permissions, asked: Permissions): Permissions {
  const added = emptyPermissions()
  for (const a of asked.network) {
    for (const scheme of a.schemes) {
      const ports = a.ports.filter((port) => !granted.network.some((g) => g.schemes.includes(scheme) && g.ports.includes(port) && hostCovers(g.host, a.host)))
      if (ports.length > 0) added.network.push({host: a.host, ports, schemes: [scheme]})
    }
  }
  for (const a of asked.commands) {
    if (!granted.commands.some((g) => g.path === a.path && argsCover(g.args, a.args))) added.commands.push(a)
  }
  for (const w of asked.files.write) {
    if (!granted.files.write.some((g) => g === w || (g.endsWith('/') && w.startsWith(g)))) added.files.write.push(w)
  }
  for (const s of asked.secrets) if (!granted.secrets.includes(s)) added.secrets.push(s)
  // A configuration key is covered only by the same key: no concrete grant covers a value not yet known.
  for (const k of asked.networkFromConfig) if (!granted.networkFromConfig.includes(k)) added.networkFromConfig.push(k)
  for (const k of asked.commandsFromConfig) if (!granted.commandsFromConfig.includes(k)) added.commandsFromConfig.push(k)
  for (const k of asked.files.writeFromConfig) if (!granted.files.writeFromConfig.includes(k)) added.files.writeFromConfig.push(k)
  return added
}

/** Whether everything `asked` wants was already granted (an upgrade asking more must ask again). */
export function permissionsCovered(granted: Permissions, asked: Permissions): boolean {
  return permissionsEmpty(permissionsAdded(granted, asked))
}

function hostCovers(granted: string, asked: string): boolean {
  if (granted === asked) return true
  if (!granted.startsWith('*.')) return false
  const domain = granted.slice(1) // ".example.org"
  return asked.endsWith(domain)
}

function argsCover(granted: string[] | undefined, asked: string[] | undefined): boolean {
  if (granted === undefined) return true
  if (asked === undefined || asked.length !== granted.length) return false
  return granted.every((g, i) => (g === ANY_ARGUMENT ? asked[i] === ANY_ARGUMENT || !asked[i]!.startsWith('-') : g === asked[i]))
}

// ---------------------------------------------------------------------------------------------
// Matching one request (undefined = allowed, else the reason it is not)

/**
 * Whether a request to `url` is granted: scheme, host and port all declared together. Entries
 * naming configuration keys grant nothing here: pass resolvePermissions' result.
 */
export function checkUrl(p: Permissions, url: URL): string | undefined {
  const scheme = url.protocol.slice(0, -1)
  if (scheme !== 'http' && scheme !== 'https') return `scheme "${scheme}" is not http or https`
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  const port = url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port)
  const grants = p.network.filter((g) => hostCovers(g.host, host))
  if (grants.length === 0) return `host ${host} is not declared`
  if (!grants.some((g) => g.schemes.includes(scheme))) return `${scheme} to ${host} is not declared`
  if (!grants.some((g) => g.schemes.includes(scheme) && g.ports.includes(port))) return `port ${port} of ${host} is not declared`
  return undefined
}

/** Whether running `file` with `args` is granted. */
export function checkCommand(p: Permissions, file: string, args: readonly string[]): string | undefined {
  const grants = p.commands.filter((c) => c.path === file)
  if (grants.length === 0) return `command ${file} is not declared`
  for (const g of grants) {
    if (g.args === undefined) return undefined
    if (g.args.length === args.length && g.args.every((a, i) => (a === ANY_ARGUMENT ? !args[i]!.startsWith('-') : a === args[i]))) return undefined
  }
  return `arguments ${JSON.stringify(args)} of ${file} do not match its declaration`
}

/**
 * The grant a write to `file` falls under, checked on the path's text only (files.ts then
 * resolves symbolic links): the directory (ending in `/`) or the file itself.
 */
export function writeGrantFor(p: Permissions, file: string): string | undefined {
  if (!isCleanAbsolute(file) || file.endsWith('/')) return undefined
  if (path.posix.normalize(file) !== file) return undefined
  return p.files.write.find((w) => (w.endsWith('/') ? file.startsWith(w) : file === w))
}

export function checkSecret(p: Permissions, key: string): string | undefined {
  return p.secrets.includes(key) ? undefined : `secret "${key}" is not declared`
}
