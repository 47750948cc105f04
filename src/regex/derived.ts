/**
 * Facts derived from an RE2 source that loading content asks for often (group counts of every
 * grok pattern defined, literals a `matches` requires), through the content cache in force
 * (src/platform/content-cache.ts): a cached run does not parse the pattern.
 */
import {activeContentCache, cacheKey} from '../platform/content-cache.js'
import {requiredLiterals} from './literals.js'
import {parseRe2} from './syntax.js'

/** requiredLiterals of an RE2 source (throws Re2SyntaxError when it is invalid); an entry holds null for "none required". */
export function requiredLiteralsOf(source: string): string[] | undefined {
  const compute = (): string[] | null => requiredLiterals(parseRe2(source).root) ?? null
  const cache = activeContentCache()
  const found = cache === undefined ? compute() : cache.memo('re2-literals', cacheKey('re2-literals', source), compute)
  return found ?? undefined
}

/** The number of capture groups of an RE2 source (throws Re2SyntaxError when it is invalid), through the content cache in force. */
export function groupCountOf(source: string): number {
  const cache = activeContentCache()
  return cache === undefined ? parseRe2(source).groups : cache.memo('re2-groups', cacheKey('re2-groups', source), () => parseRe2(source).groups)
}
