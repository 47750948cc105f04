/**
 * Which signals come from an unmodified hub scenario (notifications-and-cti.md §7.1, §9.1): the
 * service reads a hub in CrowdSec's layout (`[cti] hub`: `.index.json` listing, per scenario,
 * every published version with the sha256 of its file as `digest`, and the scenario files at
 * their `path`). A signal is certified when its scenario's hash and version are one of the
 * published pairs of that scenario. A scenario file may hold several scenarios (`ssh-bf` and
 * `ssh-bf_user-enum`): every `name:` in the published file carries the item's hash and version.
 * The client's own `scenario_trust` is never believed.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../../model/errors.js'
import type {SignalTrust} from '../../store/cti-store.js'

export interface Certifier {
  /** Published scenarios known (0: no hub configured, nothing is certified). */
  readonly scenarios: number
  trust(scenario: string, hash: string, version: string, manual: boolean): SignalTrust
}

interface IndexItem {
  path?: string
  versions?: Record<string, {digest?: string}>
}

/** Reads `.index.json` (or `index.json`) of the hub directory; undefined dir: nothing certified. */
export function loadCertifier(hubDir: string | undefined): Certifier {
  const published = new Map<string, Set<string>>()
  if (hubDir !== undefined) {
    const file = ['.index.json', 'index.json'].map((n) => path.join(hubDir, n)).find((f) => fs.existsSync(f))
    if (file === undefined) throw new CrowdError('config', `cti.hub: no .index.json in ${hubDir} (a hub in CrowdSec's layout is needed)`)
    let index: {scenarios?: Record<string, IndexItem>}
    try {
      index = JSON.parse(fs.readFileSync(file, 'utf8')) as {scenarios?: Record<string, IndexItem>}
    } catch (error) {
      throw new CrowdError('config', `cti.hub: cannot read ${file}: ${(error as Error).message}`)
    }
    for (const [name, item] of Object.entries(index.scenarios ?? {})) {
      const pairs = new Set<string>()
      for (const [version, v] of Object.entries(item?.versions ?? {})) if (typeof v?.digest === 'string' && v.digest !== '') pairs.add(`${v.digest.toLowerCase()}@${version}`)
      if (pairs.size === 0) continue
      const names = new Set([name])
      if (typeof item.path === 'string') for (const n of scenarioNames(path.join(hubDir, item.path))) names.add(n)
      for (const n of names) {
        const known = published.get(n)
        if (known === undefined) published.set(n, new Set(pairs))
        else for (const p of pairs) known.add(p)
      }
    }
  }
  return {
    scenarios: published.size,
    trust(scenario, hash, version, manual) {
      if (manual) return 'manual'
      if (hash === '') return 'custom'
      if (version === '' || version === '?') return 'tainted'
      return published.get(scenario)?.has(`${hash.toLowerCase()}@${version}`) === true ? 'certified' : 'tainted'
    },
  }
}

/** The `name:` of every document of a scenario file (without a YAML parser: top-level `name:` lines). */
function scenarioNames(file: string): string[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const out: string[] = []
  for (const m of text.matchAll(/^name:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$/gm)) out.push(m[1]!)
  return out
}
