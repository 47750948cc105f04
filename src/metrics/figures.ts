/**
 * The figures `crowd watch` hands to the metrics: plain counters read at scrape time (the pipeline
 * does no per-event work for metrics), cumulative since the process (or the `--once` run) started.
 * The same shape is what a `--once` run saves to `<dataDir>/watch/metrics.json`, what
 * `crowd metrics --json` prints, and what exposition.ts rebuilds from a Prometheus endpoint; so
 * it is checked and put in one canonical form (key order, row order, UTC timestamps) here.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {compareBytes} from '../model/order.js'

/** One acquisition source: a file path, a syslog sender address, `journalctl-...`, or stdin. */
export interface AcquisitionFigures {
  source: string
  /** The acquisition module: file, syslog, journalctl, stdin (CrowdSec's `type` label in cs_parser_hits_total). */
  module: string
  /** The log type label (`labels.type`); empty when unknown (read from a CrowdSec endpoint). */
  type: string
  lines_read: number
  lines_parsed: number
  lines_unparsed: number
  /**
   * Events of this source handed to the scenarios. (CrowdSec's "Lines poured to bucket" counts
   * pours, one per bucket an event enters: figures read from a CrowdSec endpoint hold that.)
   */
  lines_poured: number
}

/** One parser (top-level node), as ParserMetric in src/pipeline/engines.ts. */
export interface ParserFigures {
  name: string
  stage?: string
  hits: number
  parsed: number
  unparsed: number
}

/** One scenario's buckets. */
export interface BucketFigures {
  name: string
  /** Buckets alive now. */
  current: number
  poured: number
  instantiated: number
  overflows: number
  /** Buckets that leaked out empty ("Expired" in cscli). */
  underflows: number
  canceled?: number
}

export interface AlertFigures {
  scenario: string
  count: number
}

export interface WatchFigures {
  acquisition: AcquisitionFigures[]
  parsers: ParserFigures[]
  buckets: BucketFigures[]
  alerts: AlertFigures[]
  /** When these figures were taken (RFC 3339). */
  at: string
  /** Since when they count: the process start, or the start of a `--once` run (RFC 3339). */
  since: string
}

/** A figures document larger than this is refused (a saved file or a scraped page). */
export const MAX_FIGURES_BYTES = 32 * 1024 * 1024

/** Where a `crowd watch --once` run saves its figures. */
export function figuresFile(dataDir: string): string {
  return path.join(dataDir, 'watch', 'metrics.json')
}

/**
 * The figures saved in `file`. No file: a `not-found` CrowdError (exit 5); a file that cannot be
 * read or does not hold figures: an `input` CrowdError naming the file and the offending field.
 */
export function readSavedFigures(file: string): WatchFigures {
  let text: string
  try {
    const size = fs.statSync(file).size
    if (size > MAX_FIGURES_BYTES) throw new CrowdError('input', `saved metrics are larger than ${MAX_FIGURES_BYTES} bytes`, {file})
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof CrowdError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CrowdError('not-found', 'no saved metrics (crowd watch --once saves them after each run)', {file})
    throw new CrowdError('input', `cannot read saved metrics: ${code ?? String(error)}`, {file})
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CrowdError('input', `saved metrics are not JSON: ${(error as Error).message}`, {file})
  }
  return checkFigures(value, file)
}

/**
 * Saves figures for `crowd metrics` (what `crowd watch --once` calls after each run): checked,
 * in canonical form, written to a temporary file and renamed, so a reader never sees half a file.
 */
export function saveFigures(file: string, figures: WatchFigures): void {
  const canonical = checkFigures(figures, file)
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, JSON.stringify(canonical, null, 2) + '\n')
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, {force: true})
    throw error
  }
}

/**
 * Checks that `value` has the WatchFigures shape and returns it in canonical form: keys in the
 * order of the interfaces (unknown keys dropped), rows sorted (by code unit, not locale, so the
 * order is the same everywhere), counts non-negative integers, timestamps as UTC
 * `toISOString()`. Throws an `input` CrowdError naming `where` and the field path.
 */
export function checkFigures(value: unknown, where?: string): WatchFigures {
  const fail = (field: string, what: string): never => {
    throw new CrowdError('input', `metrics figures: ${field} must be ${what}`, {file: where})
  }
  const object = (v: unknown, field: string): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, 'an object')
  const list = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : fail(field, 'an array'))
  const text = (v: unknown, field: string): string => (typeof v === 'string' ? v : fail(field, 'a string'))
  const count = (v: unknown, field: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, 'a non-negative integer')
  const time = (v: unknown, field: string): string => {
    const ms = Date.parse(text(v, field))
    return Number.isFinite(ms) ? new Date(ms).toISOString() : fail(field, 'an RFC 3339 time')
  }

  const root = object(value, 'the document')
  const acquisition = list(root.acquisition, 'acquisition').map((row, i): AcquisitionFigures => {
    const f = `acquisition[${i}]`
    const r = object(row, f)
    return {
      source: text(r.source, `${f}.source`),
      module: text(r.module, `${f}.module`),
      type: text(r.type, `${f}.type`),
      lines_read: count(r.lines_read, `${f}.lines_read`),
      lines_parsed: count(r.lines_parsed, `${f}.lines_parsed`),
      lines_unparsed: count(r.lines_unparsed, `${f}.lines_unparsed`),
      lines_poured: count(r.lines_poured, `${f}.lines_poured`),
    }
  })
  const parsers = list(root.parsers, 'parsers').map((row, i): ParserFigures => {
    const f = `parsers[${i}]`
    const r = object(row, f)
    return {
      name: text(r.name, `${f}.name`),
      ...(r.stage !== undefined ? {stage: text(r.stage, `${f}.stage`)} : {}),
      hits: count(r.hits, `${f}.hits`),
      parsed: count(r.parsed, `${f}.parsed`),
      unparsed: count(r.unparsed, `${f}.unparsed`),
    }
  })
  const buckets = list(root.buckets, 'buckets').map((row, i): BucketFigures => {
    const f = `buckets[${i}]`
    const r = object(row, f)
    return {
      name: text(r.name, `${f}.name`),
      current: count(r.current, `${f}.current`),
      poured: count(r.poured, `${f}.poured`),
      instantiated: count(r.instantiated, `${f}.instantiated`),
      overflows: count(r.overflows, `${f}.overflows`),
      underflows: count(r.underflows, `${f}.underflows`),
      ...(r.canceled !== undefined ? {canceled: count(r.canceled, `${f}.canceled`)} : {}),
    }
  })
  const alerts = list(root.alerts, 'alerts').map((row, i): AlertFigures => {
    const f = `alerts[${i}]`
    const r = object(row, f)
    return {scenario: text(r.scenario, `${f}.scenario`), count: count(r.count, `${f}.count`)}
  })
  return {
    acquisition: acquisition.sort((a, b) => compareBytes(a.module, b.module) || compareBytes(a.source, b.source) || compareBytes(a.type, b.type)),
    parsers: parsers.sort((a, b) => compareBytes(a.stage ?? '', b.stage ?? '') || compareBytes(a.name, b.name)),
    buckets: buckets.sort((a, b) => compareBytes(a.name, b.name)),
    alerts: alerts.sort((a, b) => compareBytes(a.scenario, b.scenario)),
    at: time(root.at, 'at'),
    since: time(root.since, 'since'),
  }
}
