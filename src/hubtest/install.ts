/**
 * Resolving a test's items (hubtest.md §3.1-3.2) against a CrowdSec-layout hub dir, in
 * memory: hub names (`crowdsecurity/sshd-logs`) -> parsers/<stage>/<author>/<name>.yaml,
 * scenarios/<author>/<name>.yaml, postoverflows/<stage>/<author>/<name>.yaml; otherwise
 * a path relative to the hub root, then to the test dir. Installed parser files sort by
 * `<stage>/<file name>`; a second hub item with the same file name in a stage is ignored.
 * `override_statics` becomes the node of s00-raw/00_overrides.yaml.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {stringifyYaml as stringify} from '../platform/yaml.js'
import {CrowdError} from '../model/errors.js'
import type {ParserFileRef} from '../parse/load.js'
import type {HubTestConfig} from './layout.js'

export interface InstalledTest {
  parsers: ParserFileRef[]
  postoverflows: ParserFileRef[]
  scenarios: string[]
}

export interface HubLayout {
  root: string
  /** Stage directory names per kind ('parsers', 'postoverflows'). */
  stages: Record<'parsers' | 'postoverflows', string[]>
}

export function openHub(root: string): HubLayout {
  const stagesOf = (kind: string): string[] => {
    try {
      return fs.readdirSync(path.join(root, kind), {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    } catch {
      return []
    }
  }
  if (!fs.existsSync(path.join(root, 'parsers'))) throw new CrowdError('config', `not a hub directory (no parsers/): ${root}`)
  return {root, stages: {parsers: stagesOf('parsers'), postoverflows: stagesOf('postoverflows')}}
}

const EXTENSIONS = ['.yaml', '.yml']

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

/** A hub name -> file, for a staged kind. */
function findStagedItem(hub: HubLayout, kind: 'parsers' | 'postoverflows', name: string): {file: string; stage: string} | undefined {
  if (!/^[^/]+\/[^/]+$/.test(name)) return undefined
  for (const stage of hub.stages[kind]) {
    for (const ext of EXTENSIONS) {
      const file = path.join(hub.root, kind, stage, name + ext)
      if (isFile(file)) return {file, stage}
    }
  }
  return undefined
}

function findPath(hub: HubLayout, testDir: string, item: string): string | undefined {
  for (const base of [hub.root, testDir]) {
    const p = path.join(base, item)
    if (isFile(p)) return p
  }
  return undefined
}

function installStaged(hub: HubLayout, kind: 'parsers' | 'postoverflows', items: string[], testDir: string): ParserFileRef[] {
  const installed = new Map<string, ParserFileRef>()
  for (const item of items) {
    const hubItem = findStagedItem(hub, kind, item)
    if (hubItem !== undefined) {
      const key = `${hubItem.stage}/${path.basename(hubItem.file)}`
      if (!installed.has(key)) installed.set(key, {path: hubItem.file, stage: hubItem.stage, sortKey: key})
      continue
    }
    const file = findPath(hub, testDir, item)
    if (file === undefined) throw new CrowdError('hubtest', `${kind.slice(0, -1)} ${item} not found in the hub or the test directory`)
    const stage = path.basename(path.dirname(path.dirname(file)))
    if (!hub.stages[kind].includes(stage)) throw new CrowdError('hubtest', `${item}: stage ${stage} does not exist in the hub`)
    const key = `${stage}/${path.basename(file)}`
    installed.set(key, {path: file, stage, sortKey: key})
  }
  return [...installed.values()]
}

function installScenarios(hub: HubLayout, items: string[], testDir: string): string[] {
  const out: string[] = []
  const names = new Set<string>()
  for (const item of items) {
    let file: string | undefined
    if (/^[^/]+\/[^/]+$/.test(item)) {
      for (const ext of EXTENSIONS) {
        const p = path.join(hub.root, 'scenarios', item + ext)
        if (isFile(p)) {
          file = p
          break
        }
      }
    }
    file ??= findPath(hub, testDir, item)
    if (file === undefined) throw new CrowdError('hubtest', `scenario ${item} not found in the hub or the test directory`)
    if (names.has(path.basename(file))) continue
    names.add(path.basename(file))
    out.push(file)
  }
  return out
}

/** The 00_overrides.yaml node text for override_statics (hubtest.md §3.2). */
export function overridesNodeText(statics: unknown[]): string {
  return stringify({name: 'overrides', filter: '1==1', statics}, {defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN'})
}

export function installTest(hub: HubLayout, config: HubTestConfig, testDir: string): InstalledTest {
  const parsers = installStaged(hub, 'parsers', config.parsers, testDir)
  if (config.override_statics.length > 0) {
    parsers.push({path: path.join(testDir, '00_overrides.yaml'), stage: 's00-raw', sortKey: 's00-raw/00_overrides.yaml', text: overridesNodeText(config.override_statics)})
  }
  return {
    parsers,
    postoverflows: installStaged(hub, 'postoverflows', config.postoverflows, testDir),
    scenarios: installScenarios(hub, config.scenarios, testDir),
  }
}
