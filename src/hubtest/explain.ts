/**
 * `crowd explain`: runs log lines through a set of parsers (chosen by hub name or through
 * hub collections) and reports, per line, every top-level node that ran, whether it
 * succeeded, and the fields it set (cscli explain).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parseYaml} from '../platform/yaml.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {ExpectMode, newLogEvent} from '../model/event.js'
import {GoTime, UTC} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {loadParsers, type FieldChange} from '../parse/index.js'
import type {ParserFileRef} from '../parse/load.js'
import {createHelperContext} from '../parse/services.js'
import {openHub, type HubLayout} from './install.js'
import {readTestLog} from './run.js'

export interface ExplainOptions {
  hubDir: string
  /** Log lines given directly (--line) or read from a file (--file). */
  lines?: string[]
  file?: string
  type: string
  parsers?: string[]
  collections?: string[]
  /** Include failed nodes in the report. */
  failures?: boolean
  logger?: Logger
  now?: () => GoTime
  /** Runs the compiling of the parsers (crowd explain: through its content cache bundle); the lines are explained outside it. */
  compileWith?: <T>(compile: () => T) => T
}

export interface ExplainNode {
  node: string
  success: boolean
  changes: FieldChange[]
}

export interface ExplainStage {
  stage: string
  nodes: ExplainNode[]
}

export interface ExplainLine {
  line: string
  parsed: boolean
  whitelisted: boolean
  stoppedAt?: string
  error?: string
  stages: ExplainStage[]
  meta: Record<string, string>
}

export interface ExplainResult {
  parsers: string[]
  lines: ExplainLine[]
  warnings: string[]
}

interface CollectionItems {
  parsers: string[]
}

function readCollection(hub: HubLayout, name: string, seen: Set<string>, out: CollectionItems): void {
  if (seen.has(name)) return
  seen.add(name)
  const file = ['.yaml', '.yml'].map((ext) => path.join(hub.root, 'collections', name + ext)).find((f) => fs.existsSync(f))
  if (file === undefined) throw new CrowdError('usage', `collection ${name} not found in ${hub.root}`)
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null
  const list = (k: string): string[] => (Array.isArray(doc?.[k]) ? (doc![k] as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '') : [])
  out.parsers.push(...list('parsers'))
  for (const sub of list('collections')) readCollection(hub, sub, seen, out)
}

function findParser(hub: HubLayout, name: string): ParserFileRef {
  for (const stage of hub.stages.parsers) {
    for (const ext of ['.yaml', '.yml']) {
      const file = path.join(hub.root, 'parsers', stage, name + ext)
      if (fs.existsSync(file)) return {path: file, stage, sortKey: `${stage}/${path.basename(file)}`}
    }
  }
  throw new CrowdError('usage', `parser ${name} not found in ${hub.root}`)
}

export function explain(options: ExplainOptions): ExplainResult {
  const logger = options.logger ?? silentLogger
  const now = options.now ?? (() => GoTime.now(UTC))
  const hub = openHub(options.hubDir)
  const names: string[] = [...(options.parsers ?? [])]
  const fromCollections: CollectionItems = {parsers: []}
  const seen = new Set<string>()
  for (const c of options.collections ?? []) readCollection(hub, c, seen, fromCollections)
  names.push(...fromCollections.parsers)
  if (names.length === 0) throw new CrowdError('usage', 'no parser selected: give --parser NAME or --collection NAME')
  const refs = new Map<string, ParserFileRef>()
  for (const n of names) {
    const ref = findParser(hub, n)
    refs.set(ref.sortKey!, ref)
  }
  const dataDir = path.join(hub.root, 'data')
  const helpers = createHelperContext({dataDir, logger, now})
  const compile = options.compileWith ?? (<T>(fn: () => T): T => fn())
  const set = compile(() => loadParsers({files: [...refs.values()], patternDirs: [path.join(hub.root, 'patterns')], dataDir, helpers, logger, now}))
  if (set.errors.length > 0) throw new CrowdErrorList([...set.errors])
  let lines: string[]
  let src = 'explain'
  if (options.file !== undefined) {
    src = path.resolve(options.file)
    try {
      lines = readTestLog(src).lines.map((l) => l.raw)
    } catch (error) {
      throw new CrowdError('input', `cannot read ${options.file}: ${(error as Error).message}`)
    }
  } else {
    lines = (options.lines ?? []).filter((l) => l !== '')
  }
  const out: ExplainResult = {parsers: [...refs.keys()], lines: [], warnings: [...set.warnings]}
  for (const raw of lines) {
    const evt = newLogEvent({raw, src, module: options.file !== undefined ? 'file' : 'explain', labels: {type: options.type}, time: now()})
    evt.ExpectMode = ExpectMode.timeMachine
    const outcome = set.parse(evt, {explain: true})
    const stages: ExplainStage[] = []
    for (const t of outcome.trace ?? []) {
      if (!t.success && options.failures !== true) continue
      let stage = stages[stages.length - 1]
      if (stage === undefined || stage.stage !== t.stage) {
        stage = {stage: t.stage, nodes: []}
        stages.push(stage)
      }
      stage.nodes.push({node: t.node, success: t.success, changes: t.changes})
    }
    const line: ExplainLine = {line: raw, parsed: outcome.parsed, whitelisted: outcome.whitelisted, stages, meta: {...evt.Meta}}
    if (outcome.stoppedAt !== undefined) line.stoppedAt = outcome.stoppedAt
    if (outcome.error !== undefined) line.error = outcome.error.message
    out.lines.push(line)
  }
  return out
}

/** The human view of an ExplainResult. */
export function renderExplain(result: ExplainResult): string {
  const out: string[] = []
  for (const l of result.lines) {
    out.push(`line: ${l.line}`)
    for (const s of l.stages) {
      out.push(`  ├ ${s.stage}`)
      s.nodes.forEach((n, i) => {
        const last = i === s.nodes.length - 1
        const changes = n.changes.length > 0 ? ` (${n.changes.length} field${n.changes.length === 1 ? '' : 's'})` : ''
        out.push(`  |  ${last ? '└' : '├'} ${n.success ? 'ok  ' : 'fail'} ${n.node}${changes}`)
        for (const c of n.changes) out.push(`  |  ${last ? ' ' : '|'}      + ${c.field} = ${JSON.stringify(c.value)}`)
      })
    }
    if (l.error !== undefined) out.push(`  └ error: ${l.error}`)
    else if (l.parsed) out.push(`  └ parser success${l.whitelisted ? ' (whitelisted: not poured into scenarios)' : ''}`)
    else out.push(`  └ parser failure${l.stoppedAt !== undefined ? ` (stopped at ${l.stoppedAt})` : ''}`)
    out.push('')
  }
  return out.join('\n')
}
