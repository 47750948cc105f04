/**
 * CrowdSec's acquisition configuration: `acquis.yaml` (a YAML stream, one datasource per
 * document) and `acquis.d/` (every `*.yaml`, then every `*.yml`, each sorted by name, as
 * CrowdSec's two globs list them), read into typed source configs for `crowd watch`.
 *
 * As CrowdSec does (pkg/acquisition): environment variables are expanded in the file's text
 * first (`$VAR` and `${VAR}`, only those that are set); empty and comment-only documents are
 * skipped; a document without `source` is a file source when it has `filename`/`filenames`
 * and a journalctl source when it has `journalctl_filter`; the common keys (mode, labels,
 * log_level, name, use_time_machine, unique_id, transform) are checked for every source and
 * the rest strictly per source (an unknown key is an error); labels are required. crowd also
 * requires `labels.type` (without it no parser reads the lines) and refuses the datasources it
 * does not have (docker, kinesis, ...) by name.
 *
 * Every error is a CrowdError (code 'config') naming the file and the line of the key at fault
 * (else of the document); all the errors of a file, or of a directory, are thrown together.
 * `exclude_regexps` are compiled as RE2 (src/regex), never as JavaScript regexes of user text.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode} from 'yaml'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {parseGoDuration} from '../model/go-time.js'
import {Re2SyntaxError, compileRe2, type Re2Regex} from '../regex/index.js'
import {journaldConfigFromAcquis, type JournaldAcquisConfig} from './journald/config.js'
import {syslogConfigFromAcquis, type SyslogAcquisConfig} from './syslog/index.js'
import {compareBytes} from '../model/order.js'

/** Where a source config comes from. */
export interface AcquisOrigin {
  file: string
  /** 0-based index of the document in the file (CrowdSec's "position"). */
  doc: number
  /** 1-based line where the document starts. */
  line: number
}

export type AcquisMode = 'tail' | 'cat' | 'server'

/** CrowdSec's common datasource keys, checked for every source. */
export interface AcquisCommon {
  /** The acquisition labels; `type` (the log type) is always there. */
  labels: Record<string, string>
  /** `tail` (default): follow; `cat`: read what is there once; `server` (syslog). */
  mode: AcquisMode
  name?: string
  /** A logrus level name, as written. */
  logLevel?: string
  useTimeMachine: boolean
  uniqueId?: string
  /** An expr expression turning each event into the line(s) to parse; compiled by the pipeline, not here. */
  transform?: string
  origin: AcquisOrigin
}

/** `source: file` (or a document with filename/filenames and no source). */
export interface FileSourceConfig extends AcquisCommon {
  kind: 'file'
  mode: 'tail' | 'cat'
  /** `filenames`, then `filename` (CrowdSec's order); globs allowed. */
  paths: string[]
  /** `exclude_regexps` as written (RE2): a file whose path matches one is not read. */
  exclude: string[]
  /** The same, compiled (RE2 semantics, linear time). */
  excludeRegexps: Re2Regex[]
  /** `max_buffer_size` when set (> 0): the longest line kept, in bytes. */
  maxLineBytes?: number
}

/** `source: journalctl` (or a document with journalctl_filter and no source). */
export interface JournaldSourceConfig extends AcquisCommon, Omit<JournaldAcquisConfig, 'labels' | 'mode'> {
  kind: 'journald'
  mode: 'tail' | 'cat'
}

/** `source: syslog`. */
export interface SyslogSourceConfig extends AcquisCommon, Omit<SyslogAcquisConfig, 'labels'> {
  kind: 'syslog'
}

export type WatchSourceConfig = FileSourceConfig | JournaldSourceConfig | SyslogSourceConfig

export interface AcquisOptions {
  /** The variables `$VAR`/`${VAR}` are expanded from (default: process.env). */
  env?: Record<string, string | undefined>
}

/** CrowdSec's datasources crowd does not have. */
const UNSUPPORTED_SOURCES = new Set(['appsec', 'cloudwatch', 'docker', 'http', 'k8s-audit', 'kafka', 'kinesis', 'loki', 's3', 'victorialogs', 'wineventlog'])
const SUPPORTED = 'file, journalctl and syslog'
const COMMON_KEYS = new Set(['source', 'mode', 'labels', 'log_level', 'name', 'use_time_machine', 'unique_id', 'transform'])
const FILE_KEYS = new Set(['filename', 'filenames', 'exclude_regexps', 'force_inotify', 'poll_without_inotify', 'max_buffer_size', 'discovery_poll_enable', 'discovery_poll_interval'])
/** logrus.ParseLevel's names (case-insensitive). */
const LOG_LEVELS = new Set(['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'])
const MODES = new Set<string>(['tail', 'cat', 'server'])

