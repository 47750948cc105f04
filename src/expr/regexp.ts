/**
 * `matches` uses Go regexp (RE2 syntax), compiled by src/regex (exact, and safe on attacker
 * text). Errors carry Go's wording. Patterns are compiled once: literals at load time, dynamic
 * ones through a bounded cache. The RegExp type is kept for the compiler's use; only `test`
 * (and `exec`) are called on it.
 */
import {Re2RegExp, Re2SyntaxError, compileRe2, type Re2Regex} from '../regex/index.js'

export class RegexpSyntaxError extends Error {}

/** Test-only use: no capture is read. */
const NO_GROUPS: ReadonlySet<number> = new Set()

function compileChecked(pattern: string): Re2Regex {
  try {
    return compileRe2(pattern, {usedGroups: NO_GROUPS})
  } catch (error) {
    if (error instanceof Re2SyntaxError) throw new RegexpSyntaxError(`error parsing regexp: ${error.message}`)
    throw error
  }
}

/** Checks an RE2 pattern; throws RegexpSyntaxError with Go's message. */
export function translateRegexp(pattern: string): void {
  compileChecked(pattern)
}

export function compileRegexp(pattern: string): RegExp {
  return new Re2RegExp(compileChecked(pattern))
}

const CACHE_LIMIT = 512
const cache = new Map<string, RegExp>()

/** A compiled pattern for dynamic `matches` right sides, from a bounded cache. */
export function cachedRegexp(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (re === undefined) {
    re = compileRegexp(pattern)
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
    cache.set(pattern, re)
  }
  return re
}
