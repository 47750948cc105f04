/**
 * `data:` files (expr.md §9) and the helpers reading them: File, RegexpInFile, FileMap,
 * LookupFile, MatchKnownBot. Files are keyed by their dest_file exactly as written and
 * loaded once; regexes (RE2 syntax) are translated and compiled once per file.
 */
import {readFileSync} from 'node:fs'
import * as path from 'node:path'
import {silentLogger, type Logger} from '../../model/logger.js'
import {newStringMap, stringSlice} from '../../model/go-values.js'
import {str} from './args.js'
import type {BotEntry, DataStore, HelperContext, MapRow, RegexpCacheOptions, RegexpFile} from './context.js'
import {WordLiteralSet, wordBoundedLiteral} from '../literal-search.js'
import {ipInRange, parseIP} from './ip.js'
import {compileRe2} from './re2.js'

type Helper = (...args: unknown[]) => unknown

/** What src/regex tells about a compiled RE2 regex (Re2RegExp.re2). */
interface Re2Info {
  engine?: string
  exponentialRisk?: boolean
  backtrackRisk?: boolean
}

/** A regex the native engine runs in bounded time (src/regex's analysis); unknown -> false. */
function runsNatively(re: RegExp): boolean {
  const info = (re as RegExp & {re2?: Re2Info}).re2
  return info !== undefined && info.engine === 'js' && info.exponentialRisk !== true && info.backtrackRisk !== true
}

/**
 * "Does any line of a regexp file match": the lines src/regex runs natively are joined, in RE2
 * syntax, into one alternation `(?:l1)|(?:l2)|...` compiled by src/regex like any other pattern
 * (an RE2 alternation matches somewhere exactly when one of its branches does; `(?:...)` scopes
 * each line's inline flags). An alternation src/regex would not run natively is split in halves
 * until each part is native; risky lines and lines with `\Q` (quoting to the end) stay alone.
 */
export function combineRe2Lines(lines: readonly string[], regexps: readonly RegExp[]): RegExp[] {
  const native: string[] = []
  const rest: RegExp[] = []
  lines.forEach((line, i) => {
    if (runsNatively(regexps[i]!) && !line.includes('\\Q')) native.push(line)
    else rest.push(regexps[i]!)
  })
  if (native.length < 2) return [...regexps]
  return [...combineHalves(native), ...rest]
}

/** The alternation of `lines`, or of each half when the whole is not native (RE2 lines that run natively). */
function combineHalves(lines: readonly string[]): RegExp[] {
  if (lines.length === 1) return [compileRe2(lines[0]!)]
  try {
    const combined = compileRe2(lines.map((line) => `(?:${line})`).join('|'))
    if (runsNatively(combined)) return [combined]
  } catch {
    // duplicate group names and the like: split further
  }
  const half = lines.length >> 1
  return [...combineHalves(lines.slice(0, half)), ...combineHalves(lines.slice(half))]
}

/** The default memory of a regexp file: answers kept, and the longest text kept. */
const RECENT_MAX = 1024
const RECENT_MAX_TEXT = 512

class RegexpList implements RegexpFile {
  private readonly results: Map<string, boolean> | undefined
  private readonly size: number
  /** The regexes as tested: `\bliteral\b` ones as a literal search, the others combined (see combineRe2Lines). */
  private readonly combined: RegExp[]
  private readonly literals: WordLiteralSet | undefined
  /**
   * `sources`: the RE2 text of each line. A `\bliteral\b` line is never compiled (it is valid RE2 by
   * construction, and the word search answers for it: hub files are mostly such lines, e.g. the 610
   * of bad_user_agents.regex.txt); any other line is compiled here, so an invalid one fails the load.
   */
  constructor(readonly sources: readonly string[], cacheSize: number) {
    this.size = cacheSize
    this.results = cacheSize > 0 ? new Map() : undefined
    const words: string[] = []
    const restLines: string[] = []
    for (const line of sources) {
      const literal = wordBoundedLiteral(line)
      if (literal !== undefined) words.push(literal)
      else restLines.push(line)
    }
    this.literals = words.length > 0 ? new WordLiteralSet(words) : undefined
    this.combined = combineRe2Lines(restLines, restLines.map((line) => compileRe2(line)))
  }
  /**
   * Without a configured cache: the answers for recent short texts (user agents and paths repeat
   * across lines), forgotten all at once when full. Keys are copies, never views into a line.
   */
  private readonly recent = new Map<string, boolean>()

