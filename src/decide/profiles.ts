/**
 * Profiles turn alerts into decisions, with CrowdSec LAPI semantics (lapi.md §4.1 step 5, §9):
 *
 * - profiles are evaluated in file order; filters are OR-ed, and every filter that matches
 *   generates the profile's decisions again (CrowdSec quirk, kept);
 * - only the first matching profile that has decisions supplies them; `on_success: break`
 *   stops the evaluation; `on_failure` has no effect;
 * - a filter that errors or returns a non-bool applies `on_error`: `apply` (matched, no
 *   decisions), `continue`/`ignore`/`break` (not matched), unset (the alert is refused: here it is
 *   kept without decisions and the error is reported);
 * - decision: type from the template, scope = template scope or the alert's source scope,
 *   value = source value, duration = `duration_expr` result when it works, else the template's,
 *   origin `crowdsec` (`crowdsec/<origin>`), scenario = alert scenario, simulated = the alert's
 *   flag, until = stop_at + duration.
 *
 * Expressions are compiled once, with the `alert` environment (variable `Alert`).
 */
import {Decision, type Alert} from '../model/alert.js'
import type {Program} from './program.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {addDurationRfc3339, parseDecisionDuration} from './duration.js'
import type {DecisionTemplateConfig, ProfileConfig} from './profile-config.js'

export interface Profile {
  name: string
  filters: Program[]
  decisions: DecisionTemplate[]
  durationExpr?: Program
  notifications: string[]
  onSuccess: 'break' | 'continue'
  onError?: 'apply' | 'continue' | 'break' | 'ignore'
  file: string
  line: number
}

export interface DecisionTemplate {
  type: string
  /** Empty when the template has none (CrowdSec quirk: such a decision is refused unless duration_expr works). */
  duration: string
  scope: string
  origin: string
}

/** What the profiles did with one alert. */
export interface ProfileOutcome {
  /** Names of the profiles that matched, in order. */
  matched: string[]
  /**
   * Index in `matched` of the profile whose decisions were attached (-1: none). The LAPI hands each
   * matching profile's notifications a copy of the alert as it is then (notifications-and-cti.md §1):
   * profiles before this one notify without decisions, this one and later ones with its decisions.
   */
  attachedAt: number
  /** Decisions attached to the alert (also set on alert.Decisions). */
  decisions: Decision[]
  /** Errors met while evaluating (filter or duration_expr failures). */
  errors: string[]
  /** A profile without `on_error` failed: the LAPI refuses the alert (HTTP 500). */
  refused: boolean
}

export type CompileFn = (source: string, options: {env: 'alert'; location: {file: string; line: number}}) => Program

