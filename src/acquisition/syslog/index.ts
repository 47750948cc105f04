/**
 * The syslog datasource (CrowdSec `source: syslog`): parsing (message.ts), TCP framing
 * (framing.ts), per-sender rate limits (rate.ts), the UDP/TCP server (server.ts), and the
 * two seams to the rest of crowd: an acquis.yaml entry -> server options, and a received
 * message -> the RawLine the pipeline reads (CrowdSec: Line.Raw = the rebuilt line,
 * Line.Src = the sender's IP, Line.Module = `syslog`, Line.Labels = the entry's labels).
 */
import * as net from 'node:net'
import {CrowdError} from '../../model/errors.js'
import type {RawLine} from '../types.js'
import type {SyslogMessage} from './message.js'
import {DEFAULT_MAX_MESSAGE_LEN, type SyslogProtocol, type SyslogSender, type SyslogServerOptions} from './server.js'

export {parseSyslogMessage, parseRfc3339, crowdsecLine, formatStamp} from './message.js'
export type {SyslogMessage, SyslogParseError, SyslogParseErrorReason, SyslogParseResult, SyslogFormat, SyslogTimestamp, SdElement, ParseOptions} from './message.js'
export {TcpFramer, utf8Boundary, type Frame, type FramingError, type TcpFramerOptions} from './framing.js'
export {RateLimiter, type RateLimiterOptions} from './rate.js'
export {startSyslogServer, DEFAULT_MAX_MESSAGE_LEN, DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT_MS} from './server.js'
export type {SyslogServer, SyslogServerOptions, SyslogServerMetrics, SyslogServerAddress, SyslogSender, SyslogFrameInfo, SyslogErrorReason, SyslogProtocol} from './server.js'

export const SYSLOG_MODULE = 'syslog'

/** What one acquis.yaml `source: syslog` entry configures. */
export interface SyslogAcquisConfig {
  host: string
  port: number
  maxMessageLen: number
  protocols: SyslogProtocol[]
  labels: Record<string, string>
}

/** CrowdSec's common datasource keys, accepted and (except labels) not used by the server. */
const COMMON_KEYS = new Set(['source', 'mode', 'labels', 'log_level', 'name', 'use_time_machine', 'unique_id', 'transform'])
const SYSLOG_KEYS = new Set(['listen_addr', 'listen_port', 'max_message_len', 'protocol'])

/**
 * Reads one acquis.yaml document whose `source` is `syslog`, with CrowdSec's defaults
 * (127.0.0.1, 514, 2048) and checks (port 1-65535, an IP address, strict keys). `protocol`
 * may be `udp` (CrowdSec's only one, the default), `tcp`, or `udp,tcp` (crowd's extension).
 * Errors are CrowdErrors (code 'config') naming `file` when given.
 */
export function syslogConfigFromAcquis(doc: Record<string, unknown>, file?: string): SyslogAcquisConfig {
  const bad = (reason: string): CrowdError => new CrowdError('config', `syslog datasource: ${reason}`, {file})
  for (const key of Object.keys(doc)) {
    if (!COMMON_KEYS.has(key) && !SYSLOG_KEYS.has(key)) throw bad(`unknown key ${JSON.stringify(key)}`)
  }
  if (doc.source !== undefined && doc.source !== SYSLOG_MODULE) throw bad(`source is ${JSON.stringify(doc.source)}, not syslog`)
  const host = doc.listen_addr === undefined || doc.listen_addr === '' ? '127.0.0.1' : doc.listen_addr
  if (typeof host !== 'string' || net.isIP(host) === 0) throw bad(`invalid listen IP ${String(host)}`)
  const port = doc.listen_port === undefined || doc.listen_port === 0 ? 514 : doc.listen_port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad(`invalid port ${String(port)}`)
  const maxMessageLen = doc.max_message_len === undefined || doc.max_message_len === 0 ? DEFAULT_MAX_MESSAGE_LEN : doc.max_message_len
  if (typeof maxMessageLen !== 'number' || !Number.isInteger(maxMessageLen) || maxMessageLen < 1) throw bad(`invalid max_message_len ${String(maxMessageLen)}`)
  const proto = doc.protocol === undefined || doc.protocol === '' ? 'udp' : doc.protocol
  if (typeof proto !== 'string') throw bad('protocol must be a string')
  const protocols = [...new Set(proto.split(',').map((p) => p.trim().toLowerCase()))]
  if (protocols.some((p) => p !== 'udp' && p !== 'tcp')) throw bad(`invalid protocol ${JSON.stringify(proto)} (udp, tcp or udp,tcp)`)
  const labels: Record<string, string> = Object.create(null)
  if (doc.labels !== undefined) {
    if (typeof doc.labels !== 'object' || doc.labels === null || Array.isArray(doc.labels)) throw bad('labels must be a map')
    for (const [k, v] of Object.entries(doc.labels)) labels[k] = String(v)
  }
  return {host, port, maxMessageLen, protocols: protocols as SyslogProtocol[], labels}
}

/** Server options for an acquis entry (the callbacks and limits are the caller's). */
export function syslogServerOptions(config: SyslogAcquisConfig, rest: Omit<SyslogServerOptions, 'host' | 'port' | 'protocols' | 'maxMessageLen'>): SyslogServerOptions {
  return {host: config.host, port: config.port, protocols: config.protocols, maxMessageLen: config.maxMessageLen, ...rest}
}

/** The line the pipeline reads for one received message (lineNo: the caller's running count). */
export function syslogRawLine(msg: SyslogMessage, sender: SyslogSender, labels: Record<string, string>, lineNo: number): RawLine {
  return {raw: msg.line, src: sender.address, module: SYSLOG_MODULE, labels, lineNo}
}
