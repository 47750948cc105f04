/**
 * Where `crowd metrics` finds its figures, in order: a URL given, a file given, the endpoint of
 * the configured watch (`[watch] metrics_listen`), the figures the last `crowd watch --once` saved.
 * Exit codes follow from the errors: nothing anywhere is `not-found` (5), an endpoint that cannot
 * be reached or answers an error is a failed service (`lapi`, 4: the code of a service crowd talks
 * to), text or a file that does not hold metrics is `input` (3), a bad URL is `usage` (2).
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import {CrowdError} from '../model/errors.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {figuresOfText} from './exposition.js'
import {MAX_FIGURES_BYTES, readSavedFigures, type WatchFigures} from './figures.js'
import {metricsUrlOfListen} from './listen.js'

export interface FiguresWhere {
  /** A Prometheus endpoint (crowd's or a CrowdSec agent's); a bare `http://host:port` means `/metrics`. */
  url?: string
  /** A saved figures file (WatchFigures JSON). */
  fromFile?: string
  /** The configured `[watch] metrics_listen` (HOST:PORT). */
  listen?: string
  /** The saved figures of the last `--once` run: read when nothing above is given, or when `listen` does not answer. */
  savedFile?: string
  logger?: Logger
  /** Per request (default 10 s). */
  timeoutMs?: number
}

export interface LoadedFigures {
  figures: WatchFigures
  /** The URL or the file they came from. */
  from: string
}

export async function loadFigures(where: FiguresWhere): Promise<LoadedFigures> {
  const logger = where.logger ?? silentLogger
  const fromUrl = async (url: string): Promise<LoadedFigures> => {
    const target = metricsUrl(url)
    const text = await fetchExposition(target, {timeoutMs: where.timeoutMs})
    return {figures: figuresOfText(text, {source: target}), from: target}
  }
  if (where.url !== undefined) return fromUrl(where.url)
  if (where.fromFile !== undefined) return {figures: readSavedFigures(where.fromFile), from: where.fromFile}
  if (where.listen !== undefined) {
    try {
      return await fromUrl(metricsUrlOfListen(where.listen))
    } catch (error) {
      // A watch that is not running: the last --once run's figures, if any, are what there is.
      if (!(error instanceof UnreachableError) || where.savedFile === undefined || !exists(where.savedFile)) throw error
      logger.warn(`${error.reason}; showing the figures saved by the last run instead (${where.savedFile})`)
    }
  }
  if (where.savedFile !== undefined) {
    if (!exists(where.savedFile)) {
      throw new CrowdError('not-found', 'no metrics: no crowd watch endpoint to read ([watch] metrics_listen, --url) and no saved figures (crowd watch --once saves them)', {file: where.savedFile})
    }
    return {figures: readSavedFigures(where.savedFile), from: where.savedFile}
  }
  throw new CrowdError('not-found', 'no metrics: give --url or --from-file')
}

/** The URL scraped for `url`: `/metrics` when it names no path (as `cscli metrics --url` appends it). */
export function metricsUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CrowdError('usage', `not a URL: "${url}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CrowdError('usage', `the metrics URL must be http(s), not "${url}"`)
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/metrics'
  return parsed.toString()
}

/**
 * The endpoint could not be reached (refused, unknown host, timeout): a service failure, which
 * the configured endpoint may fall back from. An HTTP error status is a failure too, but not this one.
 */
class UnreachableError extends CrowdError {}

/**
 * GETs `url` and returns its body as text; at most `maxBytes` (default MAX_FIGURES_BYTES) are read,
 * a longer answer is refused (`input`), and the whole exchange gets `timeoutMs` (default 10 s).
 */
export function fetchExposition(url: string, options: {timeoutMs?: number; maxBytes?: number} = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBytes = options.maxBytes ?? MAX_FIGURES_BYTES
  const get = url.startsWith('https:') ? https.get : http.get
  return new Promise<string>((resolve, reject) => {
    let settled = false
    const settle = (error: Error | undefined, text?: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error !== undefined) {
        req.destroy()
        reject(error)
      } else resolve(text!)
    }
    const timer = setTimeout(() => settle(new UnreachableError('lapi', `the metrics endpoint ${url} did not answer within ${timeoutMs} ms`)), timeoutMs)
    const req = get(url, {headers: {Accept: 'text/plain; version=0.0.4', 'User-Agent': 'crowd-metrics'}}, (res) => {
      const status = res.statusCode ?? 0
      if (status !== 200) {
        res.resume()
        settle(new CrowdError('lapi', `the metrics endpoint ${url} answered ${status} ${res.statusMessage ?? ''}`.trim()))
        return
      }
      const tooBig = (): void => settle(new CrowdError('input', `the metrics at ${url} are larger than ${maxBytes} bytes`))
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) return tooBig()
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) tooBig()
        else chunks.push(chunk)
      })
      res.on('end', () => settle(undefined, Buffer.concat(chunks).toString('utf8')))
      res.on('error', (error) => settle(new UnreachableError('lapi', `reading the metrics endpoint ${url} failed: ${error.message}`)))
      res.on('close', () => settle(new UnreachableError('lapi', `the metrics endpoint ${url} closed the connection before the end`)))
    })
    req.on('error', (error: NodeJS.ErrnoException) => settle(new UnreachableError('lapi', `cannot reach the metrics endpoint ${url}: ${error.code ?? error.message}`)))
  })
}

/** The `[watch] metrics_listen` of a loaded Config, read without depending on its type (the key may be absent). */
export function configuredMetricsListen(config: unknown): string | undefined {
  const watch = (config as {watch?: unknown} | null)?.watch
  if (watch === null || typeof watch !== 'object') return undefined
  const w = watch as {metricsListen?: unknown; metrics_listen?: unknown}
  const listen = w.metricsListen ?? w.metrics_listen
  return typeof listen === 'string' && listen !== '' ? listen : undefined
}

function exists(file: string): boolean {
  return fs.existsSync(file)
}
