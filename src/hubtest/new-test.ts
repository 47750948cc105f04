/**
 * `crowd test new NAME --log FILE --type T [--parser P]... [--scenario S]...`: creates a hub
 * test folder in the CrowdSec layout (config.yaml, the log, an empty assert file). Empty
 * assert files are filled from the observed results on the first `crowd test run`.
 *
 * Parsers needed by the named items are added from package manifests found under the plugins
 * directory (dependencies of type parser, recursively), plus the base parsers (syslog envelope,
 * date parsing, whitelists), so that a scenario test works without listing its parser chain.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {stringify as stringifyYaml} from 'yaml'
import {MANIFEST_FILE, parseManifest} from '../hub/manifest.js'
import {CrowdError} from '../model/errors.js'

export const BASE_TEST_PARSERS = ['crowd/syslog-logs', 'crowd/dateparse-enrich', 'crowd/whitelists'] as const

export interface NewTestOptions {
  /** Test folder name (letters, digits, `.`, `_`, `-`). */
  name: string
  /** The log file copied into the test. */
  log: string
  /** The log type (`evt.Line.Labels.type`): syslog, nginx, ... */
  logType: string
  parsers?: readonly string[]
  scenarios?: readonly string[]
  /** Folder that receives `<name>/`. */
  testsDir: string
  /** plugins/ folder used to resolve parser dependencies (skipped when absent). */
  pluginsDir?: string
  /** Do not add BASE_TEST_PARSERS. */
  noBaseParsers?: boolean
  force?: boolean
}

export interface NewTestResult {
  name: string
  directory: string
  kind: 'parser' | 'scenario'
  parsers: string[]
  scenarios: string[]
  log_lines: number
  files: string[]
}

const TEST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const LOG_TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Parser packages an item needs, from `crowd-package.toml` dependencies (depth-first, deduplicated). */
export function parserDependencies(item: string, pluginsDir: string, seen: Set<string> = new Set()): string[] {
  const out: string[] = []
  const file = path.join(pluginsDir, ...item.split('/'), MANIFEST_FILE)
  if (seen.has(item) || !fs.existsSync(file)) return out
  seen.add(item)
  const {manifest} = parseManifest(fs.readFileSync(file, 'utf8'), file)
  for (const dep of Object.keys(manifest.dependencies).sort()) {
    const depFile = path.join(pluginsDir, ...dep.split('/'), MANIFEST_FILE)
    out.push(...parserDependencies(dep, pluginsDir, seen))
    if (fs.existsSync(depFile) && parseManifest(fs.readFileSync(depFile, 'utf8'), depFile).manifest.type === 'parser') out.push(dep)
  }
  return out
}

export function createHubTest(options: NewTestOptions): NewTestResult {
  if (!TEST_NAME.test(options.name)) throw new CrowdError('usage', `invalid test name "${options.name}" (letters, digits, ".", "_", "-")`)
  if (!LOG_TYPE.test(options.logType)) throw new CrowdError('usage', `invalid log type "${options.logType}"`)
  let log: string
  try {
    log = fs.readFileSync(options.log, 'utf8')
  } catch (error) {
    throw new CrowdError('input', `cannot read the log: ${(error as Error).message}`, {file: options.log})
  }
  const logLines = log.split('\n').filter((l) => l !== '' && l !== '\r').length
  if (logLines === 0) throw new CrowdError('input', 'the log is empty (a hub test needs at least one line)', {file: options.log})
  const scenarios = [...new Set(options.scenarios ?? [])]
  const wanted: string[] = [...(options.noBaseParsers ? [] : BASE_TEST_PARSERS)]
  if (options.pluginsDir !== undefined && fs.existsSync(options.pluginsDir)) {
    for (const item of [...(options.parsers ?? []), ...scenarios]) wanted.push(...parserDependencies(item, options.pluginsDir))
  }
  wanted.push(...(options.parsers ?? []))
  const parsers = [...new Set(wanted)]
  if (parsers.length === 0) throw new CrowdError('usage', 'a test needs at least one parser (--parser)')
  const kind = scenarios.length > 0 ? 'scenario' : 'parser'

  const directory = path.resolve(options.testsDir, options.name)
  const logName = `${options.name}.log`
  const assertName = kind === 'scenario' ? 'scenario.assert' : 'parser.assert'
  const files = ['config.yaml', logName, assertName]
  if (!options.force) {
    const existing = files.filter((f) => fs.existsSync(path.join(directory, f)))
    if (existing.length > 0) throw new CrowdError('usage', `test "${options.name}" already exists (${existing.join(', ')}); use --force to overwrite`, {file: directory})
  }
  const config: Record<string, unknown> = {
    parsers,
    scenarios: scenarios.length > 0 ? scenarios : [''],
    postoverflows: [''],
    log_file: logName,
    log_type: options.logType,
  }
  if (kind === 'scenario') config.ignore_parsers = true
  fs.mkdirSync(directory, {recursive: true})
  fs.writeFileSync(path.join(directory, 'config.yaml'), stringifyYaml(config))
  fs.writeFileSync(path.join(directory, logName), log.endsWith('\n') ? log : log + '\n')
  fs.writeFileSync(path.join(directory, assertName), '')
  return {name: options.name, directory, kind, parsers, scenarios, log_lines: logLines, files: files.sort()}
}
