/**
 * CrowdSec hub content for detector tests: the parser and scenario files of collections of
 * ../shared/crowdsec-hub (resolved recursively through its .index.json), compiled once, and a
 * comparable summary of alerts.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import {parse as parseYaml} from 'yaml'
import type {RuntimeAlert} from '../../src/model/alert.js'
import {ExpectMode, newLogEvent, type Event} from '../../src/model/event.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'
import {loadParsers, type ParserSet} from '../../src/parse/index.js'
import {parserFileFromPath} from '../../src/parse/load.js'
import {createHelperContext} from '../../src/parse/services.js'
import {SHARED} from './run-cli.js'

export interface HubDetectContent {
  /** Parsers of the collections plus syslog-logs and dateparse-enrich, compiled. */
  parsers: ParserSet
  /** Scenario file paths (deduplicated, collection order). */
  scenarioFiles: string[]
  /** What loadScenarios needs to resolve data files like the scan does. */
  scenarioOptions: {helpers: ReturnType<typeof createHelperContext>; dataDir: string; hubIndex: Record<string, Record<string, {path: string}>>}
}

export function loadHubDetectContent(collections: readonly string[]): HubDetectContent {
  const hub = path.join(SHARED, 'crowdsec-hub')
  const index = JSON.parse(fs.readFileSync(path.join(hub, '.index.json'), 'utf8')) as Record<string, Record<string, {path: string}>>
  const parserNames = new Set(['crowdsecurity/syslog-logs', 'crowdsecurity/dateparse-enrich'])
  const scenarioNames = new Set<string>()
  const collect = (name: string): void => {
    const doc = parseYaml(fs.readFileSync(path.join(hub, index.collections![name]!.path), 'utf8')) as Record<string, string[] | undefined>
    for (const p of doc.parsers ?? []) parserNames.add(p)
    for (const s of doc.scenarios ?? []) scenarioNames.add(s)
    for (const c of doc.collections ?? []) collect(c)
  }
  for (const c of collections) collect(c)
  const now = (): GoTime => GoTime.now(UTC)
  const dataDir = path.join(hub, 'data')
  const helpers = createHelperContext({dataDir, logger: silentLogger, now})
  const parsers = loadParsers({files: [...parserNames].map((n) => parserFileFromPath(path.join(hub, index.parsers![n]!.path))),
    patternDirs: [path.join(hub, 'patterns')], dataDir, helpers, now})
  assert.equal(parsers.errors, [])
  const scenarioFiles = [...new Set([...scenarioNames].map((n) => path.join(hub, index.scenarios![n]!.path)))]
  return {parsers, scenarioFiles, scenarioOptions: {helpers, dataDir, hubIndex: index}}
}

/** An overflow as comparable data: scenario, source, counts, event times, message. */
export function alertSummary(e: Event): string {
  const a = (e.Overflow as unknown as RuntimeAlert).Alert as unknown as Record<string, unknown> | undefined
  if (a === undefined) return 'no alert'
  return JSON.stringify([a.Scenario, a.Source, a.EventsCount, a.Message, a.StartAt, a.StopAt, (a.Events as {Timestamp?: unknown}[] | undefined)?.map((x) => x.Timestamp)])
}

/**
 * genlogs nginx lines (SHARED/bench/genlogs.mjs, deterministic by seed) parsed by the content's
 * parsers, replay mode: the events a hub-content detector test pours.
 */
export function genlogsNginxEvents(content: HubDetectContent, o: {lines: number; seed: number; hours: number; attackRatio: number}): Event[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-genlogs-'))
  try {
    const log = path.join(dir, 'nginx.log')
    const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'nginx', '--lines', String(o.lines), '--seed', String(o.seed),
      '--hours', String(o.hours), '--attack-ratio', String(o.attackRatio), '--out', log])
    assert.is(r.status, 0)
    const events: Event[] = []
    for (const raw of fs.readFileSync(log, 'utf8').split('\n')) {
      if (raw === '') continue
      const e = newLogEvent({raw, src: log, module: 'file', labels: {type: 'nginx'}})
      e.ExpectMode = ExpectMode.timeMachine
      if (content.parsers.parse(e).parsed) events.push(e)
    }
    return events
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}