/**
 * go-cs-lib's csstring.StrictExpand: `${NAME}` (anything up to the next `}`) and `$NAME`
 * (letters, digits, `_`) are replaced by the variable's value when it is set, and left as they
 * are when it is not. The scan goes on inside a substituted value, as CrowdSec's does.
 */
export function strictExpand(text: string, lookup: (name: string) => string | undefined): string {
  let s = text
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i + 1 >= s.length) continue
    if (s[i + 1] === '{') {
      const close = s.indexOf('}', i + 2)
      if (close === -1) continue
      const value = lookup(s.slice(i + 2, close))
      if (value !== undefined) s = s.slice(0, i) + value + s.slice(close + 1)
      continue
    }
    let j = i + 1
    while (j < s.length && /[A-Za-z0-9_]/.test(s[j]!)) j++
    if (j === i + 1) continue
    const value = lookup(s.slice(i + 1, j))
    if (value !== undefined) s = s.slice(0, i) + value + s.slice(j)
  }
  return s
}

/**
 * Why Go's filepath.Match would refuse the pattern (ErrBadPattern, CrowdSec's "glob failure:
 * syntax error in pattern"), or undefined: an unfinished `[` class, a class with a bare `-` or
 * `]` where a character is expected, a trailing `\`.
 */
export function globSyntaxError(pattern: string): string | undefined {
  const bad = 'syntax error in pattern'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      if (++i >= pattern.length) return bad
      continue
    }
    if (c !== '[') continue
    i++
    if (pattern[i] === '^') i++
    let ranges = 0
    for (;;) {
      if (i >= pattern.length) return bad
      if (pattern[i] === ']' && ranges > 0) break
      // one character of the class (escaped or not)
      const char = (): boolean => {
        if (i >= pattern.length || pattern[i] === '-' || pattern[i] === ']') return false
        if (pattern[i] === '\\') i++
        if (i >= pattern.length) return false
        i += String.fromCodePoint(pattern.codePointAt(i)!).length
        return true
      }
      if (!char()) return bad
      if (pattern[i] === '-') {
        i++
        if (!char()) return bad
      }
      ranges++
    }
  }
  return undefined
}

interface KeyInfo {
  key: YamlNode
  value: YamlNode | null
}

/** One document being checked: its keys' nodes (for lines) and its errors. */
class DocContext {
  constructor(
    readonly file: string,
    readonly origin: AcquisOrigin,
    readonly keys: Map<string, KeyInfo>,
    private readonly lines: LineCounter,
    private readonly errors: CrowdError[],
    private readonly prefix: string,
  ) {}

  lineOf(node: YamlNode | null | undefined): number | undefined {
    const offset = node?.range?.[0]
    return offset === undefined ? undefined : this.lines.linePos(offset).line
  }

  /** The line of `key`'s value (or of the key), else of the document. */
  keyLine(key: string, item?: number): number {
    const info = this.keys.get(key)
    if (info === undefined) return this.origin.line
    if (item !== undefined && info.value !== null && isSeq(info.value)) {
      const node = info.value.items[item] as YamlNode | undefined
      return this.lineOf(node) ?? this.lineOf(info.key) ?? this.origin.line
    }
    return this.lineOf(info.key) ?? this.origin.line
  }

  fail(reason: string, line = this.origin.line): void {
    this.errors.push(new CrowdError('config', this.prefix + reason, {file: this.file, line}))
  }

  failKey(key: string, reason: string, item?: number): void {
    this.fail(reason, this.keyLine(key, item))
  }

  /**
   * An error thrown by a datasource's own config reader (syslogConfigFromAcquis,
   * journaldConfigFromAcquis) names no line: it gets the line of the first key it mentions.
   */
  rewrap(error: unknown): void {
    if (!(error instanceof CrowdError)) throw error
    const aliases: [RegExp, string][] = [[/listen IP/, 'listen_addr'], [/\bport\b/, 'listen_port']]
    let line: number | undefined
    const names = [...this.keys.keys()].sort((a, b) => b.length - a.length)
    const name = names.find((n) => mentions(error.reason, n))
    if (name !== undefined) line = this.keyLine(name)
    for (const [re, key] of aliases) if (line === undefined && re.test(error.reason) && this.keys.has(key)) line = this.keyLine(key)
    this.fail(error.reason, line)
  }
}

