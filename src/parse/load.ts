/**
 * Finding and decoding parser files (parsers.md §2): a CrowdSec-layout directory
 * (`<dir>/<stage>/<file>.yaml`) or an explicit list of files, sorted byte-wise by path,
 * each decoded document by document. A file that cannot be read or decoded is reported
 * (CrowdError with file and line) and skipped; it never stops the others from loading.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {lineCounter, parseAllDocuments} from '../platform/yaml.js'
import {CrowdError} from '../model/errors.js'
import {activeContentCache, cacheKey} from '../platform/content-cache.js'
import {decodeNodeConfig, type NodeConfig} from './node-config.js'
import {compareBytes} from '../model/order.js'

/** One parser file to load. `sortKey` orders files (CrowdSec sorts full install paths). */
export interface ParserFileRef {
  /** Where to read it. */
  path: string
  /** The stage, from the directory it is installed in. */
  stage: string
  /** Byte-wise sort key; defaults to `<stage>/<file name>`. */
  sortKey?: string
  /** Text to use instead of reading `path` (generated files such as 00_overrides.yaml). */
  text?: string
}

export interface LoadedNode {
  config: NodeConfig
  file: string
  stage: string
  /** 0-based document index in its file. */
  document: number
}

export interface LoadedFiles {
  nodes: LoadedNode[]
  errors: CrowdError[]
  warnings: string[]
  files: string[]
}

const YAML_FILE = /\.ya?ml$/

/** Parser files of a CrowdSec-layout dir: `<dir>/<stage>/*.yaml` (and author subfolders, as the hub has them). */
export function findParserFiles(dir: string): ParserFileRef[] {
  const refs: ParserFileRef[] = []
  let stages: fs.Dirent[]
  try {
    stages = fs.readdirSync(dir, {withFileTypes: true})
  } catch (error) {
    throw new CrowdError('input', `cannot read parser directory: ${(error as Error).message}`, {file: dir})
  }
  for (const stage of stages) {
    if (!stage.isDirectory()) continue
    const stageDir = path.join(dir, stage.name)
    for (const entry of fs.readdirSync(stageDir, {withFileTypes: true})) {
      const full = path.join(stageDir, entry.name)
      if (entry.isDirectory()) {
        for (const sub of fs.readdirSync(full, {withFileTypes: true})) {
          if (sub.isFile() && YAML_FILE.test(sub.name)) refs.push({path: path.join(full, sub.name), stage: stage.name, sortKey: `${stage.name}/${entry.name}/${sub.name}`})
        }
      } else if (YAML_FILE.test(entry.name)) {
        refs.push({path: full, stage: stage.name, sortKey: `${stage.name}/${entry.name}`})
      }
    }
  }
  return refs
}

/** A file given on its own: its stage is the name of the directory holding it (or of its grandparent in the hub layout). */
export function parserFileFromPath(file: string): ParserFileRef {
  const parent = path.basename(path.dirname(file))
  const grand = path.basename(path.dirname(path.dirname(file)))
  const stage = /^s\d\d-/.test(parent) ? parent : grand
  return {path: file, stage, sortKey: `${stage}/${path.basename(file)}`}
}

export function sortParserFiles(refs: ParserFileRef[]): ParserFileRef[] {
  return [...refs].sort((a, b) => compareBytes(a.sortKey ?? `${a.stage}/${path.basename(a.path)}`, b.sortKey ?? `${b.stage}/${path.basename(b.path)}`))
}

/** Go-version style comparison for `format` (numeric dot-separated parts). */
function parseVersion(text: string): number[] | undefined {
  const m = /^v?(\d+(?:\.\d+)*)(?:[-+].*)?$/.exec(text)
  return m ? m[1]!.split('.').map(Number) : undefined
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Reads and decodes the files, in sorted order. */
export function loadParserFiles(refs: ParserFileRef[]): LoadedFiles {
  const out: LoadedFiles = {nodes: [], errors: [], warnings: [], files: []}
  for (const ref of sortParserFiles(refs)) {
    let text: string
    try {
      text = ref.text ?? fs.readFileSync(ref.path, 'utf8')
    } catch (error) {
      out.errors.push(new CrowdError('parser', `cannot read parser file: ${(error as Error).message}`, {file: ref.path}))
      continue
    }
    out.files.push(ref.path)
    const fileNodes = decodeFileCached(ref, text, out)
    if (fileNodes !== undefined) out.nodes.push(...fileNodes)
  }
  return out
}

/**
 * decodeFile through the content cache in force: a file that decodes without an error or a
 * warning is kept under its path, stage and text.
 */
function decodeFileCached(ref: ParserFileRef, text: string, out: LoadedFiles): LoadedNode[] | undefined {
  const cache = activeContentCache()
  if (cache === undefined) return decodeFile(ref, text, out)
  const key = cacheKey('parser-file', ref.path, ref.stage, text)
  const hit = cache.lookup<LoadedNode[]>('parser-file', key)
  if (hit !== undefined) return hit
  const [errors, warnings] = [out.errors.length, out.warnings.length]
  const nodes = decodeFile(ref, text, out)
  if (nodes === undefined || out.errors.length !== errors || out.warnings.length !== warnings) return nodes
  return cache.store('parser-file', key, nodes)
}

function decodeFile(ref: ParserFileRef, text: string, out: LoadedFiles): LoadedNode[] | undefined {
  const lines = lineCounter()
  const docs = parseAllDocuments(text, {schema: 'failsafe', lineCounter: lines, uniqueKeys: true, prettyErrors: false})
  const nodes: LoadedNode[] = []
  const list = Array.isArray(docs) ? docs : [docs]
  for (let i = 0; i < list.length; i++) {
    const doc = list[i]!
    const yamlError = doc.errors[0]
    if (yamlError !== undefined) {
      const at = lines.linePos(yamlError.pos[0])
      out.errors.push(new CrowdError('parser', `invalid YAML: ${yamlError.message.split('\n')[0]}`, {file: ref.path, line: at.line, column: at.col}))
      return undefined
    }
    if (doc.contents === null) continue
    let config: NodeConfig
    try {
      config = decodeNodeConfig({file: ref.path, lines, doc}, doc.contents)
    } catch (error) {
      if (error instanceof CrowdError) {
        out.errors.push(error)
        return undefined
      }
      throw error
    }
    if (config.name === '' && config.description === '' && config.author === '') continue
    const format = config.format === '' ? '1.0' : config.format
    const version = parseVersion(format)
    if (version === undefined) {
      out.errors.push(new CrowdError('parser', `invalid format version ${JSON.stringify(format)}`, {file: ref.path, line: config.line || undefined}))
      return undefined
    }
    if (compareVersions(version, [1, 0]) < 0 || compareVersions(version, [3, 0]) > 0) {
      out.warnings.push(`${ref.path}: node ${config.name}: format ${format} is not within [1.0, 3.0], skipped`)
      continue
    }
    nodes.push({config, file: ref.path, stage: ref.stage, document: i})
  }
  return nodes
}
