/**
 * Local stand-ins for the services notification plugins deliver to, each answering as the real
 * service documents it, on 127.0.0.1 and a port chosen at run time:
 *
 * - Slack incoming webhook: 200 `ok`; 400 `invalid_payload` (a body that is not a message);
 *   429 `rate_limited` with `Retry-After`; 404 `no_service` (wrong path).
 * - Splunk HTTP Event Collector: 200 {"text":"Success","code":0}; 401 token required;
 *   403 {"text":"Invalid token","code":4}; 503 {"text":"Server is busy","code":9}.
 * - Elasticsearch `_bulk`: 200 {"took","errors","items"} with per-item results (an item can be
 *   refused with its own status: 429, 400 mapping error); 429 for the whole request.
 *
 * A test scripts what comes next (`answers`: the next requests get these, then the normal
 * answer) and reads what arrived byte for byte (`requests`). Every receiver is closed by the test.
 */
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface ReceivedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface Receiver {
  readonly url: string
  readonly requests: ReceivedRequest[]
  /** Answers for the next requests, in order (then the service's normal behaviour). */
  readonly answers: string[]
  close(): Promise<void>
}

type Handler = (req: ReceivedRequest, scripted: string | undefined, res: http.ServerResponse) => void

async function startReceiver(handler: Handler): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const answers: string[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const got = {method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8')}
      requests.push(got)
      const scripted = answers.shift()
      if (scripted === 'hang') return // never answers: the caller's timeout must end it
      handler(got, scripted, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void =>
  void res.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers}).end(JSON.stringify(value))
const text = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void =>
  void res.writeHead(status, {'content-type': 'text/plain; charset=utf-8', ...headers}).end(body)

/** Slack: webhooks under /services/...; scripted answers `429`, `400`, `500`. */
export function slackReceiver(): Promise<Receiver> {
  return startReceiver((req, scripted, res) => {
    if (scripted === '429') return text(res, 429, 'rate_limited', {'retry-after': '1'})
    if (scripted === '500') return text(res, 500, 'internal_error')
    if (req.method !== 'POST' || !req.path.startsWith('/services/')) return text(res, 404, 'no_service')
    let message: unknown
    try {
      message = JSON.parse(req.body)
    } catch {
      message = undefined
    }
    const m = message as {text?: unknown} | undefined
    if (scripted === '400' || typeof m !== 'object' || m === null || typeof m.text !== 'string' || m.text === '') return text(res, 400, 'invalid_payload')
    text(res, 200, 'ok')
  })
}

/** Splunk HEC at /services/collector, token `Splunk <token>`; scripted answers `503`, `403`. */
export function splunkReceiver(token: string): Promise<Receiver> {
  return startReceiver((req, scripted, res) => {
    if (scripted === '503') return json(res, 503, {text: 'Server is busy', code: 9})
    if (!req.path.startsWith('/services/collector')) return json(res, 404, {text: 'The requested URL was not found on this server.', code: 404})
    const auth = req.headers.authorization
    if (auth === undefined) return json(res, 401, {text: 'Token is required', code: 2})
    if (scripted === '403' || auth !== `Splunk ${token}`) return json(res, 403, {text: 'Invalid token', code: 4})
    try {
      const event = (JSON.parse(req.body) as {event?: unknown}).event
      if (event === undefined || event === '') return json(res, 400, {text: 'Event field is required', code: 12})
    } catch {
      return json(res, 400, {text: 'Invalid data format', code: 6})
    }
    json(res, 200, {text: 'Success', code: 0})
  })
}

/**
 * Elasticsearch `_bulk` (index actions); `documents` keeps what was indexed, by index then _id.
 * Scripted answers: `429` (the whole request), `item-429` (the first item refused, 429),
 * `item-400` (the first item refused, a mapping error).
 */
export async function elasticsearchReceiver(): Promise<Receiver & {documents: Map<string, Map<string, unknown>>}> {
  const documents = new Map<string, Map<string, unknown>>()
  let auto = 0
  const receiver = await startReceiver((req, scripted, res) => {
    if (scripted === '429') return json(res, 429, {error: {type: 'es_rejected_execution_exception', reason: 'rejected execution'}, status: 429})
    if (req.method !== 'POST' || !/^\/(?:[^/]+\/)?_bulk(?:\?|$)/.test(req.path)) return json(res, 405, {error: 'Incorrect HTTP method', status: 405})
    const lines = req.body.split('\n')
    if (lines[lines.length - 1] !== '') return json(res, 400, {error: {type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]'}, status: 400})
    const items: unknown[] = []
    let errors = false
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const action = (JSON.parse(lines[i]!) as {index: {_index: string; _id?: string}}).index
      const doc = JSON.parse(lines[i + 1]!) as unknown
      const id = action._id ?? `auto-${++auto}`
      const refuse = i === 0 ? scripted : undefined
      if (refuse === 'item-429') {
        errors = true
        items.push({index: {_index: action._index, _id: id, status: 429, error: {type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation'}}})
        continue
      }
      if (refuse === 'item-400') {
        errors = true
        items.push({index: {_index: action._index, _id: id, status: 400, error: {type: 'mapper_parsing_exception', reason: 'failed to parse field [events_count]'}}})
        continue
      }
      let index = documents.get(action._index)
      if (index === undefined) documents.set(action._index, (index = new Map()))
      const created = !index.has(id)
      index.set(id, doc)
      items.push({index: {_index: action._index, _id: id, _version: 1, result: created ? 'created' : 'updated', status: created ? 201 : 200}})
    }
    json(res, 200, {took: 3, errors, items})
  })
  return Object.assign(receiver, {documents})
}

/** Any HTTP endpoint: 200 `{"ok":true}` to every method and path, except 404 under /missing; scripted answers are status codes. */
export function httpReceiver(): Promise<Receiver> {
  return startReceiver((req, scripted, res) => {
    if (scripted !== undefined) return text(res, Number(scripted), `status ${scripted}`)
    if (req.path.startsWith('/missing')) return text(res, 404, 'not found')
    json(res, 200, {ok: true})
  })
}
