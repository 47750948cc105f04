/**
 * Prometheus text exposition (format 0.0.4) back into WatchFigures, for `crowd metrics --url`:
 * crowd's own endpoint (exact, from the `crowd_*` families) or a CrowdSec agent's (what
 * `cscli metrics` shows, from the `cs_*` families).
 *
 * The text may come from any URL a user types, so the reader is a single forward scan with no
 * regular expressions (no backtracking to blow up), refuses input over a size bound, keeps only
 * the samples of the families it reads, and reports the first malformed line as an `input`
 * CrowdError with its line and column, never a crash.
 */
import {CrowdError} from '../model/errors.js'
import {checkFigures, MAX_FIGURES_BYTES, type AcquisitionFigures, type BucketFigures, type ParserFigures, type WatchFigures} from './figures.js'
import {CROWD, CS, PROCESS_START} from './names.js'
import {compareBytes} from '../model/order.js'

export interface Sample {
  name: string
  /** Label values by name (a prototype-less record: label names are not trusted). */
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  /** Every family named by a `# TYPE` line or a sample, with its declared type when given. */
  families: Map<string, string | undefined>
  /** The samples kept (see ParseExpositionOptions.keep). */
  samples: Sample[]
}

export interface ParseExpositionOptions {
  /** Where the text comes from (a URL, a file), for error messages. */
  source?: string
  /** Refuse longer text (default MAX_FIGURES_BYTES, in UTF-16 code units). */
  maxLength?: number
  /** Keep the samples of these metric names only (default: all). The rest are still checked. */
  keep?: (name: string) => boolean
}

/** Parses Prometheus text exposition. Throws an `input` CrowdError at the first malformed line. */
export function parseExposition(text: string, options: ParseExpositionOptions = {}): Exposition {
  const source = options.source ?? '<metrics>'
  const maxLength = options.maxLength ?? MAX_FIGURES_BYTES
  if (text.length > maxLength) throw new CrowdError('input', `metrics text is longer than ${maxLength} characters`, {file: source})
  const families = new Map<string, string | undefined>()
  const samples: Sample[] = []
  const reader = new LineReader(source, families)
  let start = 0
  let lineNo = 0
  while (start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    lineNo++
    const line = text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end)
    start = end + 1
    const sample = reader.read(line, lineNo)
    if (sample !== undefined && (options.keep === undefined || options.keep(sample.name))) samples.push(sample)
  }
  return {families, samples}
}

/** Fetched or read text to figures: parses, keeps the families figuresOfExposition reads. */
export function figuresOfText(text: string, options: {source?: string; now?: Date} = {}): WatchFigures {
  const exposition = parseExposition(text, {source: options.source, keep: (name) => name.startsWith('cs_') || name.startsWith('crowd_') || name === PROCESS_START})
  return figuresOfExposition(exposition, options)
}

/**
 * The figures of an exposition. Each section is read from crowd's own families when the endpoint
 * declares them (crowd's endpoint: the round trip is exact), else from CrowdSec's, the way
 * `cscli metrics` reads them:
 * - acquisition: cs_parser_hits{,_ok,_ko}_total per {source, type = module}, and the per-source sum
 *   of cs_bucket_poured_total as lines_poured (CrowdSec counts one pour per bucket); the log type
 *   is unknown there (empty);
 * - parsers: cs_node_hits{,_ok,_ko}_total summed per name over sources (no stage);
 * - buckets: cs_bucket_*_total and cs_buckets, per name, from either endpoint;
 * - alerts: crowd_alerts_total, else CrowdSec's cs_alerts gauge (alerts its LAPI stores, per reason);
 * - at / since: crowd's timestamps, else `now` and process_start_time_seconds (else `now`).
 * An endpoint with no `cs_*` or `crowd_*` family at all is refused: it is not a CrowdSec or crowd one.
 */
