/**
 * Semver dependency resolution: pick one version of every package so that every request
 * and every dependency range is satisfied and every package supports this crowd version.
 * Depth-first with backtracking, newest versions first (or the preferred one, e.g. the
 * installed version, first). When no choice works, the error names the package, every
 * range asked of it and by whom, and the versions available.
 */
import semver from 'semver'
import {CrowdError} from '../model/errors.js'
import type {IndexVersion} from './types.js'

export interface Universe {
  /** All versions of a package, any order; empty when unknown. */
  versions(name: string): IndexVersion[]
}

export interface Requirement {
  name: string
  range: string
  /** Who asks: `user`, or `author/name@version`. */
  by: string
}

export interface ResolveOptions {
  universe: Universe
  requests: Requirement[]
  /** name -> version to try first (installed versions, when not upgrading). */
  prefer?: Record<string, string>
  crowdVersion: string
  /** Backtracking budget. */
  maxSteps?: number
}

interface Frame {
  chosen: Map<string, IndexVersion>
  constraints: Map<string, Requirement[]>
  queue: string[]
}

export function resolveDependencies(options: ResolveOptions): Map<string, IndexVersion> {
  const maxSteps = options.maxSteps ?? 50_000
  let steps = 0
  let failure: CrowdError | undefined
  const constraints = new Map<string, Requirement[]>()
  for (const r of options.requests) {
    if (semver.validRange(r.range) === null) throw new CrowdError('hub', `${r.name}: "${r.range}" is not a semver range`)
    constraints.set(r.name, [...(constraints.get(r.name) ?? []), r])
  }
  const fail = (error: CrowdError): null => {
    failure ??= error
    return null
  }
  const solve = (frame: Frame): Map<string, IndexVersion> | null => {
    if (++steps > maxSteps) throw new CrowdError('hub', `dependency resolution gave up after ${maxSteps} steps`)
    if (frame.queue.length === 0) return frame.chosen
    const [name, ...rest] = frame.queue
    if (frame.chosen.has(name)) return solve({...frame, queue: rest})
    const asks = frame.constraints.get(name) ?? []
    const all = options.universe.versions(name)
    if (all.length === 0) return fail(new CrowdError('hub', `unknown package ${name} (${describeAsks(asks)})`))
    const fits = all.filter((v) => asks.every((a) => semver.satisfies(v.version, a.range)))
    const candidates = fits.filter((v) => semver.satisfies(options.crowdVersion, v.crowd))
    if (candidates.length === 0) {
      const available = all.map((v) => v.version).sort(semver.rcompare).join(', ')
      const why = fits.length > 0
        ? `the versions that fit (${fits.map((v) => `${v.version} needs crowd ${v.crowd}`).join('; ')}) do not support crowd ${options.crowdVersion}`
        : `no version satisfies ${describeAsks(asks)}; available: ${available}`
      return fail(new CrowdError('hub', `cannot resolve ${name}: ${why}`))
    }
    candidates.sort((a, b) => semver.rcompare(a.version, b.version))
    const preferred = options.prefer?.[name]
    if (preferred !== undefined) {
      const i = candidates.findIndex((c) => c.version === preferred)
      if (i > 0) candidates.unshift(...candidates.splice(i, 1))
    }
    candidate: for (const c of candidates) {
      const next = new Map(frame.constraints)
      const queue = [...rest]
      const by = `${c.name}@${c.version}`
      for (const [dep, range] of Object.entries(c.dependencies)) {
        const req = {name: dep, range, by}
        const list = [...(next.get(dep) ?? []), req]
        next.set(dep, list)
        const picked = frame.chosen.get(dep)
        if (picked !== undefined && !semver.satisfies(picked.version, range)) {
          fail(new CrowdError('hub', `conflict on ${dep}: ${describeAsks(list)}; ${picked.version} was chosen`))
          continue candidate
        }
        if (picked === undefined && !queue.includes(dep)) queue.push(dep)
      }
      const chosen = new Map(frame.chosen)
      chosen.set(name, c)
      const result = solve({chosen, constraints: next, queue})
      if (result !== null) return result
    }
    return null
  }
  const queue = [...new Set(options.requests.map((r) => r.name))]
  const result = solve({chosen: new Map(), constraints, queue})
  if (result === null) throw failure ?? new CrowdError('hub', 'dependency resolution failed')
  return result
}

function describeAsks(asks: Requirement[]): string {
  if (asks.length === 0) return 'no constraint'
  return asks.map((a) => `${a.by === 'user' ? 'you ask' : a.by + ' needs'} ${a.range}`).join(', ')
}