/** Compiles profile configs; all errors are collected and thrown together. */
export function compileProfiles(configs: readonly ProfileConfig[], compile: CompileFn): Profile[] {
  const errors: CrowdError[] = []
  const profiles: Profile[] = []
  for (const config of configs) {
    const filters: Program[] = []
    config.filters.forEach((source, i) => {
      try {
        filters.push(compile(source, {env: 'alert', location: {file: config.file, line: config.filterLines[i] ?? config.line}}))
      } catch (error) {
        errors.push(asProfileError(error, config.file, config.filterLines[i] ?? config.line, `profile '${config.name}': filter does not compile`))
      }
    })
    let durationExpr: Program | undefined
    if (config.duration_expr !== undefined && config.duration_expr !== '') {
      try {
        durationExpr = compile(config.duration_expr, {env: 'alert', location: {file: config.file, line: config.durationExprLine ?? config.line}})
      } catch (error) {
        errors.push(asProfileError(error, config.file, config.durationExprLine ?? config.line, `profile '${config.name}': duration_expr does not compile`))
      }
    }
    const decisions = config.decisions.map((d) => compileTemplate(d, config, errors))
    profiles.push({
      name: config.name,
      filters,
      decisions,
      durationExpr,
      notifications: config.notifications,
      onSuccess: config.on_success === 'break' ? 'break' : 'continue',
      onError: config.on_error === '' ? undefined : (config.on_error as Profile['onError']),
      file: config.file,
      line: config.line,
    })
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  return profiles
}

function compileTemplate(d: DecisionTemplateConfig, config: ProfileConfig, errors: CrowdError[]): DecisionTemplate {
  const duration = d.duration ?? ''
  if (duration !== '') {
    try {
      parseDecisionDuration(duration)
    } catch (error) {
      errors.push(new CrowdError('profile', `profile '${config.name}': invalid decision duration '${duration}': ${(error as Error).message}`, {file: config.file, line: config.line}))
    }
  } else if (config.duration_expr === undefined || config.duration_expr === '') {
    errors.push(new CrowdError('profile', `profile '${config.name}': decision '${d.type}' has no duration and no duration_expr`, {file: config.file, line: config.line}))
  }
  return {type: d.type, duration, scope: d.scope ?? '', origin: d.origin ?? ''}
}

function asProfileError(error: unknown, file: string, line: number, context: string): CrowdError {
  if (error instanceof CrowdError) return error
  return new CrowdError('profile', `${context}: ${(error as Error).message ?? String(error)}`, {file, line})
}

type FilterResult = {kind: 'matched'; decisions: Decision[]} | {kind: 'unmatched'} | {kind: 'error'; message: string}

function evaluateProfile(profile: Profile, alert: Alert, logger: Logger | undefined, errors: string[]): FilterResult {
  let matched = false
  const decisions: Decision[] = []
  for (const filter of profile.filters) {
    let result: unknown
    try {
      result = filter.run({Alert: alert})
    } catch (error) {
      return {kind: 'error', message: `profile '${profile.name}': filter '${filter.source}': ${(error as Error).message}`}
    }
    if (typeof result !== 'boolean') return {kind: 'error', message: `profile '${profile.name}': filter '${filter.source}' returned a ${result === null ? 'nil' : typeof result}, not a bool`}
    if (!result) continue
    matched = true
    for (const template of profile.decisions) decisions.push(buildDecision(template, profile, alert, logger, errors))
  }
  return matched ? {kind: 'matched', decisions} : {kind: 'unmatched'}
}

function buildDecision(template: DecisionTemplate, profile: Profile, alert: Alert, logger: Logger | undefined, errors: string[]): Decision {
  let duration = template.duration
  if (profile.durationExpr !== undefined) {
    try {
      const value = profile.durationExpr.run({Alert: alert})
      const text = typeof value === 'string' ? value : String(value)
      parseDecisionDuration(text)
      duration = text
    } catch (error) {
      const message = `profile '${profile.name}': duration_expr failed, keeping '${template.duration}': ${(error as Error).message}`
      logger?.warn(message)
      errors.push(message)
    }
  }
  let until = ''
  if (duration !== '') {
    try {
      until = addDurationRfc3339(alert.StopAt, parseDecisionDuration(duration))
    } catch {
      until = ''
    }
  }
  return new Decision({
    Duration: duration,
    Origin: template.origin === '' ? 'crowdsec' : `crowdsec/${template.origin}`,
    Scenario: alert.Scenario,
    Scope: template.scope !== '' ? template.scope : alert.Source.Scope,
    Simulated: alert.Simulated,
    Type: template.type,
    Until: until,
    Value: alert.Source.Value,
  })
}

/** Runs the profiles on one alert (that has no decisions yet) and attaches the decisions. */
export function applyProfiles(alert: Alert, profiles: readonly Profile[], logger?: Logger): ProfileOutcome {
  const outcome: ProfileOutcome = {matched: [], attachedAt: -1, decisions: [], errors: [], refused: false}
  let attached = false
  for (const profile of profiles) {
    const result = evaluateProfile(profile, alert, logger, outcome.errors)
    let decisions: Decision[] = []
    if (result.kind === 'error') {
      logger?.warn(result.message)
      outcome.errors.push(result.message)
      if (profile.onError === 'apply') {
        decisions = []
      } else if (profile.onError === undefined) {
        // LAPI refuses the whole alert (HTTP 500): keep it, without decisions, and report.
        alert.Decisions = null
        outcome.decisions = []
        outcome.refused = true
        return outcome
      } else {
        continue
      }
    } else if (result.kind === 'unmatched') {
      continue
    } else {
      decisions = result.decisions
    }
    outcome.matched.push(profile.name)
    if (!attached && decisions.length > 0) {
      alert.Decisions = decisions
      outcome.decisions = decisions
      outcome.attachedAt = outcome.matched.length - 1
      attached = true
    }
    if (profile.onSuccess === 'break') break
  }
  return outcome
}

/**
 * The profiles an alert that already carries decisions (`cscli decisions add`, imports) matches,
 * for routing its notifications only (lapi.md §4.1 step 4): its decisions are kept as sent; every
 * filter runs (as for agent alerts) and a profile whose filter fails is skipped, whatever its
 * `on_error`; `on_success: break` stops.
 */
export function routeProfiles(alert: Alert, profiles: readonly Profile[], logger?: Logger): {matched: string[]; errors: string[]} {
  const out = {matched: [] as string[], errors: [] as string[]}
  for (const profile of profiles) {
    let matched = false
    let failed = false
    for (const filter of profile.filters) {
      let result: unknown
      try {
        result = filter.run({Alert: alert})
      } catch (error) {
        out.errors.push(`profile '${profile.name}': filter '${filter.source}': ${(error as Error).message}`)
        failed = true
        break
      }
      if (typeof result !== 'boolean') {
        out.errors.push(`profile '${profile.name}': filter '${filter.source}' returned a ${result === null ? 'nil' : typeof result}, not a bool`)
        failed = true
        break
      }
      if (result) matched = true
    }
    if (failed) {
      logger?.warn(out.errors.at(-1)!)
      continue
    }
    if (!matched) continue
    out.matched.push(profile.name)
    if (profile.onSuccess === 'break') break
  }
  return out
}
