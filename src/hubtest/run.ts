/**
 * Running hub tests (hubtest.md §3, §5, §8): install the test's items in memory, read its
 * log as the file datasource does in time-machine mode, parse every line while recording
 * node results, evaluate parser.assert; then the scenario part through a pluggable
 * `runScenarios(events, scenarioFiles, ctx)` (from ../detect/index.js when it provides one).
 * A test that needs something unavailable here (GeoIP databases) is skipped with the reason.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {CrowdError} from '../model/errors.js'
import {newLogEvent, ExpectMode, type Event} from '../model/event.js'
import {GoTime, UTC} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {loadParsers, loadPostoverflows, usesGeoIp, type ParserSet} from '../parse/index.js'
import type {ParserFileRef} from '../parse/load.js'
import type {HelperContext} from '../parse/services.js'
import {generateParserAssertions, generateScenarioAssertions, runAssertFile, type AssertReport, type FailedAssertion} from './assert.js'
import {HubTestCache} from './cache.js'
import {installTest, openHub, type HubLayout} from './install.js'
import {findHubTests, readHubTestConfig, type HubTestConfig, type HubTestDir} from './layout.js'
import {ParserResultsRecorder} from './parser-results.js'

export type {HelperContext} from '../parse/services.js'

/** What the scenario part of a test gets (the seam for the detect stage). */
export interface ScenarioContext {
  logger: Logger
  hubDir: string
  dataDir: string
  testDir: string
  config: HubTestConfig
  helpers: HelperContext | undefined
  /** The test's postoverflows, compiled (overflows go through them, parsers.md §11). */
  postoverflows: ParserSet
  postoverflowFiles: ParserFileRef[]
  /** The parser results object, to which postoverflow node runs are added. */
  parserResults: ParserResultsRecorder
  now: () => GoTime
}

export interface ScenarioRunOutput {
  /** The overflow events, sorted as hubtest.md §6.2: the `results` of scenario.assert. */
  results: Event[]
}

export type ScenarioRunner = (events: Event[], scenarioFiles: string[], ctx: ScenarioContext) => Promise<ScenarioRunOutput> | ScenarioRunOutput

export interface HubTestResult {
  name: string
  path: string
  passed: boolean
  assertions: number
  failed_assertions: FailedAssertion[]
  /** Only for skipped tests: why. */
  skipped?: string
}

export interface HubTestRunResult {
  tests: HubTestResult[]
  passed: number
  failed: number
  skipped: number
}

export interface RunHubTestsOptions {
  hubDir: string
  logger?: Logger
  /** Data dir for `data:` files and GeoIP (default `<hub>/data`). */
  dataDir?: string
  /** Grok pattern dirs (default `<hub>/patterns`). */
  patternDirs?: string[]
  now?: () => GoTime
  /** The scenario engine; default: `runScenarios` of ../detect/index.js when it exists. */
  runScenarios?: ScenarioRunner
  /**
   * What the tests of one run share (pattern library, compiled grok patterns, data files).
   * runHubTests makes one per run; callers of runHubTest pass the same one to every test.
   */
  cache?: HubTestCache
}

const MAX_LINE = 64 * 1024

export interface LogLine {
  raw: string
  lineNo: number
}

/** The log as the file datasource reads it (hubtest.md §3.3). */
export function readTestLog(file: string): {lines: LogLine[]; error?: CrowdError} {
  let data = fs.readFileSync(file)
  if (file.endsWith('.gz')) data = gunzipSync(data)
  const text = data.toString('utf8')
  const lines: LogLine[] = []
  let start = 0
  let lineNo = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    lineNo++
    let raw = text.slice(start, end)
    start = end + 1
    if (raw.endsWith('\r')) raw = raw.slice(0, -1)
    if (Buffer.byteLength(raw) > MAX_LINE) return {lines, error: new CrowdError('input', 'line too long (more than 64 KiB): reading stopped', {file, line: lineNo})}
    if (raw === '') continue
    lines.push({raw, lineNo})
  }
  return {lines}
}

async function defaultScenarioRunner(): Promise<ScenarioRunner | undefined> {
  try {
    // the detect stage's hub-test runner (src/hubtest/scenarios.ts); a literal, so the bundle has it
    const mod = (await import('./scenarios.js')) as {runScenarios?: unknown}
    return typeof mod.runScenarios === 'function' ? (mod.runScenarios as ScenarioRunner) : undefined
  } catch {
    return undefined
  }
}

function fail(test: HubTestDir, error: unknown, assertions = 0, failed: FailedAssertion[] = []): HubTestResult {
  const message = error instanceof Error ? error.message : String(error)
  const line = error instanceof CrowdError ? error.line ?? 0 : 0
  return {name: test.name, path: test.dir, passed: false, assertions, failed_assertions: [...failed, {line, expression: '', error: message}]}
}

function reportFailures(report: AssertReport, which: string): FailedAssertion[] {
  if (report.generated !== undefined) {
    return [{line: 0, expression: '', error: `${which} was empty: ${report.generated} assertions generated into ${report.file}, please review them`}]
  }
  return report.failed
}

