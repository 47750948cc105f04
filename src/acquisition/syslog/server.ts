/**
 * The syslog server: UDP (one message per datagram) and TCP (RFC 6587 octet counting or
 * LF-terminated frames, see framing.ts), on node:dgram and node:net so it runs on Node and Deno.
 *
 * Nothing a sender does makes it throw or grow without bound:
 * - a datagram or frame longer than `maxMessageLen` (default 2048, CrowdSec's) is cut to it,
 *   parsed, delivered and counted in `oversized`; a TCP frame's excess is consumed unbuffered;
 * - an octet count that is not numeric or is absurd closes that connection (counted);
 * - each sender (by IP address) has a token bucket (`perSenderRate` messages/s); messages over
 *   it are dropped before parsing and counted in `droppedByRate` (not reported one by one);
 * - at most `maxConnections` TCP connections are open; more are closed at once and counted;
 *   a connection idle for `idleTimeoutMs` is closed;
 * - a message that is not syslog is counted by reason and reported to `onError`;
 * - an exception thrown by `onMessage` / `onError` is caught and counted in `callbackErrors`.
 */
import * as dgram from 'node:dgram'
import * as net from 'node:net'
import {CrowdError} from '../../model/errors.js'
import {TcpFramer, utf8Boundary, type FramingError} from './framing.js'
import {parseSyslogMessage, type SyslogMessage, type SyslogParseErrorReason} from './message.js'
import {RateLimiter} from './rate.js'

export type SyslogProtocol = 'udp' | 'tcp'

export const DEFAULT_MAX_MESSAGE_LEN = 2048
export const DEFAULT_MAX_CONNECTIONS = 256
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000

/** Everything the server reports to onError (rate-limit drops are only counted). */
export type SyslogErrorReason = SyslogParseErrorReason | FramingError | 'too-many-connections' | 'socket-error'

export interface SyslogSender {
  protocol: SyslogProtocol
  /** The peer IP address (CrowdSec `Line.Src`). */
  address: string
  port: number
}

export interface SyslogFrameInfo {
  /** The message was longer than maxMessageLen and was cut to it. */
  truncated: boolean
  framing: 'datagram' | 'octet-counting' | 'non-transparent'
}

export interface SyslogServerOptions {
  /** Listen address (default 127.0.0.1, as CrowdSec's `listen_addr`). */
  host?: string
  /** Listen port (default 514); 0 picks a free port, the same one for UDP and TCP when both are on. */
  port?: number
  /** Default ['udp'] (CrowdSec's syslog datasource listens on UDP only). */
  protocols?: readonly SyslogProtocol[]
  /** Bytes kept of one message (default 2048). */
  maxMessageLen?: number
  /** TCP: an octet count above this closes the connection (default max(1 MiB, maxMessageLen)). */
  maxFrameLen?: number
  /** Messages per second per sender IP (token bucket); undefined = no limit. */
  perSenderRate?: number
  /** Token bucket size (default perSenderRate). */
  perSenderBurst?: number
  /** Senders whose buckets are kept (default 10000). */
  maxSenders?: number
  /** Open TCP connections (default 256). */
  maxConnections?: number
  /** Close a TCP connection idle this long (default 5 min; 0 = never). */
  idleTimeoutMs?: number
  onMessage(msg: SyslogMessage, sender: SyslogSender, frame: SyslogFrameInfo): void
  onError?(reason: SyslogErrorReason, sender: SyslogSender, detail: string): void
  /** Clock for RFC 3164 years and messages without a timestamp (tests). */
  now?: () => Date
  /** Milliseconds clock for the rate limiter (tests). */
  clock?: () => number
}