export function figuresOfExposition(exposition: Exposition, options: {source?: string; now?: Date} = {}): WatchFigures {
  const {families, samples} = exposition
  if (![...families.keys()].some((name) => name.startsWith('cs_') || name.startsWith('crowd_'))) {
    throw new CrowdError('input', 'no CrowdSec (cs_*) or crowd (crowd_*) metrics there', {file: options.source})
  }
  const byName = new Map<string, Sample[]>()
  for (const s of samples) {
    // Counts are whole and non-negative; NaN, infinities and negative samples say nothing usable.
    if (!Number.isFinite(s.value) || s.value < 0) continue
    let list = byName.get(s.name)
    if (list === undefined) byName.set(s.name, (list = []))
    list.push(s)
  }
  const of = (name: string): Sample[] => byName.get(name) ?? []
  const label = (s: Sample, name: string): string => s.labels[name] ?? ''
  const count = (v: number): number => Math.min(Math.floor(v), Number.MAX_SAFE_INTEGER)

  // acquisition
  const acquisition = new Map<string, AcquisitionFigures>()
  const row = (source: string, module: string, type: string): AcquisitionFigures => {
    const key = JSON.stringify([source, module, type])
    let r = acquisition.get(key)
    if (r === undefined) acquisition.set(key, (r = {source, module, type, lines_read: 0, lines_parsed: 0, lines_unparsed: 0, lines_poured: 0}))
    return r
  }
  type LineField = 'lines_read' | 'lines_parsed' | 'lines_unparsed' | 'lines_poured'
  if (families.has(CROWD.readLines)) {
    const fields: [string, LineField][] = [[CROWD.readLines, 'lines_read'], [CROWD.parsedLines, 'lines_parsed'], [CROWD.unparsedLines, 'lines_unparsed'], [CROWD.pouredLines, 'lines_poured']]
    for (const [name, field] of fields) {
      for (const s of of(name)) row(label(s, 'source'), label(s, 'module'), label(s, 'type'))[field] += count(s.value)
    }
  } else {
    const fields: [string, LineField][] = [[CS.parserHits, 'lines_read'], [CS.parserHitsOk, 'lines_parsed'], [CS.parserHitsKo, 'lines_unparsed'], [CS.bucketPoured, 'lines_poured']]
    for (const [name, field] of fields) {
      for (const s of of(name)) {
        // pours with no source label are not a source's (cscli shows them on an empty row; we do not)
        if (name === CS.bucketPoured && s.labels.source === undefined) continue
        row(label(s, 'source'), label(s, 'type'), '')[field] += count(s.value)
      }
    }
  }

  // parsers
  const parsers = new Map<string, ParserFigures>()
  const parser = (name: string, stage: string | undefined): ParserFigures => {
    const key = JSON.stringify([stage ?? null, name])
    let p = parsers.get(key)
    if (p === undefined) parsers.set(key, (p = {name, ...(stage !== undefined ? {stage} : {}), hits: 0, parsed: 0, unparsed: 0}))
    return p
  }
  const crowdParsers = families.has(CROWD.parserHits)
  const parserFields: [string, string, 'hits' | 'parsed' | 'unparsed'][] = [
    [CROWD.parserHits, CS.nodeHits, 'hits'], [CROWD.parserParsed, CS.nodeHitsOk, 'parsed'], [CROWD.parserUnparsed, CS.nodeHitsKo, 'unparsed'],
  ]
  for (const [crowdName, csName, field] of parserFields) {
    for (const s of of(crowdParsers ? crowdName : csName)) parser(label(s, 'name'), crowdParsers ? s.labels.stage : undefined)[field] += count(s.value)
  }

  // buckets
  const buckets = new Map<string, BucketFigures>()
  const bucket = (name: string): BucketFigures => {
    let b = buckets.get(name)
    if (b === undefined) buckets.set(name, (b = {name, current: 0, poured: 0, instantiated: 0, overflows: 0, underflows: 0}))
    return b
  }
  const bucketFields: [string, 'current' | 'poured' | 'instantiated' | 'overflows' | 'underflows' | 'canceled'][] = [
    [CS.buckets, 'current'], [CS.bucketPoured, 'poured'], [CS.bucketCreated, 'instantiated'], [CS.bucketOverflowed, 'overflows'],
    [CS.bucketUnderflowed, 'underflows'], [CS.bucketCanceled, 'canceled'],
  ]
  for (const [name, field] of bucketFields) {
    for (const s of of(name)) {
      const b = bucket(label(s, 'name'))
      b[field] = (b[field] ?? 0) + count(s.value)
    }
  }

  // alerts
  const alerts = new Map<string, number>()
  const crowdAlerts = families.has(CROWD.alerts)
  for (const s of of(crowdAlerts ? CROWD.alerts : CS.alerts)) {
    const scenario = label(s, crowdAlerts ? 'scenario' : 'reason')
    alerts.set(scenario, (alerts.get(scenario) ?? 0) + count(s.value))
  }

  const now = options.now ?? new Date()
  const seconds = (name: string): string | undefined => {
    const v = of(name)[0]?.value
    // Date's range is ±8.64e15 ms; a value beyond it is not a time
    return v === undefined || v * 1000 > 8.64e15 ? undefined : new Date(Math.round(v * 1000)).toISOString()
  }
  const at = seconds(CROWD.figuresAt) ?? now.toISOString()
  return checkFigures({
    acquisition: [...acquisition.values()],
    parsers: [...parsers.values()],
    buckets: [...buckets.values()],
    alerts: [...alerts].sort((a, b) => compareBytes(a[0], b[0])).map(([scenario, n]) => ({scenario, count: n})),
    at,
    since: seconds(CROWD.figuresSince) ?? seconds(PROCESS_START) ?? at,
  }, options.source)
}

