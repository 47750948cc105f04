/**
 * The grok pattern host: named patterns, expansion of %{NAME} / %{NAME:field} exactly as
 * CrowdSec's grokky fork does it (grok.md §2, including the capCount heuristic), and compiled
 * patterns whose `match` returns CrowdSec's field map.
 */
import {CrowdError, type SourceLocation} from '../model/errors.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {Re2SyntaxError, compileRe2, groupCountOf, type Re2Regex} from '../regex/index.js'

export interface PatternLocation {
  file?: string
  line?: number
}

export interface GrokPattern {
  /** The pattern text as written. */
  readonly source: string
  /** The expanded RE2 regex. */
  readonly expanded: string
  /** Field names, in definition order. */
  readonly fields: string[]
  /** Which engine runs it ('js' native RegExp, 'vm' exact fallback). */
  readonly engine: 'js' | 'vm'
  /** CrowdSec's result map: every field (non-participating ones as ""), or null when the grok fails. */
  match(text: string): Record<string, string> | null
  /**
   * `match` without the result map: on success writes every field (same values as `match`)
   * straight into `target` and returns true; returns false (target untouched) when the grok fails.
   */
  matchInto(text: string, target: Record<string, string>): boolean
}

interface Expansion {
  regex: string
  groups: number
  /** field -> capture group number (CrowdSec's heuristic numbering). */
  sem: Map<string, number>
}

interface Definition {
  definition: string
  location?: PatternLocation
}

const REFERENCE = /%\{(\w+)(?::(\w+))?\}/g
const MAX_DEPTH = 64

