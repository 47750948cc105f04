/**
 * RE2 (Go regexp) for regexes that come from data files (`RegexpInFile`, map/bots files),
 * compiled by src/regex (exact, and safe on attacker text). Errors carry Go's wording.
 */
import {Re2RegExp, Re2SyntaxError as Re2ParseError, compileRe2 as compile} from '../../regex/index.js'

export class Re2SyntaxError extends Error {
  constructor(message: string) {
    super(`error parsing regexp: ${message}`)
    this.name = 'Re2SyntaxError'
  }
}

/** Compiles an RE2 pattern to a RegExp whose test/exec have RE2's meaning (throws Re2SyntaxError). */
export function compileRe2(pattern: string): RegExp {
  try {
    return new Re2RegExp(compile(pattern, {usedGroups: new Set()}))
  } catch (error) {
    if (error instanceof Re2ParseError) throw new Re2SyntaxError(error.message)
    throw error
  }
}