  test(text: string): boolean {
    const cache = this.results
    if (cache === undefined) {
      const known = this.recent.get(text)
      if (known !== undefined) return known
      const found = this.search(text)
      if (text.length <= RECENT_MAX_TEXT) {
        if (this.recent.size >= RECENT_MAX) this.recent.clear()
        this.recent.set((' ' + text).slice(1), found)
      }
      return found
    }
    const hit = cache.get(text)
    if (hit !== undefined) {
      cache.delete(text)
      cache.set(text, hit)
      return hit
    }
    const found = this.search(text)
    if (cache.size >= this.size) cache.delete(cache.keys().next().value as string)
    cache.set(text, found)
    return found
  }

  private search(text: string): boolean {
    if (this.literals !== undefined && this.literals.test(text)) return true
    for (const re of this.combined) if (re.test(text)) return true
    return false
  }
}

interface CompiledMapFile {
  rows: MapRow[]
  equals: Map<string, string>
  contains: MapRow[]
  regex: {re: RegExp; tag: string}[]
}

interface CompiledBot {
  entry: BotEntry
  ua?: RegExp
  paths: RegExp[]
  ips: Set<string>
  ranges: string[]
  rdns: RegExp[]
}

/** Splits a data file into entries: `\n` lines, one trailing `\r` dropped, `#` and empty lines skipped. */
export function dataFileLines(text: string): string[] {
  const out: string[] = []
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (line === '' || line.startsWith('#')) continue
    out.push(line)
  }
  return out
}

/** Reads data files from disk (or takes their text directly, for tests and the hub-test runner). */
export class FileDataStore implements DataStore {
  private readonly dataDir: string | undefined
  private readonly logger: Logger
  private readonly stringFiles = new Map<string, string[]>()
  private readonly regexpFiles = new Map<string, RegexpList>()
  private readonly mapFiles = new Map<string, CompiledMapFile>()
  private readonly botFiles = new Map<string, CompiledBot[]>()
  /** Files that could not be read (logged once). */
  readonly missing = new Set<string>()

  constructor(options: {dataDir?: string; logger?: Logger} = {}) {
    this.dataDir = options.dataDir
    this.logger = options.logger ?? silentLogger
  }

  private keyAndPath(file: string, destFile?: string): [string, string] {
    if (destFile !== undefined) return [destFile, path.isAbsolute(file) || this.dataDir === undefined ? file : path.join(this.dataDir, file)]
    if (!path.isAbsolute(file)) return [file, this.dataDir === undefined ? file : path.join(this.dataDir, file)]
    if (this.dataDir !== undefined) {
      const rel = path.relative(this.dataDir, file)
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return [rel.split(path.sep).join('/'), file]
    }
    return [path.basename(file), file]
  }

  loadDataFile(file: string, type: string, options: RegexpCacheOptions & {destFile?: string} = {}): void {
    if (type === '') return
    const [key, full] = this.keyAndPath(file, options.destFile)
    if (this.has(key, type)) return
    let text: string
    try {
      text = readFileSync(full, 'utf8')
    } catch (e) {
      if (!this.missing.has(key)) this.logger.warn(`data file ${key}: ${(e as Error).message}`)
      this.missing.add(key)
      return
    }
    this.addText(key, type, text, options)
  }

