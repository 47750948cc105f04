/**
 * `crowd test coverage`: which parsers and scenarios have at least one hub test. An item is
 * covered when a test's config.yaml lists it (by name, or by a path whose file name is the
 * item's). Items come from package directories (plugins/<author>/<name>/crowd-package.toml)
 * and from CrowdSec-layout hub folders (parsers/<stage>/<author>/<file>.yaml, scenarios/...).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parse as parseYaml} from 'yaml'
import {MANIFEST_FILE, parseManifest} from '../hub/manifest.js'

export interface CoverageItem {
  name: string
  type: 'parser' | 'scenario'
  /** Test folder names that use the item, sorted. */
  tests: string[]
}

export interface CoverageResult {
  parsers: CoverageItem[]
  scenarios: CoverageItem[]
  parsers_covered: number
  scenarios_covered: number
  /** Percentages, rounded down; 100 when there is nothing to cover. */
  parser_coverage: number
  scenario_coverage: number
  tests: number
  /** Test folders whose config.yaml could not be read, with the reason. */
  unreadable: {test: string; error: string}[]
}

export interface CoverageOptions {
  /** Folders of test folders (each `<test>/config.yaml`). */
  testsDirs: readonly string[]
  /** plugins/ folders (`<author>/<name>/crowd-package.toml`). */
  pluginsDirs?: readonly string[]
  /** CrowdSec-layout hub or config folders (parsers/, scenarios/). */
  hubDirs?: readonly string[]
}

function dirs(p: string): string[] {
  try {
    return fs.readdirSync(p, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name).sort()
  } catch {
    return []
  }
}

function files(p: string): string[] {
  try {
    return fs.readdirSync(p, {withFileTypes: true}).filter((e) => e.isFile()).map((e) => e.name).sort()
  } catch {
    return []
  }
}

/** Parser and scenario names of package directories. */
export function itemsFromPlugins(pluginsDir: string): {parsers: string[]; scenarios: string[]} {
  const parsers: string[] = []
  const scenarios: string[] = []
  for (const author of dirs(pluginsDir)) {
    for (const name of dirs(path.join(pluginsDir, author))) {
      const file = path.join(pluginsDir, author, name, MANIFEST_FILE)
      if (!fs.existsSync(file)) continue
      const {manifest} = parseManifest(fs.readFileSync(file, 'utf8'), file)
      if (manifest.type === 'parser') parsers.push(manifest.name)
      else if (manifest.type === 'scenario') scenarios.push(manifest.name)
    }
  }
  return {parsers, scenarios}
}

/** Parser and scenario names of a CrowdSec-layout folder (author directory kept when present). */
export function itemsFromHub(hubDir: string): {parsers: string[]; scenarios: string[]} {
  const yamlName = (f: string): string | undefined => (f.endsWith('.yaml') ? f.slice(0, -5) : f.endsWith('.yml') ? f.slice(0, -4) : undefined)
  const parsers: string[] = []
  for (const stage of dirs(path.join(hubDir, 'parsers'))) {
    const stageDir = path.join(hubDir, 'parsers', stage)
    for (const author of dirs(stageDir)) for (const f of files(path.join(stageDir, author))) if (yamlName(f) !== undefined) parsers.push(`${author}/${yamlName(f)}`)
    for (const f of files(stageDir)) if (yamlName(f) !== undefined) parsers.push(yamlName(f)!)
  }
  const scenarios: string[] = []
  const sDir = path.join(hubDir, 'scenarios')
  for (const author of dirs(sDir)) for (const f of files(path.join(sDir, author))) if (yamlName(f) !== undefined) scenarios.push(`${author}/${yamlName(f)}`)
  for (const f of files(sDir)) if (yamlName(f) !== undefined) scenarios.push(yamlName(f)!)
  return {parsers, scenarios}
}

/** The item names a test references: names as written, plus `<author>/<file>` for paths. */
function referencedNames(entries: unknown): string[] {
  if (!Array.isArray(entries)) return []
  const out: string[] = []
  for (const e of entries) {
    if (typeof e !== 'string' || e === '') continue
    out.push(e)
    const parts = e.split('/')
    const file = parts[parts.length - 1] ?? ''
    const base = file.replace(/\.ya?ml$/, '')
    if (parts.length >= 2 && base !== file) out.push(`${parts[parts.length - 2]}/${base}`)
    if (base !== file) out.push(base)
  }
  return out
}

export function computeCoverage(options: CoverageOptions): CoverageResult {
  const parsers = new Set<string>()
  const scenarios = new Set<string>()
  for (const dir of options.pluginsDirs ?? []) {
    const items = itemsFromPlugins(dir)
    items.parsers.forEach((p) => parsers.add(p))
    items.scenarios.forEach((s) => scenarios.add(s))
  }
  for (const dir of options.hubDirs ?? []) {
    const items = itemsFromHub(dir)
    items.parsers.forEach((p) => parsers.add(p))
    items.scenarios.forEach((s) => scenarios.add(s))
  }
  const usedBy = new Map<string, Set<string>>()
  const unreadable: {test: string; error: string}[] = []
  let tests = 0
  for (const testsDir of options.testsDirs) {
    for (const test of dirs(testsDir)) {
      const configFile = path.join(testsDir, test, 'config.yaml')
      if (!fs.existsSync(configFile)) continue
      tests++
      let config: Record<string, unknown>
      try {
        config = (parseYaml(fs.readFileSync(configFile, 'utf8')) ?? {}) as Record<string, unknown>
      } catch (error) {
        unreadable.push({test, error: (error as Error).message.split('\n')[0] ?? ''})
        continue
      }
      for (const name of [...referencedNames(config.parsers), ...referencedNames(config.scenarios)]) {
        if (!usedBy.has(name)) usedBy.set(name, new Set())
        usedBy.get(name)!.add(test)
      }
    }
  }
  const build = (names: Set<string>, type: 'parser' | 'scenario'): CoverageItem[] =>
    [...names].sort().map((name) => ({name, type, tests: [...(usedBy.get(name) ?? [])].sort()}))
  const p = build(parsers, 'parser')
  const s = build(scenarios, 'scenario')
  const covered = (items: CoverageItem[]): number => items.filter((i) => i.tests.length > 0).length
  const pct = (n: number, total: number): number => (total === 0 ? 100 : Math.floor((n * 100) / total))
  return {
    parsers: p,
    scenarios: s,
    parsers_covered: covered(p),
    scenarios_covered: covered(s),
    parser_coverage: pct(covered(p), p.length),
    scenario_coverage: pct(covered(s), s.length),
    tests,
    unreadable,
  }
}
