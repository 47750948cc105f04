/**
 * Sprig's regex functions through crowd's RE2 engine (src/regex: Go's syntax, linear time on
 * any text). The search-all forms (regexFindAll, regexReplaceAll*, regexSplit) walk the text
 * match after match; the engine matches a whole string, so patterns whose meaning depends on
 * what precedes a position (^, \b, \B, \A) are refused there rather than answered wrongly.
 */
import {Re2SyntaxError, compileRe2, parseRe2, type Re2Node, type Re2Regex} from '../../regex/index.js'
import {stringSlice} from '../../model/go-values.js'
import {FuncError, fn, type CallContext, type TemplateFunc} from '../funcs.js'

const S = 'string'
const CACHE_LIMIT = 128
const cache = new Map<string, {re: Re2Regex; contextual: boolean}>()

function hasContextAssertion(n: Re2Node): boolean {
  switch (n.type) {
    case 'assert': return n.kind === 'bot' || n.kind === 'bol' || n.kind === 'wb' || n.kind === 'nwb'
    case 'group': case 'repeat': return hasContextAssertion(n.body)
    case 'concat': case 'alt': return n.items.some(hasContextAssertion)
    default: return false
  }
}

function compile(pattern: string): {re: Re2Regex; contextual: boolean} {
  let c = cache.get(pattern)
  if (c !== undefined) return c
  try {
    const tree = parseRe2(pattern)
    c = {re: compileRe2(pattern, {}, tree), contextual: hasContextAssertion(tree.root)}
  } catch (error) {
    if (error instanceof Re2SyntaxError) throw new FuncError(`error parsing regexp: ${error.message}`)
    throw error
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(pattern, c)
  return c
}

interface Found {
  start: number
  end: number
  groups: (string | undefined)[]
}

/** Go's successive non-overlapping matches (an empty match next to the previous one is skipped). */
function findAll(ctx: CallContext, pattern: string, text: string, n: number, fname: string): Found[] {
  const {re, contextual} = compile(pattern)
  if (contextual) throw new FuncError(`${fname}: patterns with ^, \\A or word boundaries are not supported by crowd`)
  const out: Found[] = []
  let pos = 0
  let prevEnd = -1
  while (pos <= text.length && (n < 0 || out.length < n)) {
    ctx.charge(text.length - pos + 1)
    const m = re.exec(text.slice(pos))
    if (m === null) break
    const start = pos + m.index
    const end = start + (m[0] ?? '').length
    if (end === start && start === prevEnd) {
      // skip one code point
      if (start >= text.length) break
      pos = start + (text.codePointAt(start)! > 0xffff ? 2 : 1)
      continue
    }
    out.push({start, end, groups: Array.from({length: m.length}, (_, i) => m[i])})
    prevEnd = end
    pos = end > start ? end : start + (start < text.length && text.codePointAt(start)! > 0xffff ? 2 : 1)
    if (end === start && start >= text.length) break
  }
  return out
}

/** Regexp.Expand: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, f: Found, names: readonly string[]): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_m, all: string, braced?: string, bare?: string) => {
    if (all === '$') return '$'
    const name = braced ?? bare ?? ''
    const index = /^\d+$/.test(name) ? Number(name) : names.indexOf(name)
    return index >= 0 ? f.groups[index] ?? '' : ''
  })
}

function replaceAll(ctx: CallContext, pattern: string, text: string, repl: string, literal: boolean): string {
  const found = findAll(ctx, pattern, text, -1, 'regexReplaceAll')
  const names = compile(pattern).re.names
  let out = ''
  let last = 0
  for (const f of found) {
    out += text.slice(last, f.start) + (literal ? repl : expand(repl, f, names))
    last = f.end
    ctx.checkSize(out.length, 'replace result')
  }
  return out + text.slice(last)
}

function split(ctx: CallContext, pattern: string, text: string, n: number): string[] {
  if (n === 0) return []
  if (pattern.length > 0 && text.length === 0) return ['']
  const found = findAll(ctx, pattern, text, n, 'regexSplit')
  const out: string[] = []
  let beg = 0
  let end = 0
  for (const f of found) {
    if (n > 0 && out.length === n - 1) break
    end = f.start
    if (f.end !== 0) out.push(text.slice(beg, end))
    beg = f.end
  }
  if (end !== text.length) out.push(text.slice(beg))
  return out
}

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

function mustMatch(pattern: string, text: string): boolean {
  return compile(pattern).re.test(text)
}

function find(pattern: string, text: string): string {
  const m = compile(pattern).re.exec(text)
  return m === null ? '' : m[0] ?? ''
}

/** The non-must forms panic on a bad pattern (Sprig): the same error here. */
export const REGEX_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['regexMatch', fn([S, S], ([p, s]) => mustMatch(p as string, s as string))],
  ['mustRegexMatch', fn([S, S], ([p, s]) => mustMatch(p as string, s as string))],
  ['regexFind', fn([S, S], ([p, s]) => find(p as string, s as string))],
  ['mustRegexFind', fn([S, S], ([p, s]) => find(p as string, s as string))],
  ['regexFindAll', fn([S, S, 'int'], ([p, s, n], ctx) => stringSlice(findAll(ctx, p as string, s as string, n as number, 'regexFindAll').map((f) => (s as string).slice(f.start, f.end))))],
  ['mustRegexFindAll', fn([S, S, 'int'], ([p, s, n], ctx) => stringSlice(findAll(ctx, p as string, s as string, n as number, 'regexFindAll').map((f) => (s as string).slice(f.start, f.end))))],
  ['regexReplaceAll', fn([S, S, S], ([p, s, r], ctx) => replaceAll(ctx, p as string, s as string, r as string, false))],
  ['mustRegexReplaceAll', fn([S, S, S], ([p, s, r], ctx) => replaceAll(ctx, p as string, s as string, r as string, false))],
  ['regexReplaceAllLiteral', fn([S, S, S], ([p, s, r], ctx) => replaceAll(ctx, p as string, s as string, r as string, true))],
  ['mustRegexReplaceAllLiteral', fn([S, S, S], ([p, s, r], ctx) => replaceAll(ctx, p as string, s as string, r as string, true))],
  ['regexSplit', fn([S, S, 'int'], ([p, s, n], ctx) => stringSlice(split(ctx, p as string, s as string, n as number)))],
  ['mustRegexSplit', fn([S, S, 'int'], ([p, s, n], ctx) => stringSlice(split(ctx, p as string, s as string, n as number)))],
  ['regexQuoteMeta', fn([S], ([s]) => quoteMeta(s as string))],
]
