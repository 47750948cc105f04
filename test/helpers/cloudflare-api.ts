/**
 * A local stand-in for the parts of Cloudflare's API v4 that crowd/bouncer-cloudflare uses,
 * answering as the API documents it (the `{success, errors, messages, result, result_info}`
 * envelope), on 127.0.0.1 and a port chosen at run time, keeping state so tests assert on it:
 *
 * - every request needs `Authorization: Bearer <token>` (else 403, error 10000 Authentication error);
 * - lists: `GET/POST /accounts/{account}/rules/lists`; items: `GET .../lists/{id}/items` with
 *   cursor pagination (`per_page` capped at `pageSize`, `result_info.cursors.after` until the
 *   last page), `PUT` (replace all), `POST` (append), `DELETE {items: [{id}]}`: each an
 *   asynchronous bulk operation (`{operation_id}`), applied when a poll of
 *   `GET .../lists/bulk_operations/{id}` finds it done (`pendingPolls` answers `pending`, then
 *   `completed`, or `failed` with `failNextOperation`); a write while one is pending is refused
 *   (429) as the API does. IP items as Cloudflare lists take them: IPv4 addresses, IPv4 CIDRs
 *   /8 to /32, IPv6 CIDRs /12 to /64 (an IPv6 address alone is refused, 400);
 * - a zone's custom rules: `GET /zones/{zone}/rulesets/phases/http_request_firewall_custom/entrypoint`
 *   (404 until it exists), `POST /zones/{zone}/rulesets` (create), `POST .../rulesets/{id}/rules`
 *   (add at the end), `PATCH .../rulesets/{id}/rules/{rule}`; an expression naming a list
 *   (`$name`) that does not exist is refused (400).
 *
 * `script` scripts the next answers: `429` (rate limited, Retry-After 0), `503`, or
 * `{status, code, message}` (`success: false`). `requests` records `METHOD path` in order.
 */
import {randomBytes} from 'node:crypto'
import * as http from 'node:http'
import {isIP, type AddressInfo} from 'node:net'

export interface CfItem {
  id: string
  ip: string
  comment?: string
}

export interface CfList {
  id: string
  name: string
  kind: string
  description: string
  items: CfItem[]
}

export interface CfRule {
  id: string
  ref?: string
  action: string
  expression: string
  description?: string
  enabled: boolean
}

export interface CfRuleset {
  id: string
  name: string
  kind: string
  phase: string
  rules: CfRule[]
}

export type CfScripted = '429' | '503' | {status: number; code: number; message: string}

export interface FakeCloudflare {
  readonly url: string
  readonly token: string
  readonly accountId: string
  readonly lists: CfList[]
  /** Zone id -> its custom rules entrypoint (undefined until created). */
  readonly zones: Map<string, CfRuleset | undefined>
  readonly requests: string[]
  readonly script: CfScripted[]
  /** Largest page of items (a larger per_page is cut to it). */
  pageSize: number
  /** How many polls answer `pending` before an operation is done. */
  pendingPolls: number
  /** The next bulk operation fails with this error. */
  failNextOperation: string | undefined
  /** The IPs of list `name`, sorted (undefined when there is no such list). */
  ips(name: string): string[] | undefined
  close(): Promise<void>
}

interface Operation {
  polls: number
  status: 'pending' | 'running' | 'completed' | 'failed'
  error?: string
  apply: () => void
}

const PHASE = 'http_request_firewall_custom'
const id = (): string => randomBytes(16).toString('hex')

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** Whether Cloudflare's IP lists take `ip` as an item. */
function validItem(ip: unknown): boolean {
  if (typeof ip !== 'string') return false
  const [addr, bits, extra] = ip.split('/')
  if (extra !== undefined || addr === undefined) return false
  const family = isIP(addr)
  if (family === 4) return bits === undefined || (/^[0-9]+$/.test(bits) && Number(bits) >= 8 && Number(bits) <= 32)
  if (family === 6) return bits !== undefined && /^[0-9]+$/.test(bits) && Number(bits) >= 12 && Number(bits) <= 64
  return false
}