/** capCount (grok.md §2.2), bug-compatible: counts a heuristic number of capture groups. */
export function capCount(segment: string): number {
  let n = 0
  for (const ch of segment) if (ch === '(') n++
  n -= segment.match(/\(\?[imsU-]*:/g)?.length ?? 0
  n -= segment.match(/\(?[imsU-]+\)/g)?.length ?? 0
  n -= segment.split('\\(').length - 1
  return n
}

function toLocation(location?: PatternLocation): SourceLocation {
  return {file: location?.file, line: location?.line}
}

export class PatternLibrary {
  private readonly defs = new Map<string, Definition>()
  private readonly expansions = new Map<string, Expansion>()
  private readonly compiled = new Map<string, GrokPattern>()

  constructor(private readonly logger: Logger = silentLogger) {}

  /** A copy with the same definitions (CrowdSec builds separate hosts for parsers and postoverflows). */
  clone(logger: Logger = this.logger): PatternLibrary {
    const copy = new PatternLibrary(logger)
    for (const [name, def] of this.defs) copy.defs.set(name, def)
    for (const [name, exp] of this.expansions) copy.expansions.set(name, exp)
    return copy
  }

  has(name: string): boolean {
    return this.defs.has(name)
  }

  /** The definition text of a named pattern. */
  definition(name: string): string | undefined {
    return this.defs.get(name)?.definition
  }

  names(): string[] {
    return [...this.defs.keys()]
  }

  get size(): number {
    return this.defs.size
  }

  /**
   * Adds a named pattern after validating it (references defined, regex valid).
   * A name that already exists is an error (pattern files) unless `ifExists` is 'keep'
   * (pattern_syntax: the first definition stays, with a warning); returns false then.
   */
  define(name: string, definition: string, location?: PatternLocation, ifExists: 'error' | 'keep' = 'error'): boolean {
    if (name === '' || definition === '') {
      throw new CrowdError('grok', `pattern ${name === '' ? 'name' : `${name} definition`} is empty`, toLocation(location))
    }
    if (!/^\w+$/.test(name)) throw new CrowdError('grok', `invalid pattern name ${JSON.stringify(name)}`, toLocation(location))
    if (this.defs.has(name)) {
      if (ifExists === 'error') {
        const first = this.defs.get(name)?.location
        const where = first?.file === undefined ? '' : ` (first defined in ${first.file}${first.line === undefined ? '' : `:${first.line}`})`
        throw new CrowdError('grok', `the pattern ${name} already exists${where}`, toLocation(location))
      }
      this.logger.warn(`pattern ${name} already exists, keeping the first definition`)
      return false
    }
    const expansion = this.expand(definition, location, 0)
    this.defs.set(name, {definition, location})
    this.expansions.set(name, expansion)
    return true
  }

  /** Adds `pattern_syntax` entries in order (grok.md §4.4). */
  definePatternSyntax(entries: Iterable<[string, string]>, location?: PatternLocation): void {
    for (const [name, definition] of entries) this.define(name, definition, location, 'keep')
  }

  /** Compiles a grok pattern (inline `pattern:`); cached by text. */
  compile(pattern: string, location?: PatternLocation): GrokPattern {
    const cached = this.compiled.get(pattern)
    if (cached !== undefined) return cached
    const expansion = this.expand(pattern, location, 0)
    let matcher: Re2Regex
    try {
      matcher = compileRe2(expansion.regex, {usedGroups: new Set(expansion.sem.values())})
    } catch (error) {
      throw this.regexError(pattern, error, location)
    }
    if (matcher.nestedUnbounded) {
      this.logger.debug(`grok pattern has nested unbounded quantifiers (relies on the linear-time regex fallback): ${pattern.slice(0, 120)}`)
    }
    if (matcher.engine === 'vm') this.logger.debug(`grok pattern runs on the exact fallback engine (${matcher.vmReason}): ${pattern.slice(0, 120)}`)
    const grok = makeGrokPattern(pattern, expansion, matcher)
    this.compiled.set(pattern, grok)
    return grok
  }

  /** Compiles the library pattern `name` (`grok: name:`). */
  compileNamed(name: string, location?: PatternLocation): GrokPattern {
    const definition = this.defs.get(name)?.definition
    if (definition === undefined) throw new CrowdError('grok', `pattern ${name} is not defined`, toLocation(location))
    return this.compile(definition, location)
  }

  /** Expands a pattern text (grok.md §2.1). */
  expand(pattern: string, location: PatternLocation | undefined, depth: number): Expansion {
    if (depth > MAX_DEPTH) throw new CrowdError('grok', 'pattern references nest too deeply', toLocation(location))
    const refs = [...pattern.matchAll(REFERENCE)]
    if (refs.length === 0) return {regex: pattern, groups: this.countGroups(pattern, pattern, location), sem: new Map()}
    const used = new Set(refs.map((r) => r[2] ?? ''))
    const sem = new Map<string, number>()
    let regex = ''
    let order = 1
    let last = 0
    for (const ref of refs) {
      const segment = pattern.slice(last, ref.index)
      order += capCount(segment)
      const name = ref[1]
      const sub = this.expandName(name, location, depth + 1)
      regex += `${segment}(${sub.regex})`
      const field = ref[2]
      if (field !== undefined) sem.set(field, order)
      for (const [inner, value] of sub.sem) if (!used.has(inner)) sem.set(inner, order + value)
      order += sub.groups + 1
      last = (ref.index as number) + ref[0].length
    }
    regex += pattern.slice(last)
    return {regex, groups: this.countGroups(regex, pattern, location), sem}
  }

  private expandName(name: string, location: PatternLocation | undefined, depth: number): Expansion {
    const cached = this.expansions.get(name)
    if (cached !== undefined) return cached
    const def = this.defs.get(name)
    if (def === undefined) throw new CrowdError('grok', `pattern ${name} is not defined`, toLocation(location))
    const expansion = this.expand(def.definition, def.location ?? location, depth)
    this.expansions.set(name, expansion)
    return expansion
  }

  private countGroups(regex: string, pattern: string, location?: PatternLocation): number {
    try {
      return groupCountOf(regex)
    } catch (error) {
      throw this.regexError(pattern, error, location)
    }
  }

  private regexError(pattern: string, error: unknown, location?: PatternLocation): CrowdError {
    const reason = error instanceof Re2SyntaxError ? error.message : String(error)
    const shown = pattern.length > 200 ? `${pattern.slice(0, 200)}...` : pattern
    return new CrowdError('grok', `invalid grok pattern ${JSON.stringify(shown)}: ${reason}`, toLocation(location), {cause: error})
  }
}

function makeGrokPattern(source: string, expansion: Expansion, matcher: Re2Regex): GrokPattern {
  const fields = [...expansion.sem.keys()]
  const indexes = fields.map((f) => matcher.groupIndex(expansion.sem.get(f) as number))
  const count = fields.length
  const fails = count === 0 || matcher.groups === 0
  // the matcher's function itself: one closure call per line, no property read on a shared site
  const exec = matcher.exec
  return {
    source,
    expanded: expansion.regex,
    fields,
    engine: matcher.engine,
    match(text: string): Record<string, string> | null {
      if (fails) return null
      const m = exec(text)
      if (m === null) return null
      const out = Object.create(null) as Record<string, string>
      for (let k = 0; k < count; k++) out[fields[k]] = (indexes[k] >= 0 ? m[indexes[k]] : undefined) ?? ''
      return out
    },
    matchInto(text: string, target: Record<string, string>): boolean {
      if (fails) return false
      const m = exec(text)
      if (m === null) return false
      for (let k = 0; k < count; k++) {
        const i = indexes[k]
        target[fields[k]] = (i >= 0 ? m[i] : undefined) ?? ''
      }
      return true
    },
  }
}