/** True when `word` is in `text` on its own (not inside a longer name: `source` is not in `datasource`). */
function mentions(text: string, word: string): boolean {
  const isName = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c)
  for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) {
    if (!isName(text[i - 1]) && !isName(text[i + word.length])) return true
  }
  return false
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return undefined
}

/** The common keys; undefined when the document cannot go on (no usable labels). */
function readCommon(doc: Record<string, unknown>, ctx: DocContext): Omit<AcquisCommon, 'origin'> | undefined {
  let usable = true
  const labels: Record<string, string> = Object.create(null)
  const rawLabels = doc.labels
  if (rawLabels === undefined || rawLabels === null || (typeof rawLabels === 'object' && !Array.isArray(rawLabels) && Object.keys(rawLabels).length === 0)) {
    ctx.fail('missing labels (labels.type names the log type, e.g. labels: {type: syslog})')
    usable = false
  } else if (typeof rawLabels !== 'object' || Array.isArray(rawLabels)) {
    ctx.failKey('labels', 'labels must be a map of strings')
    usable = false
  } else {
    for (const [k, v] of Object.entries(rawLabels)) {
      const text = scalarString(v)
      if (text === undefined) {
        ctx.failKey('labels', `labels.${k} must be a string`)
        usable = false
      } else labels[k] = text
    }
    if (usable && (labels.type === undefined || labels.type === '')) {
      ctx.failKey('labels', 'labels.type is required: it is the log type that selects the parsers (e.g. type: syslog)')
      usable = false
    }
  }
  let mode: AcquisMode = 'tail'
  if (doc.mode !== undefined && doc.mode !== null && doc.mode !== '') {
    if (typeof doc.mode === 'string' && MODES.has(doc.mode)) mode = doc.mode as AcquisMode
    else {
      ctx.failKey('mode', `unsupported mode ${JSON.stringify(doc.mode)} (tail or cat)`)
      usable = false
    }
  }
  const strings: Partial<Record<'name' | 'logLevel' | 'uniqueId' | 'transform', string>> = {}
  for (const [key, field] of [['name', 'name'], ['log_level', 'logLevel'], ['unique_id', 'uniqueId'], ['transform', 'transform']] as const) {
    const v = doc[key]
    if (v === undefined || v === null) continue
    const text = scalarString(v)
    if (text === undefined) {
      ctx.failKey(key, `${key} must be a string`)
      continue
    }
    if (text !== '') strings[field] = text
  }
  if (strings.logLevel !== undefined && !LOG_LEVELS.has(strings.logLevel.toLowerCase())) {
    ctx.failKey('log_level', `not a valid logrus Level: ${JSON.stringify(strings.logLevel)}`)
  }
  let useTimeMachine = false
  if (doc.use_time_machine !== undefined && doc.use_time_machine !== null) {
    if (typeof doc.use_time_machine === 'boolean') useTimeMachine = doc.use_time_machine
    else ctx.failKey('use_time_machine', 'use_time_machine must be true or false')
  }
  if (!usable) return undefined
  return {labels, mode, useTimeMachine, ...strings}
}