export async function fakeCloudflare(options: {token: string; accountId: string; zones?: string[]; pageSize?: number}): Promise<FakeCloudflare> {
  const lists: CfList[] = []
  const zones = new Map<string, CfRuleset | undefined>((options.zones ?? []).map((z) => [z, undefined]))
  const operations = new Map<string, Operation>()
  const requests: string[] = []
  const script: CfScripted[] = []

  const state = {
    pageSize: options.pageSize ?? 3,
    pendingPolls: 1,
    failNextOperation: undefined as string | undefined,
  }

  const pending = (): boolean => [...operations.values()].some((op) => op.status === 'pending' || op.status === 'running')

  function startOperation(apply: () => void): {operation_id: string} {
    if (pending()) throw new ApiError(429, 10000, 'an outstanding bulk operation is in progress; submit your request again later')
    const opId = id()
    const op: Operation = {polls: 0, status: 'pending', apply}
    if (state.failNextOperation !== undefined) {
      op.error = state.failNextOperation
      state.failNextOperation = undefined
    }
    operations.set(opId, op)
    return {operation_id: opId}
  }

  function pollOperation(opId: string): unknown {
    const op = operations.get(opId)
    if (op === undefined) throw new ApiError(404, 10000, 'operation not found')
    if (op.status === 'pending' || op.status === 'running') {
      op.polls++
      if (op.polls > state.pendingPolls) {
        if (op.error !== undefined) op.status = 'failed'
        else {
          op.apply()
          op.status = 'completed'
        }
      } else op.status = op.polls === 1 ? 'pending' : 'running'
    }
    return {id: opId, status: op.status, ...(op.status === 'failed' ? {error: op.error} : {}), ...(op.status === 'completed' ? {completed: new Date().toISOString()} : {})}
  }

  function list(listId: string): CfList {
    const found = lists.find((l) => l.id === listId)
    if (found === undefined) throw new ApiError(404, 10000, 'list not found')
    return found
  }

  function itemsOf(body: unknown): CfItem[] {
    if (!Array.isArray(body)) throw new ApiError(400, 10021, 'the body must be an array of items')
    return body.map((raw: {ip?: unknown; comment?: unknown}) => {
      if (!validItem(raw.ip)) throw new ApiError(400, 10021, `invalid ip "${String(raw.ip)}"`)
      const item: CfItem = {id: id(), ip: String(raw.ip).toLowerCase()}
      if (typeof raw.comment === 'string') item.comment = raw.comment
      return item
    })
  }

  function checkRule(raw: unknown): CfRule {
    const r = raw as Partial<CfRule>
    if (typeof r.action !== 'string' || typeof r.expression !== 'string') throw new ApiError(400, 20021, 'a rule needs an action and an expression')
    for (const m of r.expression.matchAll(/\$([a-z0-9_]+)/g)) {
      if (!lists.some((l) => l.name === m[1])) throw new ApiError(400, 20021, `filter parsing error: list '${m[1]}' not found`)
    }
    const rule: CfRule = {id: id(), action: r.action, expression: r.expression, enabled: r.enabled !== false}
    if (r.ref !== undefined) rule.ref = r.ref
    if (r.description !== undefined) rule.description = r.description
    return rule
  }

  function zone(zoneId: string): string {
    if (!zones.has(zoneId)) throw new ApiError(404, 7003, 'Could not route to /zones/' + zoneId + ', perhaps your object identifier is invalid?')
    return zoneId
  }

  function route(method: string, url: URL, body: unknown): {result: unknown; result_info?: unknown} {
    const p = url.pathname.replace(/^\/client\/v4/, '')
    let m: RegExpExecArray | null
    const account = `/accounts/${options.accountId}`
    if (p.startsWith('/accounts/') && !p.startsWith(account + '/')) throw new ApiError(403, 10000, 'Authentication error')
    if (p === `${account}/rules/lists`) {
      if (method === 'GET') return {result: lists.map((l) => ({id: l.id, name: l.name, kind: l.kind, description: l.description, num_items: l.items.length}))}
      if (method === 'POST') {
        const b = body as {name?: unknown; kind?: unknown; description?: unknown}
        if (typeof b.name !== 'string' || !/^[a-z0-9_]{1,50}$/.test(b.name)) throw new ApiError(400, 10021, 'invalid list name')
        if (lists.some((l) => l.name === b.name)) throw new ApiError(400, 10021, 'a list with this name already exists')
        const created: CfList = {id: id(), name: b.name, kind: String(b.kind), description: String(b.description ?? ''), items: []}
        lists.push(created)
        return {result: {id: created.id, name: created.name, kind: created.kind, description: created.description, num_items: 0}}
      }
    }
    if ((m = new RegExp(`^${account}/rules/lists/bulk_operations/([0-9a-f]+)$`).exec(p)) !== null && method === 'GET') return {result: pollOperation(m[1]!)}
    if ((m = new RegExp(`^${account}/rules/lists/([0-9a-f]+)/items$`).exec(p)) !== null) {
      const l = list(m[1]!)
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 25) || 25, state.pageSize)
        const cursor = url.searchParams.get('cursor')
        const start = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^offset:/, ''))
        const page = l.items.slice(start, start + perPage)
        const cursors: Record<string, string> = {}
        if (start + perPage < l.items.length) cursors.after = Buffer.from(`offset:${start + perPage}`).toString('base64url')
        if (start > 0) cursors.before = Buffer.from(`offset:${Math.max(0, start - perPage)}`).toString('base64url')
        return {result: page, result_info: {cursors}}
      }
      if (method === 'PUT') {
        const items = itemsOf(body)
        return {result: startOperation(() => void l.items.splice(0, l.items.length, ...items))}
      }
      if (method === 'POST') {
        const items = itemsOf(body)
        return {result: startOperation(() => void l.items.push(...items))}
      }
      if (method === 'DELETE') {
        const ids = new Set(((body as {items?: Array<{id?: string}>}).items ?? []).map((i) => i.id))
        return {result: startOperation(() => void l.items.splice(0, l.items.length, ...l.items.filter((i) => !ids.has(i.id))))}
      }
    }
    if ((m = new RegExp(`^/zones/([0-9a-f]+)/rulesets/phases/${PHASE}/entrypoint$`).exec(p)) !== null && method === 'GET') {
      const rs = zones.get(zone(m[1]!))
      if (rs === undefined) throw new ApiError(404, 10003, `could not find entrypoint ruleset in the ${PHASE} phase`)
      return {result: rs}
    }
    if ((m = /^\/zones\/([0-9a-f]+)\/rulesets$/.exec(p)) !== null && method === 'POST') {
      const z = zone(m[1]!)
      const b = body as {name?: string; kind?: string; phase?: string; rules?: unknown[]}
      if (b.kind !== 'zone' || b.phase !== PHASE) throw new ApiError(400, 20021, 'unsupported kind or phase')
      if (zones.get(z) !== undefined) throw new ApiError(400, 20217, `'zone' is not a valid value for kind because exceeded maximum number of zone rulesets for phase ${PHASE}`)
      const rs: CfRuleset = {id: id(), name: String(b.name), kind: 'zone', phase: PHASE, rules: (b.rules ?? []).map(checkRule)}
      zones.set(z, rs)
      return {result: rs}
    }
    if ((m = /^\/zones\/([0-9a-f]+)\/rulesets\/([0-9a-f]+)\/rules(?:\/([0-9a-f]+))?$/.exec(p)) !== null) {
      const rs = zones.get(zone(m[1]!))
      if (rs === undefined || rs.id !== m[2]) throw new ApiError(404, 10003, 'ruleset not found')
      if (method === 'POST' && m[3] === undefined) {
        rs.rules.push(checkRule(body))
        return {result: rs}
      }
      if (method === 'PATCH' && m[3] !== undefined) {
        const at = rs.rules.findIndex((r) => r.id === m![3])
        if (at < 0) throw new ApiError(404, 10003, 'rule not found')
        rs.rules[at] = {...checkRule(body), id: m[3]}
        return {result: rs}
      }
    }
    throw new ApiError(404, 7000, 'No route for that URI')
  }

  const send = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void =>
    void res.writeHead(status, {'content-type': 'application/json', ...headers}).end(JSON.stringify(value))
  const failure = (code: number, message: string) => ({success: false, errors: [{code, message}], messages: [], result: null})

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      requests.push(`${req.method} ${url.pathname}${url.search}`)
      const next = script.shift()
      if (next === '429') return send(res, 429, failure(971, 'Please wait and consider throttling your request speed'), {'retry-after': '0'})
      if (next === '503') return send(res, 503, failure(10013, 'Service unavailable'), {'retry-after': '0'})
      if (next !== undefined) return send(res, next.status, failure(next.code, next.message))
      if (req.headers.authorization !== `Bearer ${options.token}`) return send(res, 403, failure(10000, 'Authentication error'))
      let body: unknown
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        body = text === '' ? undefined : JSON.parse(text)
      } catch {
        return send(res, 400, failure(6007, 'Malformed JSON in request body'))
      }
      try {
        const out = route(req.method ?? 'GET', url, body)
        send(res, 200, {success: true, errors: [], messages: [], ...out})
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        send(res, error.status, failure(error.code, error.message))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    token: options.token,
    accountId: options.accountId,
    lists,
    zones,
    requests,
    script,
    get pageSize() {
      return state.pageSize
    },
    set pageSize(n: number) {
      state.pageSize = n
    },
    get pendingPolls() {
      return state.pendingPolls
    },
    set pendingPolls(n: number) {
      state.pendingPolls = n
    },
    get failNextOperation() {
      return state.failNextOperation
    },
    set failNextOperation(e: string | undefined) {
      state.failNextOperation = e
    },
    ips: (name) => lists.find((l) => l.name === name)?.items.map((i) => i.ip).sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
