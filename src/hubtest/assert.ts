/**
 * Assert files (hubtest.md §5, §9): evaluated line by line against `results` with the
 * expression language (env 'parser-assert' / 'scenario-assert'). A compile or runtime
 * error, or a non-boolean result, is an error of the test; `false` is a failed assertion.
 * An empty (or blank-only, or missing) file gets generated assertions written into it,
 * and the test fails asking for them to be reviewed.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {compileExpr} from '../expr/index.js'
import {CrowdError} from '../model/errors.js'
import type {Event} from '../model/event.js'
import {isFloat, isGoFloat, numberValue} from '../model/go-values.js'
import {sourceOf, type RuntimeAlert} from '../model/alert.js'
import type {ParserResults} from './parser-results.js'
import {helperTableFor, type HelperContext} from '../parse/services.js'
import {compareBytes} from '../model/order.js'
import {formatGoFloatF} from '../parse/statics.js'

export interface FailedAssertion {
  line: number
  expression: string
  error: string
}

export interface AssertReport {
  file: string
  /** Lines evaluated. */
  assertions: number
  failed: FailedAssertion[]
  /** Set when the file was empty and assertions were generated into it. */
  generated?: number
  /** A compile/runtime error or non-boolean line: the test errors. */
  error?: CrowdError
}

export type AssertEnv = 'parser-assert' | 'scenario-assert'

/** The basename shim of §5 step 3.1. */
export function shimBasename(line: string): string {
  if (!line.includes('datasource_path') || line.includes('basename(')) return line
  const parts = line.split('==')
  if (parts.length < 2) return line
  return `basename(${parts[0]}) == ${parts[1]}`
}

export function assertLines(text: string): Array<{line: number; text: string}> {
  const out: Array<{line: number; text: string}> = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!
    if (l.endsWith('\r')) l = l.slice(0, -1)
    if (l === '') continue
    out.push({line: i + 1, text: l})
  }
  return out
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (v === null || v === undefined) return 'nil'
  if (isGoFloat(v)) return String(v.value)
  return typeof v === 'object' ? Object.prototype.toString.call(v) : String(v)
}

/** For a false `a == b` line, the value of `a` (best effort, for messages). */
function leftValue(line: string, vars: Record<string, unknown>, helpers: HelperContext | undefined, env: AssertEnv): string | undefined {
  const at = line.lastIndexOf(' == ')
  if (at < 0) return undefined
  try {
    return describeValue(compileExpr(line.slice(0, at), {env, helpers, helperTable: helperTableFor(helpers)}).run(vars))
  } catch {
    return undefined
  }
}

/** Evaluates an assert file's lines. Stops at the first error (the test errors). */
export function evaluateAssertions(file: string, text: string, vars: Record<string, unknown>, env: AssertEnv, helpers?: HelperContext): AssertReport {
  const report: AssertReport = {file, assertions: 0, failed: []}
  for (const {line, text: raw} of assertLines(text)) {
    const source = shimBasename(raw)
    let result: unknown
    try {
      result = compileExpr(source, {env, location: {file, line}, helpers, helperTable: helperTableFor(helpers)}).run(vars)
    } catch (error) {
      report.error = error instanceof CrowdError ? error : new CrowdError('hubtest', (error as Error).message, {file, line})
      report.failed.push({line, expression: raw, error: (error as Error).message})
      return report
    }
    report.assertions++
    if (typeof result !== 'boolean') {
      report.error = new CrowdError('hubtest', `assertion ${raw} is not a condition`, {file, line})
      report.failed.push({line, expression: raw, error: report.error.reason})
      return report
    }
    if (!result) {
      const got = leftValue(source, vars, helpers, env)
      report.failed.push({line, expression: raw, error: got === undefined ? 'false' : `false (got ${got})`})
    }
  }
  return report
}

function quote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function sortedKeys(m: object): string[] {
  return Object.keys(m).sort(compareBytes)
}

function unmarshaledLines(prefix: string, value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(`${prefix} == ${quote(value)}`)
  else if (typeof value === 'boolean') out.push(`${prefix} == ${value}`)
  else if (isFloat(value)) out.push(`FloatApproxEqual(${prefix}, ${formatGoFloatF(numberValue(value)!)})`)
  else if (typeof value === 'number') out.push(`${prefix} == ${value}`)
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const k of sortedKeys(value)) unmarshaledLines(`${prefix}[${quote(k)}]`, (value as Record<string, unknown>)[k], out)
  }
}

