/**
 * A CompileEnv for tests of the parse runtime that do not depend on the expression engine:
 * expressions are looked up in a table of JS functions; grok patterns are plain JS regexes
 * with named groups (`(?<field>...)`).
 */
import {CrowdError} from '../../src/model/errors.js'
import type {Event} from '../../src/model/event.js'
import {silentLogger} from '../../src/model/logger.js'
import type {CompileEnv, GrokMatcher} from '../../src/parse/compile-node.js'

export type FakeExpr = (evt: Event) => unknown

export function fakeEnv(exprs: Record<string, FakeExpr>, patterns: Record<string, string> = {}): CompileEnv & {stashed: Array<[string, string]>} {
  const stashed: Array<[string, string]> = []
  const grok = (source: string): GrokMatcher => {
    const re = new RegExp(source)
    return {
      match(text: string) {
        const m = re.exec(text)
        if (m === null || m.groups === undefined) return null
        const out: Record<string, string> = {}
        for (const [k, v] of Object.entries(m.groups)) out[k] = v ?? ''
        return out
      },
    }
  }
  return {
    stashed,
    logger: silentLogger,
    compileExpr(source, location) {
      const fn = exprs[source]
      if (fn === undefined) throw new CrowdError('expr-compile', `unknown expression ${source}`, location)
      return {source, run: (vars: Record<string, unknown>) => fn(vars.evt as Event)}
    },
    addPattern(name, definition) {
      if (name in patterns) return false
      patterns[name] = definition
      return true
    },
    compileGrok: (pattern) => grok(pattern),
    compileNamedGrok: (name) => (name in patterns ? grok(patterns[name]!) : undefined),
    loadData() {},
    createStash: () => ({set: (k, v) => stashed.push([k, v])}),
  }
}