const enum Char {
  tab = 9,
  space = 32,
  quote = 34,
  hash = 35,
  comma = 44,
  equals = 61,
  backslash = 92,
  openBrace = 123,
  closeBrace = 125,
}

/** Samples without labels share this one (frozen: nothing adds to it). */
const NO_LABELS: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>)

/** Lines of exposition, each read left to right; every loop advances, so a line costs its length. */
class LineReader {
  private line = ''
  private lineNo = 0
  #pos = 0
  constructor(private readonly source: string, private readonly families: Map<string, string | undefined>) {}

  /** The sample on this line, if it is one; records `# TYPE` declarations in `families`. */
  read(line: string, lineNo: number): Sample | undefined {
    this.line = line
    this.lineNo = lineNo
    this.#pos = 0
    const families = this.families
    this.#blanks()
    if (this.#pos === this.line.length) return undefined
    if (this.line.charCodeAt(this.#pos) === Char.hash) {
      this.#comment(families)
      return undefined
    }
    const name = this.#name(true, 'a metric name')
    let labels = NO_LABELS
    this.#blanks()
    if (this.line.charCodeAt(this.#pos) === Char.openBrace) {
      this.#pos++
      labels = Object.create(null) as Record<string, string>
      this.#labels(labels)
    }
    this.#blanks()
    const value = this.#number(this.#token('a sample value'))
    this.#blanks()
    if (this.#pos < this.line.length) {
      const at = this.#pos
      const timestamp = this.#token('a timestamp')
      if (!isInteger(timestamp)) this.#fail('the timestamp must be an integer (milliseconds)', at)
      this.#blanks()
      if (this.#pos < this.line.length) this.#fail('unexpected text after the sample')
    }
    if (!families.has(name) && !families.has(familyOf(name))) families.set(name, undefined)
    return {name, labels, value}
  }

  /** `# HELP name text`, `# TYPE name type`, or any other comment (ignored). */
  #comment(families: Map<string, string | undefined>): void {
    this.#pos++
    this.#blanks()
    const keyword = this.#word()
    if (keyword !== 'TYPE' && keyword !== 'HELP') return
    this.#blanks()
    const name = this.#name(false, 'a metric name')
    if (keyword === 'HELP') return
    this.#blanks()
    const at = this.#pos
    const type = this.#word()
    if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) this.#fail(`unknown metric type "${clip(type)}"`, at)
    families.set(name, type)
  }

  /** `name="value",...}` after the opening brace; a trailing comma is allowed. */
  #labels(labels: Record<string, string>): void {
    for (;;) {
      this.#blanks()
      if (this.line.charCodeAt(this.#pos) === Char.closeBrace) {
        this.#pos++
        return
      }
      const at = this.#pos
      const name = this.#name(false, 'a label name')
      if (name in labels) this.#fail(`label "${name}" given twice`, at)
      this.#blanks()
      if (this.line.charCodeAt(this.#pos) !== Char.equals) this.#fail('expected "=" after the label name')
      this.#pos++
      this.#blanks()
      if (this.line.charCodeAt(this.#pos) !== Char.quote) this.#fail('expected a quoted label value')
      this.#pos++
      labels[name] = this.#quoted()
      this.#blanks()
      const c = this.line.charCodeAt(this.#pos)
      if (c === Char.comma) this.#pos++
      else if (c !== Char.closeBrace) this.#fail('expected "," or "}" after the label value')
    }
  }

  /** A label value after its opening quote, with the escapes \\, \" and \n. */
  #quoted(): string {
    let out = ''
    let from = this.#pos
    for (;;) {
      if (this.#pos >= this.line.length) this.#fail('unterminated label value')
      const c = this.line.charCodeAt(this.#pos)
      if (c === Char.quote) {
        out += this.line.slice(from, this.#pos)
        this.#pos++
        return out
      }
      if (c === Char.backslash) {
        out += this.line.slice(from, this.#pos)
        const next = this.line[this.#pos + 1]
        if (next === '\\' || next === '"') out += next
        else if (next === 'n') out += '\n'
        else this.#fail('invalid escape in a label value')
        this.#pos += 2
        from = this.#pos
        continue
      }
      this.#pos++
    }
  }

  /** A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, without colons, a label name. */
  #name(colons: boolean, what: string): string {
    const from = this.#pos
    for (; this.#pos < this.line.length; this.#pos++) {
      const c = this.line.charCodeAt(this.#pos)
      const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (colons && c === 58)
      if (!letter && !(this.#pos > from && c >= 48 && c <= 57)) break
    }
    if (this.#pos === from) this.#fail(`expected ${what}`)
    return this.line.slice(from, this.#pos)
  }

  /** Characters up to the next blank (a value, a timestamp). */
  #token(what: string): string {
    const from = this.#pos
    while (this.#pos < this.line.length && !isBlank(this.line.charCodeAt(this.#pos))) this.#pos++
    if (this.#pos === from) this.#fail(`expected ${what}`)
    return this.line.slice(from, this.#pos)
  }

  #word(): string {
    const from = this.#pos
    while (this.#pos < this.line.length && !isBlank(this.line.charCodeAt(this.#pos))) this.#pos++
    return this.line.slice(from, this.#pos)
  }

  /** Go ParseFloat's forms that exposition uses: decimal and exponent notation, NaN, ±Inf. */
  #number(token: string): number {
    const lower = token.toLowerCase()
    if (lower === 'nan') return Number.NaN
    if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY
    if (lower === '-inf') return Number.NEGATIVE_INFINITY
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i)
      const ok = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 101 || c === 69
      if (!ok) this.#fail(`"${clip(token)}" is not a number`, this.#pos - token.length)
    }
    const value = Number(token)
    if (Number.isNaN(value)) this.#fail(`"${clip(token)}" is not a number`, this.#pos - token.length)
    return value
  }

  #blanks(): void {
    while (this.#pos < this.line.length && isBlank(this.line.charCodeAt(this.#pos))) this.#pos++
  }

  #fail(reason: string, at = this.#pos): never {
    // Show the line only when it is short and printable: it may be anything a server sent.
    const printable = this.line.length <= 200 && ![...this.line].some((ch) => ch < ' ' || ch === '\u007f')
    throw new CrowdError('input', `not Prometheus text exposition: ${reason}`, {
      file: this.source,
      line: this.lineNo,
      column: at + 1,
      sourceLine: printable ? this.line : undefined,
    })
  }
}

function isBlank(c: number): boolean {
  return c === Char.space || c === Char.tab
}

function isInteger(token: string): boolean {
  let i = token.startsWith('-') || token.startsWith('+') ? 1 : 0
  if (i === token.length) return false
  for (; i < token.length; i++) {
    const c = token.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** The family a histogram or summary sample belongs to (`x_bucket`, `x_sum`, `x_count` -> `x`). */
function familyOf(name: string): string {
  for (const suffix of ['_bucket', '_sum', '_count']) if (name.endsWith(suffix)) return name.slice(0, -suffix.length)
  return name
}

function clip(text: string): string {
  return text.length > 40 ? text.slice(0, 40) + '...' : text
}