function readFile(doc: Record<string, unknown>, common: Omit<AcquisCommon, 'origin'>, ctx: DocContext): FileSourceConfig | undefined {
  let ok = true
  const fail = (key: string, reason: string, item?: number) => {
    ctx.failKey(key, reason, item)
    ok = false
  }
  for (const key of Object.keys(doc)) {
    if (!COMMON_KEYS.has(key) && !FILE_KEYS.has(key)) fail(key, `unknown field ${JSON.stringify(key)}`)
  }
  const paths: string[] = []
  const list = (key: string): string[] => {
    const v = doc[key]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      fail(key, `${key} must be a list of strings`)
      return []
    }
    const out: string[] = []
    v.forEach((item, i) => {
      const text = scalarString(item)
      if (text === undefined) fail(key, `${key} must be a list of strings`, i)
      else out.push(text)
    })
    return out
  }
  const filenames = list('filenames')
  paths.push(...filenames)
  if (doc.filename !== undefined && doc.filename !== null && doc.filename !== '') {
    const text = scalarString(doc.filename)
    if (text === undefined) fail('filename', 'filename must be a string')
    else paths.push(text)
  }
  if (ok && paths.length === 0) fail('filenames', 'no filename or filenames configuration provided')
  paths.forEach((p, i) => {
    const [key, item] = i < filenames.length ? ['filenames', i] : ['filename', undefined]
    if (p === '') return fail(key, 'a file name is empty', item)
    const why = globSyntaxError(p)
    if (why !== undefined) fail(key, `glob failure: ${why}: ${JSON.stringify(p)}`, item)
  })
  if (common.mode !== 'tail' && common.mode !== 'cat') fail('mode', `unsupported mode ${common.mode} for file source`)
  const exclude = list('exclude_regexps')
  const excludeRegexps: Re2Regex[] = []
  exclude.forEach((source, i) => {
    try {
      excludeRegexps.push(compileRe2(source, {usedGroups: new Set()}))
    } catch (error) {
      if (!(error instanceof Re2SyntaxError)) throw error
      fail('exclude_regexps', `could not compile regexp ${source}: error parsing regexp: ${error.message}`, i)
    }
  })
  for (const key of ['force_inotify', 'poll_without_inotify', 'discovery_poll_enable']) {
    const v = doc[key]
    if (v !== undefined && v !== null && typeof v !== 'boolean') fail(key, `${key} must be true or false`)
  }
  let maxLineBytes: number | undefined
  const size = doc.max_buffer_size
  if (size !== undefined && size !== null) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) fail('max_buffer_size', 'max_buffer_size must be a whole number of bytes')
    else if (size > 0) maxLineBytes = size
  }
  const interval = doc.discovery_poll_interval
  if (interval !== undefined && interval !== null) {
    try {
      if (typeof interval !== 'string') throw new Error(`time: invalid duration ${JSON.stringify(String(interval))}`)
      parseGoDuration(interval)
    } catch (error) {
      fail('discovery_poll_interval', `cannot parse FileAcquisition configuration: ${(error as Error).message}`)
    }
  }
  if (!ok) return undefined
  return {kind: 'file', ...common, mode: common.mode as 'tail' | 'cat', paths, exclude, excludeRegexps, ...(maxLineBytes === undefined ? {} : {maxLineBytes}), origin: ctx.origin}
}

/** One document (a mapping) -> a source config, or errors in ctx. */
function readSource(doc: Record<string, unknown>, ctx: DocContext): WatchSourceConfig | undefined {
  let source: string
  const raw = doc.source
  if (raw === undefined || raw === null || raw === '') {
    // CrowdSec's backward compatibility: the source is guessed from the keys
    if ('filename' in doc || 'filenames' in doc) source = 'file'
    else if ('journalctl_filter' in doc) source = 'journalctl'
    else {
      ctx.fail("missing 'source' field")
      return undefined
    }
  } else if (typeof raw !== 'string') {
    ctx.failKey('source', 'source must be a string')
    return undefined
  } else source = raw
  if (source !== 'file' && source !== 'journalctl' && source !== 'syslog') {
    if (UNSUPPORTED_SOURCES.has(source)) ctx.failKey('source', `data source ${JSON.stringify(source)} is not supported by crowd (it reads ${SUPPORTED} sources)`)
    else ctx.failKey('source', `unknown data source ${JSON.stringify(source)} (crowd reads ${SUPPORTED} sources)`)
    return undefined
  }
  const common = readCommon(doc, ctx)
  if (source === 'file') return common === undefined ? checkOnly(() => readFile(doc, {labels: {}, mode: 'tail', useTimeMachine: false}, ctx)) : readFile(doc, common, ctx)
  // the datasource's own reader sees the checked labels and mode (so their errors are not reported twice)
  const own: Record<string, unknown> = {...doc, source, labels: common?.labels ?? {}}
  if (common === undefined) delete own.mode
  if (source === 'journalctl') {
    try {
      const config = journaldConfigFromAcquis(own, ctx.file)
      if (common === undefined) return undefined
      return {...common, kind: 'journald', filters: config.filters, mode: config.mode, origin: ctx.origin}
    } catch (error) {
      ctx.rewrap(error)
      return undefined
    }
  }
  try {
    const config = syslogConfigFromAcquis(own, ctx.file)
    if (common === undefined) return undefined
    const {labels: _labels, ...rest} = config
    return {...common, ...rest, kind: 'syslog', origin: ctx.origin}
  } catch (error) {
    ctx.rewrap(error)
    return undefined
  }
}

/** Runs the per-source checks for their errors only (the common keys already failed). */
function checkOnly(check: () => unknown): undefined {
  check()
  return undefined
}

/**
 * Reads the text of one acquisition file. Throws a CrowdError, or a CrowdErrorList when there
 * are several, naming `file` and the lines.
 */
export function parseAcquis(text: string, file: string, options: AcquisOptions = {}): WatchSourceConfig[] {
  const errors: CrowdError[] = []
  const configs = parseInto(text, file, options, errors)
  throwErrors(errors)
  return configs
}