  private has(key: string, type: string): boolean {
    switch (type) {
      case 'string': return this.stringFiles.has(key)
      case 'regexp': case 'regex': return this.regexpFiles.has(key)
      case 'map': return this.mapFiles.has(key)
      case 'bots': return this.botFiles.has(key)
    }
    return false
  }

  /** Registers a data file from its text. Throws on an invalid regexp or map/bots line. */
  addText(key: string, type: string, text: string, options: RegexpCacheOptions = {}): void {
    const lines = dataFileLines(text)
    switch (type) {
      case 'string':
        this.stringFiles.set(key, stringSlice(lines))
        return
      case 'regexp':
      case 'regex': {
        const wantsCache = options.cache ?? (options.strategy !== undefined || options.size !== undefined || options.ttl !== undefined)
        this.regexpFiles.set(key, new RegexpList(lines, wantsCache ? (options.size ?? 50) : 0))
        return
      }
      case 'map': {
        const compiled: CompiledMapFile = {rows: [], equals: new Map(), contains: [], regex: []}
        lines.forEach((line, n) => {
          const row = JSON.parse(line) as Partial<MapRow>
          if (typeof row.pattern !== 'string' || typeof row.tag !== 'string' || typeof row.type !== 'string') {
            throw new Error(`${key}: line ${n + 1}: map entries need string pattern, tag and type`)
          }
          const r = row as MapRow
          compiled.rows.push(r)
          if (r.type === 'equals') {
            if (!compiled.equals.has(r.pattern)) compiled.equals.set(r.pattern, r.tag)
          } else if (r.type === 'contains') compiled.contains.push(r)
          else if (r.type === 'regex') compiled.regex.push({re: compileRe2(r.pattern), tag: r.tag})
          else throw new Error(`${key}: line ${n + 1}: unknown map type ${JSON.stringify(r.type)}`)
        })
        this.mapFiles.set(key, compiled)
        return
      }
      case 'bots': {
        const bots: CompiledBot[] = []
        lines.forEach((line, n) => {
          const entry = JSON.parse(line) as BotEntry
          if (!entry.ips?.length && !entry.ranges?.length && !entry.rdns?.length) {
            throw new Error(`${key}: line ${n + 1}: a bot needs ips, ranges or rdns`)
          }
          bots.push({
            entry,
            ua: entry.user_agent ? compileRe2('(?i)' + entry.user_agent) : undefined,
            paths: (entry.paths ?? []).map((p) => compileRe2(p)),
            ips: new Set(entry.ips ?? []),
            ranges: entry.ranges ?? [],
            rdns: (entry.rdns ?? []).map((p) => compileRe2(p)),
          })
        })
        this.botFiles.set(key, bots)
        return
      }
      default:
        throw new Error(`${key}: unknown data type ${JSON.stringify(type)}`)
    }
  }

  strings(name: string): string[] | undefined {
    return this.stringFiles.get(name)
  }
  regexps(name: string): RegexpFile | undefined {
    return this.regexpFiles.get(name)
  }
  mapRows(name: string): MapRow[] | undefined {
    return this.mapFiles.get(name)?.rows
  }
  compiledMap(name: string): CompiledMapFile | undefined {
    return this.mapFiles.get(name)
  }
  bots(name: string): BotEntry[] | undefined {
    return this.botFiles.get(name)?.map((b) => b.entry)
  }
  compiledBots(name: string): CompiledBot[] | undefined {
    return this.botFiles.get(name)
  }
}

