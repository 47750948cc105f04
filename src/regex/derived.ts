/**
 * Facts derived from an RE2 source that loading content asks for often (group counts of every
 * grok pattern defined, literals a `matches` requires), through the content cache in force
 * (src/platform/content-cache.ts): a cached run does not parse the pattern.
 */
import {throughContentCache} from '../platform/content-cache.js'
import {requiredLiterals} from './literals.js'
import {parseRe2} from './syntax.js'

/** requiredLiterals of an RE2 source (throws Re2SyntaxError when it is invalid); an entry holds null for "none required". */
export function requiredLiteralsOf(source: string): string[] | undefined {
  // null, not undefined, for "none required": JSON keeps it
  return throughContentCache('re2-literals', [source], () => requiredLiterals(parseRe2(source).root) ?? null) ?? undefined
}

/** The number of capture groups of an RE2 source (throws Re2SyntaxError when it is invalid), through the content cache in force. */
export function groupCountOf(source: string): number {
  return throughContentCache('re2-groups', [source], () => parseRe2(source).groups)
}
