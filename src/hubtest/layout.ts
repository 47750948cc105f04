/**
 * Finding hub tests and reading their config.yaml (hubtest.md §1-2). PATH is one test
 * directory (it holds a config.yaml) or a directory of test directories. config.yaml is
 * read leniently (unknown keys ignored); string fields keep their YAML source text.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Node as YamlNode} from 'yaml'
import {isMap, isScalar, isSeq, parseDocument} from '../platform/yaml.js'
import {CrowdError} from '../model/errors.js'
import {compareBytes} from '../model/order.js'

export interface HubTestConfig {
  parsers: string[]
  scenarios: string[]
  postoverflows: string[]
  log_file: string
  log_type: string
  labels: Record<string, string>
  ignore_parsers: boolean
  /** Kept as plain data (strings, lists, maps) for the generated 00_overrides node. */
  override_statics: unknown[]
  own_data_dir: boolean
  nuclei_template: string
}

export interface HubTestDir {
  name: string
  dir: string
}

/** Tests under each PATH, in byte-wise name order per PATH. */
export function findHubTests(paths: string[]): HubTestDir[] {
  const out: HubTestDir[] = []
  for (const p of paths) {
    const dir = path.resolve(p)
    let stat: fs.Stats
    try {
      stat = fs.statSync(dir)
    } catch {
      throw new CrowdError('input', `no such test or test directory: ${p}`)
    }
    if (!stat.isDirectory()) throw new CrowdError('input', `not a directory: ${p}`)
    if (fs.existsSync(path.join(dir, 'config.yaml'))) {
      out.push({name: path.basename(dir), dir})
      continue
    }
    const names = fs.readdirSync(dir, {withFileTypes: true})
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'config.yaml')))
      .map((e) => e.name)
      .sort(compareBytes)
    if (names.length === 0) throw new CrowdError('input', `no hub test (a folder with config.yaml) in ${p}`)
    for (const name of names) out.push({name, dir: path.join(dir, name)})
  }
  return out
}

/** Plain JS data with every scalar as its source text (null -> null). */
function plain(node: unknown): unknown {
  if (node === null || node === undefined) return null
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return null
    if (node.type === 'PLAIN' && (v === '~' || v === 'null' || v === 'Null' || v === 'NULL' || v === '')) return null
    return String(v)
  }
  if (isSeq(node)) return node.items.map(plain)
  if (isMap(node)) {
    const out = Object.create(null) as Record<string, unknown>
    for (const pair of node.items) out[String(plain(pair.key))] = plain(pair.value)
    return out
  }
  return null
}

const TRUE_WORDS = /^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/

export function readHubTestConfig(testDir: string): HubTestConfig {
  const file = path.join(testDir, 'config.yaml')
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('hubtest', `cannot read config.yaml: ${(error as Error).message}`, {file})
  }
  const doc = parseDocument(text, {schema: 'failsafe', uniqueKeys: false, prettyErrors: false})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new CrowdError('hubtest', `invalid config.yaml: ${e.message.split('\n')[0]}`, {file, line: e.linePos?.[0]?.line})
  }
  const data = plain(doc.contents as YamlNode | null)
  const root = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : Object.create(null) as Record<string, unknown>
  const list = (key: string): string[] => {
    const v = root[key]
    if (!Array.isArray(v)) return []
    return v.map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '')
  }
  const str = (key: string): string => (typeof root[key] === 'string' ? (root[key] as string) : '')
  const bool = (key: string): boolean => typeof root[key] === 'string' && TRUE_WORDS.test(root[key] as string)
  const labels: Record<string, string> = Object.create(null) as Record<string, string>
  const rawLabels = root.labels
  if (rawLabels !== null && typeof rawLabels === 'object' && !Array.isArray(rawLabels)) {
    for (const [k, v] of Object.entries(rawLabels)) labels[k] = typeof v === 'string' ? v : ''
  }
  return {
    parsers: list('parsers'),
    scenarios: list('scenarios'),
    postoverflows: list('postoverflows'),
    log_file: str('log_file'),
    log_type: str('log_type'),
    labels,
    ignore_parsers: bool('ignore_parsers'),
    override_statics: Array.isArray(root.override_statics) ? (root.override_statics as unknown[]) : [],
    own_data_dir: bool('own_data_dir'),
    nuclei_template: str('nuclei_template'),
  }
}