function lookupInMap(ctx: HelperContext, name: string, value: string): string | undefined {
  const store = ctx.data
  let compiled: CompiledMapFile | undefined
  if (store instanceof FileDataStore) compiled = store.compiledMap(name)
  else {
    const rows = store.mapRows(name)
    if (rows !== undefined) {
      compiled = {rows, equals: new Map(), contains: [], regex: []}
      for (const r of rows) {
        if (r.type === 'equals' && !compiled.equals.has(r.pattern)) compiled.equals.set(r.pattern, r.tag)
        else if (r.type === 'contains') compiled.contains.push(r)
        else if (r.type === 'regex') compiled.regex.push({re: compileRe2(r.pattern), tag: r.tag})
      }
    }
  }
  if (compiled === undefined) return undefined
  const exact = compiled.equals.get(value)
  if (exact !== undefined) return exact
  let best = -1
  let tag = ''
  for (const row of compiled.contains) {
    const at = value.indexOf(row.pattern)
    if (at >= 0 && (best < 0 || at < best)) {
      best = at
      tag = row.tag
    }
  }
  if (best >= 0) return tag
  for (const r of compiled.regex) if (r.re.test(value)) return r.tag
  return ''
}

function botMatches(ctx: HelperContext, bot: CompiledBot, ip: string, ua: string, urlPath: string): boolean {
  if (bot.ua !== undefined && !bot.ua.test(ua)) return false
  if (bot.paths.length > 0 && !bot.paths.some((re) => re.test(urlPath))) return false
  if (bot.ips.has(ip)) return true
  if (parseIP(ip) !== null && bot.ranges.some((r) => ipInRange(ip, r))) return true
  if (bot.rdns.length > 0 && ctx.dns?.lookupAddr !== undefined) {
    for (const name of ctx.dns.lookupAddr(ip) ?? []) {
      if (!bot.rdns.some((re) => re.test(name))) continue
      // forward-confirm: the name must resolve back to the IP
      const addrs = ctx.dns.lookupHost(name.endsWith('.') ? name.slice(0, -1) : name) ?? []
      if (addrs.includes(ip)) return true
    }
  }
  return false
}

export function dataFileHelpers(ctx: HelperContext): Record<string, Helper> {
  const warnUnknown = (helper: string, name: string): void => {
    ctx.logger.error(`${helper}: file '${name}' not found in expr library (not declared in a data section, or missing)`)
  }
  return {
    File(name) {
      const file = str(name)
      const lines = ctx.data.strings(file)
      if (lines === undefined) {
        warnUnknown('File', file)
        return stringSlice([])
      }
      return lines
    },
    RegexpInFile(data, name) {
      const text = str(data)
      const file = str(name)
      const list = ctx.data.regexps(file)
      if (list === undefined) {
        warnUnknown('RegexpInFile', file)
        return false
      }
      return list.test(text)
    },
    FileMap(name) {
      const file = str(name)
      const rows = ctx.data.mapRows(file)
      if (rows === undefined) {
        warnUnknown('FileMap', file)
        return []
      }
      return rows.map((r) => {
        const m = newStringMap()
        m.pattern = r.pattern
        m.tag = r.tag
        m.type = r.type
        return m
      })
    },
    LookupFile(value, name) {
      const text = str(value)
      const file = str(name)
      const tag = lookupInMap(ctx, file, text)
      if (tag === undefined) {
        warnUnknown('LookupFile', file)
        return ''
      }
      return tag
    },
    MatchKnownBot(ip, ua, urlPath, ...files) {
      const ipText = str(ip)
      const uaText = str(ua)
      const pathText = str(urlPath)
      for (const f of files) {
        const file = str(f)
        const store = ctx.data
        let bots: CompiledBot[] | undefined
        if (store instanceof FileDataStore) bots = store.compiledBots(file)
        else {
          bots = store.bots(file)?.map((entry) => ({
            entry,
            ua: entry.user_agent ? compileRe2('(?i)' + entry.user_agent) : undefined,
            paths: (entry.paths ?? []).map((p) => compileRe2(p)),
            ips: new Set(entry.ips ?? []),
            ranges: entry.ranges ?? [],
            rdns: (entry.rdns ?? []).map((p) => compileRe2(p)),
          }))
        }
        if (bots === undefined) {
          warnUnknown('MatchKnownBot', file)
          continue
        }
        if (bots.some((b) => botMatches(ctx, b, ipText, uaText, pathText))) return true
      }
      return false
    },
  }
}
