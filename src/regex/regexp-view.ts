/**
 * A RegExp whose `test` and `exec` run an Re2Regex, for code typed against RegExp. Only those
 * two methods (and what JS builds on `exec` for a flag-less regex: String#match, #search,
 * a single String#replace) have RE2's meaning; `source` is the JS translation, for display.
 */
import type {Re2Regex} from './compile.js'

export class Re2RegExp extends RegExp {
  readonly re2: Re2Regex

  constructor(re2: Re2Regex) {
    super(re2.jsSource ?? '(?:)', re2.jsSource === undefined ? '' : 'u')
    this.re2 = re2
  }

  static override get [Symbol.species](): RegExpConstructor {
    return RegExp
  }

  override test(text: string): boolean {
    return this.re2.test(String(text))
  }

  override exec(text: string): RegExpExecArray | null {
    const input = String(text)
    const m = this.re2.exec(input)
    if (m === null) return null
    const out = Array.from({length: m.length}, (_, k) => m[k]) as RegExpExecArray
    out.index = m.index
    out.input = input
    out.groups = undefined
    return out
  }
}
