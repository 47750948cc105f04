/**
 * Profiles as the Local API runs them (lapi.md §9): the same compiled profiles `crowd scan` uses,
 * with the database-backed helpers (`GetDecisionsCount`, `GetDecisionsSinceCount`,
 * `GetActiveDecisionsCount`, `GetActiveDecisionsTimeLeft`) answering from the store.
 *
 * Expressions are synchronous and the store is not, so before an alert's profiles run, the
 * creation and end times of the decisions on its source value are read (only when some profile
 * calls one of those helpers), and the helpers answer from that snapshot. Profiles run before the
 * alert's own decisions are stored, so counts exclude them, as in CrowdSec.
 */
import {loadProfiles, applyProfiles, routeProfiles, type Profile, type ProfileOutcome} from '../decide/index.js'
import {compileExpr} from '../expr/index.js'
import {createHelperContext, type DecisionsBackend} from '../expr/helpers/context.js'
import type {Alert} from '../model/alert.js'
import {GoDuration} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import type {DecisionTimes, Store} from '../store/types.js'

const DB_HELPERS = /\bGet(Active)?Decisions(Since)?(Count|TimeLeft)\b/

class DecisionSnapshot implements DecisionsBackend {
  value = ''
  now = 0
  times: readonly DecisionTimes[] = []

  #of(value: string): readonly DecisionTimes[] {
    return value === this.value ? this.times : []
  }

  count(value: string): number {
    return this.#of(value).length
  }

  activeCount(value: string): number {
    return this.#of(value).filter((t) => t.until > this.now).length
  }

  sinceCount(value: string, sinceNs: number): number {
    const from = this.now - sinceNs / 1e6
    return this.#of(value).filter((t) => t.createdAt >= from).length
  }

  activeTimeLeft(value: string): GoDuration {
    let longest = 0
    for (const t of this.#of(value)) if (t.until - this.now > longest) longest = t.until - this.now
    return new GoDuration(longest * 1e6)
  }
}

export class LapiProfiles {
  readonly profiles: Profile[]
  readonly #snapshot = new DecisionSnapshot()
  readonly #usesStore: boolean

  /** Compiles `file` (CrowdSec's default profiles when undefined); throws CrowdErrors naming the file and line. */
  constructor(file: string | undefined, logger: Logger) {
    const helpers = createHelperContext({logger, decisions: this.#snapshot})
    this.profiles = loadProfiles(file, (source, options) => compileExpr(source, {...options, helpers}))
    this.#usesStore = this.profiles.some((p) => [...p.filters, ...(p.durationExpr ? [p.durationExpr] : [])].some((f) => DB_HELPERS.test(f.source)))
  }

  /** Runs the profiles on an alert that has no decisions yet (attaches them). */
  async apply(alert: Alert, store: Store, now: number, logger: Logger): Promise<ProfileOutcome> {
    await this.#takeSnapshot(alert, store, now)
    // no await between filling the snapshot and running the profiles: nothing else can see it
    return applyProfiles(alert, this.profiles, logger)
  }

  /** The profiles an alert that came with its decisions matches: only to route its notifications (lapi.md §4.1 step 4). */
  async route(alert: Alert, store: Store, now: number, logger: Logger): Promise<{matched: string[]; errors: string[]}> {
    await this.#takeSnapshot(alert, store, now)
    return routeProfiles(alert, this.profiles, logger)
  }

  async #takeSnapshot(alert: Alert, store: Store, now: number): Promise<void> {
    if (!this.#usesStore) return
    const times = await store.decisionTimes(alert.Source.Value)
    this.#snapshot.value = alert.Source.Value
    this.#snapshot.now = now
    this.#snapshot.times = times
  }
}
