/**
 * What every HTTP server crowd runs sets before it listens (the LAPI, the metrics endpoint):
 * bounds on how long a client may take to send its headers and its request and keep an idle
 * connection, and a plain 400 for a request Node cannot parse (never an uncaught error).
 */
import type * as http from 'node:http'

export interface ServerLimits {
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  /** Told about each unparseable request (for a debug log). */
  onBadRequest(message: string): void
}

export function limitServer(server: http.Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs
  server.requestTimeout = limits.requestTimeoutMs
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else socket.destroy()
    limits.onBadRequest(error.message)
  })
}