/** Runs one test. Never throws for test problems: they make the test fail. */
export async function runHubTest(test: HubTestDir, hub: HubLayout, options: RunHubTestsOptions, scenarioRunner?: ScenarioRunner): Promise<HubTestResult> {
  const logger = options.logger ?? silentLogger
  const now = options.now ?? (() => GoTime.now(UTC))
  const dataDir = options.dataDir ?? path.join(hub.root, 'data')
  const patternDirs = options.patternDirs ?? [path.join(hub.root, 'patterns')]
  let config: HubTestConfig
  try {
    config = readHubTestConfig(test.dir)
  } catch (error) {
    return fail(test, error)
  }
  if (config.log_file === '') {
    if (config.nuclei_template !== '') return {name: test.name, path: test.dir, passed: false, assertions: 0, failed_assertions: [], skipped: 'nuclei/appsec tests are not supported'}
    return fail(test, new CrowdError('hubtest', 'config.yaml has neither log_file nor nuclei_template'))
  }
  const logFile = path.resolve(test.dir, config.log_file)
  try {
    const installed = installTest(hub, config, test.dir)
    const cache = options.cache ?? new HubTestCache(logger)
    const helpers = cache.helperContext({dataDir, logger, now})
    const parsers = loadParsers({files: installed.parsers, patterns: cache.patternHost(patternDirs, logger), dataDir, helpers, logger, now})
    if (parsers.errors.length > 0) return fail(test, parsers.errors[0])
    if (usesGeoIp(parsers) && !geoIpAvailable(dataDir)) {
      return {name: test.name, path: test.dir, passed: false, assertions: 0, failed_assertions: [], skipped: `GeoIP databases (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb) not found in ${dataDir}`}
    }
    if (!fs.existsSync(logFile) || fs.statSync(logFile).size === 0) return fail(test, new CrowdError('hubtest', `log file ${config.log_file} is missing or empty`))
    const log = readTestLog(logFile)
    const labels: Record<string, string> = {...config.labels, type: config.log_type}
    const recorder = new ParserResultsRecorder()
    const observe = (stage: string, node: {name: string}, evt: Event, success: boolean): void => recorder.record(stage, node.name, evt, success)
    const poured: Event[] = []
    for (const line of log.lines) {
      const evt = newLogEvent({raw: line.raw, src: logFile, module: 'file', labels, time: now()})
      evt.ExpectMode = ExpectMode.timeMachine
      const outcome = parsers.parse(evt, {observe})
      if (outcome.parsed && !evt.Whitelisted) poured.push(evt)
    }
    if (log.error !== undefined) logger.warn(log.error.message)

    let assertions = 0
    const failed: FailedAssertion[] = []
    const hasScenarios = installed.scenarios.length > 0
    let scenarioResults: Event[] | undefined
    let skipped: string | undefined
    if (hasScenarios) {
      const runner = scenarioRunner
      if (runner === undefined) {
        skipped = 'the scenario engine is not available: scenario.assert not evaluated'
      } else {
        const postoverflows = loadPostoverflows({files: installed.postoverflows, patterns: cache.patternHost(patternDirs, logger), dataDir, helpers, logger, now})
        if (postoverflows.errors.length > 0) return fail(test, postoverflows.errors[0])
        const out = await runner(poured, installed.scenarios, {
          logger, hubDir: hub.root, dataDir, testDir: test.dir, config, helpers, postoverflows,
          postoverflowFiles: installed.postoverflows, parserResults: recorder, now,
        })
        scenarioResults = out.results
      }
    }
    if (!config.ignore_parsers) {
      const results = recorder.toResults()
      const report = runAssertFile(path.join(test.dir, 'parser.assert'), {results}, 'parser-assert', () => generateParserAssertions(results), helpers)
      assertions += report.assertions
      failed.push(...reportFailures(report, 'parser.assert'))
      if (report.error !== undefined) return {name: test.name, path: test.dir, passed: false, assertions, failed_assertions: failed}
    }
    if (scenarioResults !== undefined) {
      const report = runAssertFile(path.join(test.dir, 'scenario.assert'), {results: scenarioResults}, 'scenario-assert', () => generateScenarioAssertions(scenarioResults), helpers)
      assertions += report.assertions
      failed.push(...reportFailures(report, 'scenario.assert'))
    }
    if (failed.length === 0 && skipped !== undefined) return {name: test.name, path: test.dir, passed: false, assertions, failed_assertions: [], skipped}
    return {name: test.name, path: test.dir, passed: failed.length === 0, assertions, failed_assertions: failed}
  } catch (error) {
    if (error instanceof CrowdError) return fail(test, error)
    throw error
  }
}

function geoIpAvailable(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'GeoLite2-City.mmdb')) && fs.existsSync(path.join(dataDir, 'GeoLite2-ASN.mmdb'))
}

/** `crowd test run PATH...`: every test found under the paths. Throws CrowdError for usage problems. */
export async function runHubTests(paths: string[], options: RunHubTestsOptions): Promise<HubTestRunResult> {
  const hub = openHub(options.hubDir)
  const tests = findHubTests(paths)
  const runner = options.runScenarios ?? (await defaultScenarioRunner())
  const shared: RunHubTestsOptions = {...options, cache: options.cache ?? new HubTestCache(options.logger)}
  const out: HubTestRunResult = {tests: [], passed: 0, failed: 0, skipped: 0}
  for (const test of tests) {
    const result = await runHubTest(test, hub, shared, runner)
    out.tests.push(result)
    if (result.skipped !== undefined) out.skipped++
    else if (result.passed) out.passed++
    else out.failed++
  }
  return out
}
