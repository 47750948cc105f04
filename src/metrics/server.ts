/**
 * The Prometheus endpoint of `crowd watch` (`[watch] metrics_listen`): GET /metrics answers the
 * text exposition of registry.ts, every other request 404. node:http only, so it runs the same
 * under Deno. Scrapes are cheap (the figures are read once per scrape), so there is no cache.
 */
import {limitServer} from '../platform/http-server.js'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Registry} from 'prom-client'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import type {WatchFigures} from './figures.js'
import {parseListen} from './listen.js'
import {createMetricsRegistry} from './registry.js'

export interface MetricsServerOptions {
  /** HOST:PORT ([IPV6]:PORT); port 0 takes a free one. */
  listen: string
  /** The watch's figures, read at each scrape. */
  figures: () => WatchFigures
  logger: Logger
  /** The cs_info version label (default "unknown"): the watch passes crowd's version. */
  version?: string
  /** Serve this registry instead of a new one over `figures` (to add metrics of one's own). */
  registry?: Registry
}

export interface MetricsServer {
  /** Where it listens, HOST:PORT as bound (the real port when 0 was asked). */
  address: string
  /** The URL to scrape, `http://HOST:PORT/metrics`. */
  url: string
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** Starts the endpoint. A bad address, or one that cannot be bound, is a `config` CrowdError. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const {host, port} = parseListen(options.listen)
  const registry = options.registry ?? createMetricsRegistry(options.figures, {version: options.version})
  const {logger} = options
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '').split('?')[0]
    if ((req.method !== 'GET' && req.method !== 'HEAD') || pathname !== '/metrics') {
      res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'}).end('not found: the metrics are at GET /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, {'Content-Type': registry.contentType}).end(text),
      (error: unknown) => {
        logger.warn(`metrics: scrape failed: ${(error as Error).message}`)
        res.writeHead(500, {'Content-Type': 'text/plain; charset=utf-8'}).end(`metrics unavailable: ${(error as Error).message}\n`)
      },
    )
  })
  // a scrape is one short GET: slow or idle clients are not kept
  limitServer(server, {headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 15_000,
    onBadRequest: (message) => logger.debug(`metrics: bad request: ${message}`)})
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CrowdError('config', `cannot serve metrics on ${options.listen}: ${error.code ?? error.message}`)))
    server.listen(port, host, () => resolve())
  })
  const bound = server.address() as AddressInfo
  const address = `${bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
  logger.info(`metrics: serving http://${address}/metrics`)
  return {
    address,
    url: `http://${address}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Prometheus keeps its connection alive between scrapes: drop it, or close waits for it
        server.closeAllConnections?.()
      }),
  }
}
