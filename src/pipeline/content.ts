/**
 * Detection content for a scan: hub items selected by name from a CrowdSec-layout hub
 * directory (`--hub DIR` with `--collection`, `--parser`, `--scenario`, `--postoverflow`).
 * Collections resolve recursively (cycles are ignored); every missing item is reported at once.
 *
 *   parsers/<stage>/<author>/<name>.yaml      scenarios/<author>/<name>.yaml
 *   postoverflows/<stage>/<author>/<name>.yaml collections/<author>/<name>.yaml   data/<file>
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parse as parseYaml} from 'yaml'
import {CrowdError, CrowdErrorList} from '../model/errors.js'

export interface ContentSelection {
  hubDir: string
  collections?: readonly string[]
  parsers?: readonly string[]
  scenarios?: readonly string[]
  postoverflows?: readonly string[]
}

export interface StagedFile {
  path: string
  stage: string
  /** The hub item name (author/name). */
  item: string
}

export interface ScanContent {
  parsers: StagedFile[]
  postoverflows: StagedFile[]
  scenarios: {path: string; item: string}[]
  /** Where data files (`data:` dest_file) are looked up. */
  dataDir: string
  /** Collections that were expanded, in resolution order. */
  collections: string[]
}

type Kind = 'parsers' | 'postoverflows' | 'scenarios' | 'collections'

export function resolveContent(selection: ContentSelection): ScanContent {
  const hub = selection.hubDir
  if (!fs.existsSync(hub) || !fs.statSync(hub).isDirectory()) throw new CrowdError('config', 'hub directory not found', {file: hub})
  const errors: CrowdError[] = []
  const content: ScanContent = {parsers: [], postoverflows: [], scenarios: [], dataDir: path.join(hub, 'data'), collections: []}
  const seen = new Set<string>()
  const stageIndex = new Map<Kind, Map<string, StagedFile>>()

  const staged = (kind: 'parsers' | 'postoverflows'): Map<string, StagedFile> => {
    let index = stageIndex.get(kind)
    if (index !== undefined) return index
    index = new Map()
    const root = path.join(hub, kind)
    for (const stage of safeReaddir(root)) {
      for (const author of safeReaddir(path.join(root, stage))) {
        for (const file of safeReaddir(path.join(root, stage, author))) {
          const m = /^(.*)\.ya?ml$/.exec(file)
          if (m !== null) index.set(`${author}/${m[1]}`, {path: path.join(root, stage, author, file), stage, item: `${author}/${m[1]}`})
        }
      }
    }
    stageIndex.set(kind, index)
    return index
  }

  const add = (kind: Kind, name: string, from: string | undefined): void => {
    const key = `${kind}:${name}`
    if (seen.has(key)) return
    seen.add(key)
    const where = from === undefined ? 'given on the command line' : `required by collection ${from}`
    if (kind === 'parsers' || kind === 'postoverflows') {
      const file = staged(kind).get(name)
      if (file === undefined) errors.push(new CrowdError('config', `unknown ${kind.slice(0, -1)} '${name}' (${where}) in hub`, {file: hub}))
      else content[kind].push(file)
      return
    }
    const file = findYaml(path.join(hub, kind, ...name.split('/')))
    if (file === undefined) {
      errors.push(new CrowdError('config', `unknown ${kind.slice(0, -1)} '${name}' (${where}) in hub`, {file: hub}))
      return
    }
    if (kind === 'scenarios') {
      content.scenarios.push({path: file, item: name})
      return
    }
    content.collections.push(name)
    let doc: Record<string, unknown>
    try {
      doc = (parseYaml(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>
    } catch (error) {
      errors.push(new CrowdError('config', `cannot read collection: ${(error as Error).message.split('\n')[0]}`, {file}))
      return
    }
    for (const sub of ['parsers', 'postoverflows', 'scenarios', 'collections'] as const) {
      const list = doc[sub]
      if (list === undefined || list === null) continue
      if (!Array.isArray(list)) {
        errors.push(new CrowdError('config', `'${sub}' must be a list`, {file}))
        continue
      }
      for (const item of list) add(sub, String(item), name)
    }
  }

  for (const name of selection.collections ?? []) add('collections', name, undefined)
  for (const name of selection.parsers ?? []) add('parsers', name, undefined)
  for (const name of selection.scenarios ?? []) add('scenarios', name, undefined)
  for (const name of selection.postoverflows ?? []) add('postoverflows', name, undefined)
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new CrowdErrorList(errors)
  const byStagePath = (a: StagedFile, b: StagedFile): number => compare(`${a.stage}/${a.item}`, `${b.stage}/${b.item}`)
  content.parsers.sort(byStagePath)
  content.postoverflows.sort(byStagePath)
  return content
}

function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function findYaml(base: string): string | undefined {
  for (const ext of ['.yaml', '.yml']) if (fs.existsSync(base + ext)) return base + ext
  return undefined
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort()
  } catch {
    return []
  }
}
