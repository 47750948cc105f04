/**
 * The HTTP requests plugins make, performed by the host (node:http and node:https, which Deno
 * provides too): each URL is checked against the plugin's grants before anything connects,
 * the first one and every redirect hop alike (redirects are followed here, by hand, never by
 * a library), with one deadline for the whole exchange and a cap on the response body.
 *
 * - Redirects: 301/302/303/307/308 with a Location, at most `maxRedirects` hops (0: the 3xx is
 *   returned). 303, and 301/302 after a POST, continue as a GET without a body. Credentials
 *   (authorization, cookie headers) are dropped when the origin changes.
 * - No connection reuse (each request has its own TLS options), no proxy, no decompression
 *   (`accept-encoding: identity`): the body is returned as UTF-8 text.
 * - TLS: `ca` (PEM) replaces the default roots for that request; `insecureSkipVerify` turns
 *   certificate checks off (what elasticsearch-style plugins call it).
 */
import * as http from 'node:http'
import * as https from 'node:https'

export interface HttpRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  maxRedirects: number
  ca?: string
  insecureSkipVerify: boolean
}

export interface HttpResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The URL that answered (after redirects). */
  url: string
  redirects: number
}

/** A URL the grants do not allow (nothing was sent to it). */
export class HttpRefused extends Error {}
/** A response body over the cap (the connection was closed). */
export class HttpTooLarge extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization']

/**
 * Performs `req`, checking each URL with `check` (undefined = allowed, else the reason);
 * rejects with HttpRefused, HttpTooLarge, or an Error (network, timeout, abort).
 */
export async function performHttp(req: HttpRequest, check: (url: URL) => string | undefined, maxResponseBytes: number, signal: AbortSignal): Promise<HttpResponse> {
  let url: URL
  try {
    url = new URL(req.url)
  } catch {
    throw new Error(`${JSON.stringify(req.url)} is not a URL`)
  }
  const abort = new AbortController()
  const onAbort = (): void => abort.abort(new Error('the call ended'))
  if (signal.aborted) onAbort()
  signal.addEventListener('abort', onAbort, {once: true})
  const timer = setTimeout(() => abort.abort(new Error(`timed out after ${req.timeoutMs} ms`)), req.timeoutMs)
  let method = req.method
  let body = req.body
  const headers = {...req.headers}
  try {
    for (let hop = 0; ; hop++) {
      const refused = check(url)
      if (refused !== undefined) throw new HttpRefused(hop === 0 ? refused : `redirect to ${url.href}: ${refused}`)
      const res = await exchange(url, method, headers, body, req, abort.signal)
      const location = res.headers.location
      if (REDIRECTS.has(res.statusCode ?? 0) && location !== undefined && hop < req.maxRedirects) {
        res.destroy()
        let next: URL
        try {
          next = new URL(location, url)
        } catch {
          throw new Error(`redirect to ${JSON.stringify(location)}, which is not a URL`)
        }
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET'
          body = undefined
          for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name]
        }
        if (next.origin !== url.origin) {
          for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) delete headers[name]
        }
        url = next
        continue
      }
      const text = await readBody(res, maxResponseBytes, abort.signal)
      return {status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: text, url: url.href, redirects: hop}
    }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * The wait a `Retry-After` value asks for, in milliseconds: delta-seconds or an HTTP date
 * (against `now`, ms since the epoch); 1 s when absent or unreadable, 0 for a date past.
 */
export function retryAfterMs(value: string | undefined, now: number): number {
  const text = (value ?? '').trim()
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000
  if (/[a-z]/i.test(text)) {
    const date = Date.parse(text)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  return 1000
}

function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, tls: HttpRequest, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const allHeaders: Record<string, string> = {...headers, 'accept-encoding': 'identity'}
    if (body !== undefined) allHeaders['content-length'] = String(Buffer.byteLength(body))
    const options: https.RequestOptions = {method, headers: allHeaders, agent: false, signal}
    if (url.protocol === 'https:') {
      if (tls.ca !== undefined) options.ca = tls.ca
      options.rejectUnauthorized = !tls.insecureSkipVerify
    }
    const request = (url.protocol === 'https:' ? https : http).request(url, options, resolve)
    request.on('error', (error) => reject(signal.aborted ? signal.reason : error))
    request.end(body)
  })
}

function readBody(res: http.IncomingMessage, max: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (error: Error | undefined): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if (error === undefined) return resolve(Buffer.concat(chunks).toString('utf8'))
      reject(signal.aborted ? (signal.reason as Error) : error)
      res.destroy()
    }
    const onAbort = (): void => settle(signal.reason as Error)
    signal.addEventListener('abort', onAbort, {once: true})
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > max) settle(new HttpTooLarge(`the response is larger than ${max} bytes`))
      else chunks.push(chunk)
    })
    res.on('end', () => settle(undefined))
    res.on('error', (error) => settle(error))
    res.on('aborted', () => settle(new Error('the connection was closed during the response')))
  })
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}
