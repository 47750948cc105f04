/** `HOST:PORT` listen addresses (`[watch] metrics_listen`): what the server binds, what a client dials. */
import {CrowdError} from '../model/errors.js'

export interface ListenAddress {
  /** The host without brackets: `127.0.0.1`, `::1`, `localhost`, `0.0.0.0`. */
  host: string
  /** 0 lets the system choose (tests). */
  port: number
}

/** Parses `HOST:PORT` or `[IPV6]:PORT`; anything else is a `config` CrowdError naming `what`. */
export function parseListen(listen: string, what = 'metrics_listen'): ListenAddress {
  const bad = (): never => {
    throw new CrowdError('config', `${what} must be HOST:PORT, not "${listen}"`)
  }
  const colon = listen.lastIndexOf(':')
  if (colon <= 0) bad()
  let host = listen.slice(0, colon)
  const portText = listen.slice(colon + 1)
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || host.length < 3) bad()
    host = host.slice(1, -1)
  } else if (host.includes(':') || host.includes('[') || host.includes(']')) {
    bad() // an IPv6 address must be bracketed
  }
  if (host.trim() !== host || host.includes('/') || portText.length === 0 || portText.length > 5) bad()
  for (const ch of portText) if (ch < '0' || ch > '9') bad()
  const port = Number(portText)
  if (port > 65535) bad()
  return {host, port}
}

/**
 * The URL a client on this machine scrapes a server listening on `listen`: a wildcard address
 * (0.0.0.0, ::) is reached through loopback.
 */
export function metricsUrlOfListen(listen: string): string {
  const {host, port} = parseListen(listen)
  const dial = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${dial.includes(':') ? `[${dial}]` : dial}:${port}/metrics`
}
