/**
 * `crowd cti explain IP` on the service's database: the fire entry with its evidence, or what the
 * address lacks. The engine's explain runs on the reporters and their history as the consensus
 * left them and the address's signals of the window; the fire entries come from the database
 * (the engine that promoted them lives in the leader).
 */
import type {CtiStore} from '../../store/cti-store.js'
import {ConsensusEngine, canonicalIp, explainFire, rangeOf, type Canaries, type Explanation, type FireEntry} from '../consensus/engine.js'
import type {NeverBan} from '../consensus/never-ban.js'
import {DEFAULT_CONSENSUS, type ConsensusParams} from '../consensus/params.js'
import {ipNetString} from '../../model/ip.js'
import type {CtiFireRow} from '../../store/cti-store.js'
import {reporterInfo} from './consensus-job.js'

export async function explainFromStore(store: CtiStore, ip: string, options: {params: Partial<ConsensusParams>; neverBan: NeverBan; canaries?: Canaries; now: number}): Promise<Explanation & {signals: number}> {
  const engine = new ConsensusEngine({params: options.params, neverBan: options.neverBan, canaries: options.canaries})
  const c = canonicalIp(ip)
  if (c === null) return {...engine.explain(ip, options.now), signals: 0}
  const window = {...DEFAULT_CONSENSUS, ...options.params}.windowMs
  const signals = await store.signalsForIp(c.key, options.now - window)
  const ids = [...new Set(signals.map((s) => s.machineId))]
  for (const w of await store.watchersByIds(ids)) engine.addReporter(reporterInfo(w))
  const state = await store.reporterState()
  engine.reporters.importState({reporters: state.reporters.map((r) => ({id: r.machineId, confirmed: r.confirmed, unconfirmed: r.unconfirmed, liar: r.liar})), quarantine: state.quarantine})
  for (const s of signals) {
    const reporter = engine.reporters.indexOf(s.machineId)
    if (reporter !== undefined) engine.ingest({reporter, ip: s.ip, scenario: s.scenario, at: s.at, certified: s.trust === 'certified'}, options.now)
  }
  const out: Explanation & {signals: number} = {...engine.explain(c.key, options.now), signals: signals.length}
  if (out.state === 'never-ban' || out.state === 'canary') return out
  const live = (f: CtiFireRow | undefined): FireEntry | undefined =>
    f === undefined || f.deletedAt !== null || f.expiresAt <= options.now ? undefined
      : {value: f.value, scope: f.scope, scenario: f.scenario, promotedAt: f.promotedAt, lastEvidenceAt: f.lastEvidenceAt, expiresAt: f.expiresAt, evidence: f.evidence as unknown as FireEntry['evidence']}
  const fire = live(await store.fireEntry(c.key))
  const r = rangeOf(c.addr)
  const range = r === null ? undefined : live(await store.fireEntry(ipNetString(r)))
  if (range !== undefined) out.range = range
  // the throwaway engine never promotes (no pass ran): a fire state can only come from the database
  if (out.state === 'fire') out.state = 'smoke'
  explainFire(out, fire, range)
  return out
}
