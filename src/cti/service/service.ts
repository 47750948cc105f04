/**
 * `crowd cti serve` put together: the service's database (`[cti] store_url`, else cti.db in the
 * data dir), the published hub, the never-ban lists, the ASN database, the HTTP server and the
 * consensus job. Several replicas may run on one database: each serves, one at a time runs the
 * consensus.
 */
import * as fs from 'node:fs'
import {hostname} from 'node:os'
import type {Config} from '../../config/config.js'
import {CrowdError} from '../../model/errors.js'
import type {Logger} from '../../model/logger.js'
import {CtiStore, ctiStoreLocation} from '../../store/cti-store.js'
import {canonicalIp, type Canaries} from '../consensus/engine.js'
import {NeverBan, parseNeverBanList, specialRanges, type NeverBanEntry} from '../consensus/never-ban.js'
import {DEFAULT_CONSENSUS, checkConsensusParams, type ConsensusParams} from '../consensus/params.js'
import {loadCertifier} from './certified.js'
import {ConsensusJob} from './consensus-job.js'
import {asnLookup} from './network.js'
import {CtiServer, replicaName, type CtiRateLimits} from './server.js'

export interface CtiService {
  url: string
  store: CtiStore
  server: CtiServer
  job: ConsensusJob
  replica: string
  close(): Promise<void>
}

/** The consensus knobs crowd.toml sets, checked. */
export function consensusParams(config: Config): Partial<ConsensusParams> {
  const c = config.ctiService.consensus
  const params: Partial<ConsensusParams> = {trustNewReporters: c.trustNewReporters}
  if (c.k !== undefined) params.k = c.k
  const bad = checkConsensusParams({...DEFAULT_CONSENSUS, ...params})
  if (bad !== undefined) throw new CrowdError('config', `cti.consensus: ${bad}`, {file: config.file})
  return params
}

/** The special-purpose ranges and the operator's lists (`[cti] never_ban`). */
export function loadNeverBan(files: readonly string[]): NeverBan {
  const entries: NeverBanEntry[] = specialRanges()
  for (const file of files) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      throw new CrowdError('config', `cti.never_ban: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    entries.push(...parseNeverBanList(text, file))
  }
  return new NeverBan(entries)
}

/**
 * The service's canaries (`[cti] canaries`): `IP benign` (an address the service knows is innocent: whoever reports
 * it is caught lying) or `IP malicious` (one of its probes: reporting it is a passed test), `#` comments.
 */
export function loadCanaries(file: string | undefined): Canaries {
  const benign = new Set<string>()
  const malicious = new Set<string>()
  if (file === undefined) return {benign, malicious}
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('config', `cti.canaries: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim()
    if (line === '') continue
    const [value, kind, ...rest] = line.split(/\s+/)
    const ip = canonicalIp(value!)
    if (ip === null || (kind !== 'benign' && kind !== 'malicious') || rest.length > 0) {
      throw new CrowdError('config', `cti.canaries: "${line.slice(0, 80)}" must be an IP address, then benign or malicious`, {file, line: i + 1})
    }
    ;(kind === 'benign' ? benign : malicious).add(ip.key)
  }
  return {benign, malicious}
}

export async function openCtiStore(config: Config): Promise<CtiStore> {
  return CtiStore.open(ctiStoreLocation(config.ctiService.storeUrl, config.dataDir))
}

export async function startCtiService(options: {config: Config; logger: Logger; listen?: string; rateLimits?: Partial<CtiRateLimits>; clock?: () => number}): Promise<CtiService> {
  const {config, logger} = options
  const cti = config.ctiService
  const params = consensusParams(config)
  const neverBan = loadNeverBan(cti.neverBan)
  const canaries = loadCanaries(cti.canaries)
  const certifier = loadCertifier(cti.hub)
  if (certifier.scenarios === 0) logger.warn('cti: no [cti] hub with published scenarios: no signal counts as certified, nothing will be promoted')
  const store = await openCtiStore(config)
  const replica = replicaName(hostname())
  try {
    const job = new ConsensusJob({store, params, neverBan, canaries, holder: replica, intervalMs: cti.consensus.intervalMs, logger, clock: options.clock})
    const server = new CtiServer({
      store, certifier, asn: asnLookup(config.enrich.geoipAsnDb, (m) => logger.warn(m)), logger, windowMs: {...DEFAULT_CONSENSUS, ...params}.windowMs,
      trustedProxies: cti.trustedProxies, rateLimits: options.rateLimits, job, replica, clock: options.clock,
    })
    const url = await server.listen(options.listen ?? cti.listen)
    job.start()
    return {
      url, store, server, job, replica,
      async close() {
        await job.stop()
        await server.close()
        await store.close()
      },
    }
  } catch (error) {
    await store.close()
    throw error
  }
}
