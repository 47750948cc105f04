/**
 * The consensus engine's knobs (crowd.toml `[cti.consensus]`, `crowd cti simulate --k ...`).
 * docs/cti.md explains what each one buys against which attack.
 */
export interface ConsensusParams {
  /** Distinct trusted reporters, from as many distinct networks (/24, /48) and ASes, an IP needs. */
  k: number
  /** Their signals must fall within this window (ms) of the pass. */
  windowMs: number
  /** A fire entry without fresh trusted evidence for this long expires (ms; at most 72 h). */
  fireTtlMs: number
  /** A reporter younger than this does not count (ms), unless trustNewReporters. */
  minReporterAgeMs: number
  /** A test community trusts its reporters from the start: no age rule, no confirmations needed (liars and mostly-unconfirmed reporters still stop counting). */
  trustNewReporters: boolean
  /** Trust (0..1) a reporter needs to count: 0.5 is any established reporter, each confirmation adds 0.5 / confirmationsForFullTrust. */
  minTrust: number
  /** Confirmations (reports later confirmed, malicious canaries reported) that take a reporter to full trust. */
  confirmationsForFullTrust: number
  /** A reporter whose reports went unconfirmed this often, at this share or more, stops counting. */
  unconfirmedFloor: number
  unconfirmedShare: number
  /** A reporter that reported a benign canary makes its whole network not count for this long (ms). */
  quarantineMs: number
  /** Reporters kept per IP (at most 2 per network): what a flood can hold, not what it can decide. */
  maxReportersPerIp: number
  /** Fire addresses in one /24 (IPv4) or /64 (IPv6) that promote the range itself. */
  rangeMinIps: number
}

export const HOUR_MS = 3_600_000

export const DEFAULT_CONSENSUS: Readonly<ConsensusParams> = Object.freeze({
  k: 5,
  windowMs: 24 * HOUR_MS,
  fireTtlMs: 72 * HOUR_MS,
  minReporterAgeMs: 24 * HOUR_MS,
  trustNewReporters: false,
  // two confirmed reports (or passed probes) before a reporter counts
  minTrust: 0.6,
  confirmationsForFullTrust: 10,
  unconfirmedFloor: 20,
  unconfirmedShare: 0.9,
  quarantineMs: 7 * 24 * HOUR_MS,
  maxReportersPerIp: 256,
  rangeMinIps: 5,
})

/** `params` checked: a CrowdError-free description of the first bad value, or undefined when all are good. */
export function checkConsensusParams(p: ConsensusParams): string | undefined {
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > 1000) return `k must be an integer from 1 to 1000, not ${p.k}`
  if (!(p.windowMs > 0)) return 'window must be more than 0'
  if (!(p.fireTtlMs > 0) || p.fireTtlMs > 72 * HOUR_MS) return 'the fire TTL must be more than 0 and at most 72h'
  if (!(p.minReporterAgeMs >= 0)) return 'the minimum reporter age must not be negative'
  if (!(p.minTrust >= 0 && p.minTrust <= 1)) return 'min_trust must be from 0 to 1'
  if (!Number.isInteger(p.maxReportersPerIp) || p.maxReportersPerIp < p.k * 2) return 'max_reporters_per_ip must be at least 2k'
  if (!Number.isInteger(p.rangeMinIps) || p.rangeMinIps < 2) return 'range_min_ips must be at least 2'
  return undefined
}
