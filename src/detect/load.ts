/**
 * Scenario files -> scenario documents (scenarios.md §3): multi-document YAML decoded
 * strictly (unknown keys and wrong types are errors naming file and line), the format
 * version gate, and the file's sha256 (the alert's scenario_hash).
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Node as YamlNode} from 'yaml'
import {isMap, isScalar, isSeq, lineCounter as newLineCounter, parseAllDocuments} from '../platform/yaml.js'
import {CrowdError} from '../model/errors.js'
import {throughContentCache} from '../platform/content-cache.js'
import {
  BAYESIAN_CONDITION_FIELDS,
  DATA_FIELDS,
  SCENARIO_FIELDS,
  SCOPE_FIELDS,
  type ScenarioConfig,
} from './scenario-config.js'

export interface ScenarioDocument {
  config: ScenarioConfig
  file: string
  /** 0-based index of the document in its file. */
  docIndex: number
  /** 1-based line of the document's first key. */
  line: number
  /** 1-based line of each top-level key. */
  keyLines: Partial<Record<keyof ScenarioConfig, number>>
  /** lowercase hex sha256 of the whole file. */
  hash: string
}

export interface LoadedFile {
  file: string
  documents: ScenarioDocument[]
  /** Documents skipped because their `format` is outside >= 1.0, <= 3.0 (not fatal). */
  skipped: {docIndex: number; reason: string}[]
}

/** Lists scenario files: each argument is a file or a directory searched recursively, in byte-wise path order. */
export function listScenarioFiles(paths: string[]): string[] {
  const out: string[] = []
  const walk = (p: string): void => {
    const st = fs.statSync(p)
    if (st.isDirectory()) {
      const names = fs.readdirSync(p).sort()
      for (const name of names) {
        const child = path.join(p, name)
        if (fs.statSync(child).isDirectory() || /\.ya?ml$/.test(name)) walk(child)
      }
    } else {
      out.push(p)
    }
  }
  for (const p of paths) walk(p)
  return out
}

/** Reads and decodes one file. Throws a CrowdError (code 'scenario') on the first fatal problem. */
export function loadScenarioFile(file: string, text?: string): LoadedFile {
  let bytes: Buffer
  try {
    bytes = text === undefined ? fs.readFileSync(file) : Buffer.from(text, 'utf8')
  } catch (e) {
    throw new CrowdError('scenario', `cannot read scenario file: ${(e as Error).message}`, {file})
  }
  const hash = createHash('sha256').update(bytes).digest('hex')
  // kept under the file's path and bytes (a file that does not decode throws: nothing is kept)
  return throughContentCache('scenario-file', [file, hash], () => decodeScenarioFile(file, bytes, hash))
}

function decodeScenarioFile(file: string, bytes: Buffer, hash: string): LoadedFile {
  const source = bytes.toString('utf8')
  const lineCounter = newLineCounter()
  const docs = parseAllDocuments(source, {lineCounter, uniqueKeys: true})
  const loaded: LoadedFile = {file, documents: [], skipped: []}
  const list = [...docs]
  const lineOf = (node: {range?: [number, number, number] | null} | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined
  list.forEach((doc, docIndex) => {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!
      throw new CrowdError('scenario', `invalid YAML: ${yamlReason(err.message)}`, {file, line: err.linePos?.[0]?.line})
    }
    const contents = doc.contents
    if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) return // empty document
    if (!isMap(contents)) throw new CrowdError('scenario', 'a scenario document must be a mapping', {file, line: lineOf(contents)})
    const config: Record<string, unknown> = {}
    const keyLines: Record<string, number> = {}
    for (const pair of contents.items) {
      const keyNode = pair.key as YamlNode | null
      const key = isScalar(keyNode) ? String(keyNode.value) : ''
      const line = lineOf(keyNode as never) ?? lineOf(contents)
      if (!Object.hasOwn(SCENARIO_FIELDS, key)) {
        throw new CrowdError('scenario', `unknown field "${key}" in scenario`, {file, line})
      }
      const kind = SCENARIO_FIELDS[key as keyof ScenarioConfig]
      config[key] = decode(kind, pair.value as YamlNode | null, key, {file, line}, lineOf)
      if (line !== undefined) keyLines[key] = line
    }
    const docLine = lineOf(contents) ?? 1
    const format = config.format as string | undefined
    if (format !== undefined && format !== '') {
      const v = parseVersion(format)
      if (v === null) throw new CrowdError('scenario', `invalid format version "${format}"`, {file, line: keyLines.format})
      if (compareVersions(v, [1, 0]) < 0 || compareVersions(v, [3, 0]) > 0) {
        loaded.skipped.push({docIndex, reason: `scenario format ${format} is not supported (>= 1.0, <= 3.0)`})
        return
      }
    }
    loaded.documents.push({config: config as unknown as ScenarioConfig, file, docIndex, line: docLine, keyLines, hash})
  })
  return loaded
}