function parseInto(text: string, file: string, options: AcquisOptions, errors: CrowdError[]): WatchSourceConfig[] {
  const env = options.env ?? process.env
  const expanded = strictExpand(text, (name) => env[name])
  const lines = new LineCounter()
  const docs = parseAllDocuments(expanded, {lineCounter: lines, uniqueKeys: true, merge: true})
  const list = Array.isArray(docs) ? docs : []
  const configs: WatchSourceConfig[] = []
  const several = list.length > 1
  list.forEach((doc, index) => {
    const prefix = several ? `position ${index}: ` : ''
    const docLine = doc.range?.[0] === undefined ? 1 : lines.linePos(doc.range[0]).line
    for (const e of [...doc.errors]) {
      errors.push(new CrowdError('config', `${prefix}invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
        file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col,
      }))
    }
    if (doc.errors.length > 0) return
    const root = doc.contents
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return // empty or comments only
    const rootLine = (() => {
      const offset = root.range?.[0]
      return offset === undefined ? docLine : lines.linePos(offset).line
    })()
    const origin: AcquisOrigin = {file, doc: index, line: rootLine}
    if (!isMap(root)) {
      errors.push(new CrowdError('config', `${prefix}a datasource must be a map of keys (source, labels, ...)`, {file, line: rootLine}))
      return
    }
    const keys = new Map<string, KeyInfo>()
    for (const pair of root.items) {
      const keyNode = pair.key as YamlNode
      const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode)
      keys.set(name, {key: keyNode, value: (pair.value ?? null) as YamlNode | null})
    }
    let value: unknown
    try {
      value = doc.toJS({maxAliasCount: 100})
    } catch (error) {
      errors.push(new CrowdError('config', `${prefix}invalid YAML: ${(error as Error).message}`, {file, line: rootLine}))
      return
    }
    const ctx = new DocContext(file, origin, keys, lines, errors, prefix)
    const config = readSource(value as Record<string, unknown>, ctx)
    if (config !== undefined) configs.push(config)
  })
  return configs
}

function throwErrors(errors: CrowdError[]): void {
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
}

function readText(file: string, errors: CrowdError[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    errors.push(new CrowdError('config', `cannot read acquisition file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file}))
    return undefined
  }
}

/** Reads one acquisition file (acquis.yaml or a file of acquis.d). */
export function readAcquisFile(file: string, options: AcquisOptions = {}): WatchSourceConfig[] {
  const errors: CrowdError[] = []
  const text = readText(file, errors)
  const configs = text === undefined ? [] : parseInto(text, file, options, errors)
  throwErrors(errors)
  return configs
}

/**
 * The files of an acquis.d directory in CrowdSec's order: `*.yaml` sorted by name, then
 * `*.yml` sorted by name (byte order, as Go's filepath.Glob); directories are left out.
 */
export function acquisFilesIn(dir: string): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch (error) {
    throw new CrowdError('config', `cannot read acquisition directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: dir})
  }
  const pick = (ext: string) => names.filter((n) => n.endsWith(ext)).sort(compareBytes).map((n) => path.join(dir, n)).filter((p) => {
    try {
      return !fs.statSync(p).isDirectory()
    } catch {
      return true // a dangling link: reading it reports the error
    }
  })
  return [...pick('.yaml'), ...pick('.yml')]
}

/** Reads every file of an acquis.d directory; the errors of all files are thrown together. */
export function readAcquisDir(dir: string, options: AcquisOptions = {}): WatchSourceConfig[] {
  return readAcquisFiles(acquisFilesIn(dir), options)
}

function readAcquisFiles(files: string[], options: AcquisOptions): WatchSourceConfig[] {
  const errors: CrowdError[] = []
  const configs: WatchSourceConfig[] = []
  for (const file of files) {
    const text = readText(file, errors)
    if (text !== undefined) configs.push(...parseInto(text, file, options, errors))
  }
  throwErrors(errors)
  return configs
}

/**
 * CrowdSec's acquisition_path and acquisition_dir together: the file first (skipped when it
 * does not exist), then the directory's files (none when it does not exist).
 */
export function loadAcquisition(where: {file?: string; dir?: string}, options: AcquisOptions = {}): WatchSourceConfig[] {
  const files: string[] = []
  if (where.file !== undefined && fs.existsSync(where.file)) files.push(where.file)
  if (where.dir !== undefined && fs.existsSync(where.dir)) files.push(...acquisFilesIn(where.dir))
  return readAcquisFiles(files, options)
}