/** Parser assertions as `cscli hubtest` generates them (§9). */
export function generateParserAssertions(results: ParserResults): string[] {
  const out = [`len(results) == ${Object.keys(results).length}`]
  for (const stage of sortedKeys(results)) {
    const nodes = results[stage]!
    for (const name of sortedKeys(nodes)) {
      const list = nodes[name]!
      const base = `results[${quote(stage)}][${quote(name)}]`
      out.push(`len(${base}) == ${list.length}`)
      list.forEach((r, i) => {
        const at = `${base}[${i}]`
        out.push(`${at}.Success == ${r.Success}`)
        if (!r.Success) return
        const evt: Event = r.Evt
        for (const [mapName, m] of [['Parsed', evt.Parsed], ['Meta', evt.Meta], ['Enriched', evt.Enriched]] as const) {
          for (const k of sortedKeys(m)) {
            const v = m[k]!
            if (v === '') continue
            if (mapName === 'Meta' && k === 'datasource_path') out.push(`basename(${at}.Evt.Meta[${quote(k)}]) == ${quote(path.basename(v))}`)
            else out.push(`${at}.Evt.${mapName}[${quote(k)}] == ${quote(v)}`)
          }
        }
        for (const k of sortedKeys(evt.Unmarshaled)) unmarshaledLines(`${at}.Evt.Unmarshaled[${quote(k)}]`, evt.Unmarshaled[k], out)
        out.push(`${at}.Evt.Whitelisted == ${evt.Whitelisted}`)
        if (evt.WhitelistReason !== '') out.push(`${at}.Evt.WhitelistReason == ${quote(evt.WhitelistReason)}`)
      })
    }
  }
  return out
}

/** Scenario assertions as `cscli hubtest` generates them (§9), over results already sorted as §6.2. */
export function generateScenarioAssertions(results: readonly Event[]): string[] {
  const out = [`len(results) == ${results.length}`]
  results.forEach((evt, i) => {
    const overflow = evt.Overflow as unknown as RuntimeAlert
    const at = `results[${i}].Overflow`
    for (const key of overflow.GetSources()) {
      const source = sourceOf(overflow, key)
      const ref = `${at}.Sources[${quote(key)}]`
      out.push(`${quote(key)} in ${at}.GetSources()`)
      out.push(`${ref}.IP == ${quote(source.IP)}`, `${ref}.Range == ${quote(source.Range)}`)
      out.push(`${ref}.GetScope() == ${quote(source.GetScope())}`, `${ref}.GetValue() == ${quote(source.GetValue())}`)
    }
    const alert = overflow.Alert
    if (alert === null) return
    alert.Events.forEach((entry, j) => {
      for (const item of entry.Meta) {
        const read = `${at}.Alert.Events[${j}].GetMeta(${quote(item.Key)})`
        if (item.Key === 'datasource_path') out.push(`basename(${read}) == ${quote(path.basename(item.Value))}`)
        else out.push(`${read} == ${quote(item.Value)}`)
      }
    })
    out.push(`${at}.Alert.GetScenario() == ${quote(alert.GetScenario())}`)
    out.push(`${at}.Alert.Remediation == ${alert.Remediation}`)
    out.push(`${at}.Alert.GetEventsCount() == ${alert.GetEventsCount()}`)
  })
  return out
}

/**
 * Reads an assert file; when it is missing or has no non-empty line, writes the generated
 * lines into it and reports them (the test then fails).
 */
export function runAssertFile(file: string, vars: Record<string, unknown>, env: AssertEnv, generate: () => string[], helpers?: HelperContext): AssertReport {
  let text = ''
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    text = ''
  }
  if (assertLines(text).length === 0) {
    const lines = generate()
    try {
      fs.writeFileSync(file, lines.join('\n') + '\n')
    } catch (error) {
      return {file, assertions: 0, failed: [], generated: lines.length, error: new CrowdError('hubtest', `cannot write generated assertions: ${(error as Error).message}`, {file})}
    }
    return {file, assertions: 0, failed: [], generated: lines.length}
  }
  return evaluateAssertions(file, text, vars, env, helpers)
}