type LineOf = (node: {range?: [number, number, number] | null} | null | undefined) => number | undefined

function decode(kind: string, node: YamlNode | null, key: string, where: {file: string; line?: number}, lineOf: LineOf): unknown {
  const at = {file: where.file, line: lineOf(node as never) ?? where.line}
  const fail = (what: string): never => {
    throw new CrowdError('scenario', `field "${key}": ${what}`, at)
  }
  if (node === null || (isScalar(node) && node.value === null)) return undefined
  switch (kind) {
    case 'string':
    case 'duration': {
      if (!isScalar(node)) return fail('expected a string')
      const v = node.value
      if (typeof v === 'string') return v
      if (typeof v === 'number' || typeof v === 'boolean') return String(node.source ?? v)
      return fail('expected a string')
    }
    case 'int': {
      if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) return fail('expected an integer')
      return node.value
    }
    case 'float': {
      if (!isScalar(node) || typeof node.value !== 'number') return fail('expected a number')
      return node.value
    }
    case 'bool': {
      if (!isScalar(node) || typeof node.value !== 'boolean') return fail('expected a boolean')
      return node.value
    }
    case 'map': {
      if (!isMap(node)) return fail('expected a mapping')
      return node.toJSON() as unknown
    }
    case 'strings': {
      if (!isSeq(node)) return fail('expected a list of strings')
      return node.items.map((item) => decode('string', item as YamlNode, key, at, lineOf))
    }
    case 'scope':
      return decodeStruct(node, SCOPE_FIELDS, key, at, lineOf)
    case 'bayesian': {
      if (!isSeq(node)) return fail('expected a list')
      return node.items.map((item) => decodeStruct(item as YamlNode, BAYESIAN_CONDITION_FIELDS, key, at, lineOf))
    }
    case 'data': {
      if (!isSeq(node)) return fail('expected a list')
      return node.items.map((item) => decodeStruct(item as YamlNode, DATA_FIELDS, key, at, lineOf))
    }
    default:
      return fail(`unsupported kind ${kind}`)
  }
}

function decodeStruct(node: YamlNode | null, fields: Readonly<Record<string, string>>, parent: string,
  where: {file: string; line?: number}, lineOf: LineOf): Record<string, unknown> {
  const at = {file: where.file, line: lineOf(node as never) ?? where.line}
  if (!isMap(node)) throw new CrowdError('scenario', `field "${parent}": expected a mapping`, at)
  const out: Record<string, unknown> = {}
  for (const pair of node.items) {
    const keyNode = pair.key as YamlNode | null
    const key = isScalar(keyNode) ? String(keyNode.value) : ''
    const line = lineOf(keyNode as never) ?? at.line
    if (!Object.hasOwn(fields, key)) throw new CrowdError('scenario', `unknown field "${key}" in ${parent}`, {file: at.file, line})
    out[key] = decode(fields[key]!, pair.value as YamlNode | null, `${parent}.${key}`, {file: at.file, line}, lineOf)
  }
  return out
}

/** hashicorp go-version style: digits separated by dots, optional leading v. */
export function parseVersion(text: string): number[] | null {
  const m = /^v?(\d+(?:\.\d+){0,2})$/.exec(text.trim())
  return m === null ? null : m[1]!.split('.').map(Number)
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/** The yaml package's message without its own "at line N, column M:" suffix and excerpt. */
function yamlReason(message: string): string {
  const first = message.split('\n')[0]!
  const at = first.indexOf(' at line ')
  return at >= 0 ? first.slice(0, at) : first
}