export interface SyslogServerMetrics {
  /** Datagrams and TCP frames received (before rate limiting). */
  received: number
  /** Messages parsed and handed to onMessage. */
  parsed: number
  byFormat: {rfc5424: number; rfc3164: number}
  /** Errors by reason (parse errors, framing errors, refused connections, socket errors). */
  errors: Partial<Record<SyslogErrorReason, number>>
  /** Messages dropped because their sender was over perSenderRate. */
  droppedByRate: number
  /** Messages longer than maxMessageLen, cut to it (still parsed and delivered). */
  oversized: number
  /** Bytes received (datagrams and TCP streams). */
  bytes: number
  connections: {accepted: number; rejected: number; active: number; timedOut: number}
  /** Exceptions thrown by onMessage / onError. */
  callbackErrors: number
}

export interface SyslogServerAddress {
  protocol: SyslogProtocol
  address: string
  port: number
}

export interface SyslogServer {
  readonly addresses: readonly SyslogServerAddress[]
  /** A snapshot of the counters. */
  metrics(): SyslogServerMetrics
  /** Stops listening and closes every connection. */
  close(): Promise<void>
}

/** Starts listening; rejects with a CrowdError (code 'input') when an address cannot be bound. */
export async function startSyslogServer(options: SyslogServerOptions): Promise<SyslogServer> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 514
  const protocols = [...new Set(options.protocols ?? ['udp'])]
  const maxMessageLen = options.maxMessageLen ?? DEFAULT_MAX_MESSAGE_LEN
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CrowdError('config', `invalid syslog port ${port}`)
  if (!Number.isInteger(maxMessageLen) || maxMessageLen < 1) throw new CrowdError('config', `invalid max_message_len ${maxMessageLen}`)
  if (protocols.length === 0 || protocols.some((p) => p !== 'udp' && p !== 'tcp')) throw new CrowdError('config', `syslog protocols must be udp and/or tcp, got ${protocols.join(',')}`)
  if (net.isIP(host) === 0) throw new CrowdError('config', `invalid syslog listen address ${host}`)

  const metrics: SyslogServerMetrics = {
    received: 0, parsed: 0, byFormat: {rfc5424: 0, rfc3164: 0}, errors: {}, droppedByRate: 0, oversized: 0, bytes: 0,
    connections: {accepted: 0, rejected: 0, active: 0, timedOut: 0}, callbackErrors: 0,
  }
  const limiter = options.perSenderRate === undefined ? undefined
    : new RateLimiter({rate: options.perSenderRate, burst: options.perSenderBurst, maxSenders: options.maxSenders, now: options.clock})
  const parseOptions = {now: options.now}

  const error = (reason: SyslogErrorReason, sender: SyslogSender, detail: string): void => {
    metrics.errors[reason] = (metrics.errors[reason] ?? 0) + 1
    if (options.onError === undefined) return
    try {
      options.onError(reason, sender, detail)
    } catch {
      metrics.callbackErrors++
    }
  }

  const handle = (bytes: Uint8Array, sender: SyslogSender, frame: SyslogFrameInfo): void => {
    metrics.received++
    if (frame.truncated) metrics.oversized++
    if (limiter !== undefined && !limiter.take(sender.address)) {
      metrics.droppedByRate++
      return
    }
    const result = parseSyslogMessage(bytes, parseOptions)
    if (!result.ok) {
      error(result.reason, sender, result.detail)
      return
    }
    metrics.parsed++
    metrics.byFormat[result.format]++
    try {
      options.onMessage(result, sender, frame)
    } catch {
      metrics.callbackErrors++
    }
  }

  const sockets = new Set<net.Socket>()

  const onConnection = (socket: net.Socket): void => {
    const sender: SyslogSender = {protocol: 'tcp', address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0}
    socket.on('error', () => {}) // reported by 'close'; a reset peer is not an error of ours
    if (sockets.size >= maxConnections) {
      metrics.connections.rejected++
      error('too-many-connections', sender, `more than ${maxConnections} open connections`)
      socket.destroy()
      return
    }
    metrics.connections.accepted++
    sockets.add(socket)
    metrics.connections.active = sockets.size
    const framer = new TcpFramer({maxMessageLen, maxFrameLen: options.maxFrameLen})
    const onFrame = (f: {bytes: Uint8Array; truncated: boolean; framing: 'octet-counting' | 'non-transparent'}): void =>
      handle(f.bytes, sender, {truncated: f.truncated, framing: f.framing})
    if (idleTimeoutMs > 0) {
      socket.setTimeout(idleTimeoutMs, () => {
        metrics.connections.timedOut++
        socket.destroy()
      })
    }
    socket.on('data', (chunk: Buffer) => {
      metrics.bytes += chunk.length
      const failed = framer.push(chunk, onFrame)
      if (failed !== undefined) {
        error(failed, sender, failed === 'absurd-octet-count' ? 'octet count over the frame limit; connection closed' : 'octet count is not a number followed by a space; connection closed')
        socket.destroy()
      }
    })
    socket.on('end', () => {
      const failed = framer.end(onFrame)
      if (failed !== undefined) error(failed, sender, 'connection closed inside an octet-counted frame')
      socket.end()
    })
    socket.on('close', () => {
      sockets.delete(socket)
      metrics.connections.active = sockets.size
    })
  }

  const onDatagram = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    metrics.bytes += msg.length
    const truncated = msg.length > maxMessageLen
    const bytes = truncated ? msg.subarray(0, utf8Boundary(msg, maxMessageLen)) : msg
    handle(bytes, {protocol: 'udp', address: rinfo.address, port: rinfo.port}, {truncated, framing: 'datagram'})
  }

  let tcp: net.Server | undefined
  let udp: dgram.Socket | undefined
  const addresses: SyslogServerAddress[] = []
  // With port 0 and both protocols, UDP is bound to the port TCP got (a few tries).
  for (let attempt = 0; ; attempt++) {
    addresses.length = 0
    try {
      let bound = port
      if (protocols.includes('tcp')) {
        tcp = net.createServer(onConnection)
        const a = await listenTcp(tcp, host, bound)
        addresses.push({protocol: 'tcp', ...a})
        bound = a.port
      }
      if (protocols.includes('udp')) {
        udp = dgram.createSocket({type: net.isIPv6(host) ? 'udp6' : 'udp4'})
        const a = await bindUdp(udp, host, bound)
        addresses.push({protocol: 'udp', ...a})
        udp.on('message', onDatagram)
        udp.on('error', (e) => error('socket-error', {protocol: 'udp', address: host, port: a.port}, String(e)))
      }
      break
    } catch (e) {
      await closeAll(tcp, udp, sockets)
      tcp = undefined
      udp = undefined
      const code = (e as NodeJS.ErrnoException).code
      if (port === 0 && code === 'EADDRINUSE' && attempt < 10) continue
      throw new CrowdError('input', `cannot listen for syslog on ${host}:${port}: ${code ?? String(e)}`, {}, {cause: e})
    }
  }

  let closing: Promise<void> | undefined
  return {
    addresses,
    metrics: () => structuredClone(metrics),
    close: () => (closing ??= closeAll(tcp, udp, sockets)),
  }
}

function listenTcp(server: net.Server, host: string, port: number): Promise<{address: string; port: number}> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({host, port, exclusive: true}, () => {
      server.off('error', reject)
      server.on('error', () => {})
      const a = server.address() as net.AddressInfo
      resolve({address: a.address, port: a.port})
    })
  })
}

function bindUdp(socket: dgram.Socket, host: string, port: number): Promise<{address: string; port: number}> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({address: host, port, exclusive: true}, () => {
      socket.off('error', reject)
      const a = socket.address()
      resolve({address: a.address, port: a.port})
    })
  })
}

async function closeAll(tcp: net.Server | undefined, udp: dgram.Socket | undefined, sockets: Set<net.Socket>): Promise<void> {
  const waits: Promise<void>[] = []
  if (tcp !== undefined && tcp.listening) waits.push(new Promise((resolve) => tcp.close(() => resolve())))
  for (const s of sockets) s.destroy()
  if (udp !== undefined) {
    waits.push(new Promise((resolve) => {
      try {
        udp.close(() => resolve())
      } catch {
        resolve() // not bound or already closed
      }
    }))
  }
  await Promise.all(waits)
}
