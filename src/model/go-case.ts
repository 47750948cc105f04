/**
 * Go's strings.ToUpper / strings.ToLower (unicode simple case mapping, one code point at a
 * time) and a fast ASCII test, shared by the expr builtins (`upper`, `lower`), the CrowdSec
 * helpers (`Upper`, `Lower`) and the templates' Sprig functions (`upper`, `title`...).
 *
 * ASCII text maps the same in Go and in JS, so it takes `String.prototype.toUpperCase`. Other
 * text is mapped per code point: JS's single-code-point mapping equals Go's except where JS uses
 * a multi-character full mapping (SpecialCasing): `ß` -> "SS", `ŉ`, `ǰ`, the Greek iota forms,
 * ligatures, `İ` -> "i̇". Go keeps the code point unless UnicodeData gives a simple mapping
 * (the table below); mapping one code point at a time also avoids JS's context-dependent
 * final sigma (Go lowers `Σ` to `σ` everywhere).
 *
 * Results are cached for the last few inputs: the scenarios of one event ask for the same
 * `Upper(evt.Meta.http_path)` many times.
 */
import {Buffer} from 'node:buffer'

/** True when every UTF-16 unit of s is ASCII (one UTF-8 byte each). */
export function isAsciiText(s: string): boolean {
  return s.length < 16 ? isAsciiLoop(s) : Buffer.byteLength(s, 'utf8') === s.length
}

function isAsciiLoop(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** Simple uppercase mappings of code points whose full (JS) uppercase has several characters. */
const SIMPLE_UPPER = new Map<number, number>()
for (const base of [0x1f80, 0x1f90, 0x1fa0]) for (let i = 0; i < 8; i++) SIMPLE_UPPER.set(base + i, base + 8 + i)
SIMPLE_UPPER.set(0x1fb3, 0x1fbc)
SIMPLE_UPPER.set(0x1fc3, 0x1fcc)
SIMPLE_UPPER.set(0x1ff3, 0x1ffc)

function upperRune(ch: string): string {
  const m = ch.toUpperCase()
  if (m.length === ch.length && (m.length === 1 || m.codePointAt(0)! > 0xffff)) return m
  const simple = SIMPLE_UPPER.get(ch.codePointAt(0)!)
  return simple === undefined ? ch : String.fromCodePoint(simple)
}

function lowerRune(ch: string): string {
  if (ch === '\u0130') return 'i'
  const m = ch.toLowerCase()
  return m.length === ch.length && (m.length === 1 || m.codePointAt(0)! > 0xffff) ? m : ch
}

/** Maps ASCII runs with `ascii` and every other code point with `rune`. */
function mapRunes(s: string, ascii: (run: string) => string, rune: (ch: string) => string): string {
  let out = ''
  let run = 0 // start of the pending ASCII run
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (run < i) out += ascii(s.slice(run, i))
    let ch = s[i]!
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) ch = s.slice(i, i + 2)
    }
    out += rune(ch)
    i += ch.length - 1
    run = i + 1
  }
  return run < s.length ? out + ascii(s.slice(run)) : out
}

const asciiUpper = (t: string): string => t.toUpperCase()
const asciiLower = (t: string): string => t.toLowerCase()

/** Recent results, set-associative on the input's length (32 sets of 2 ways): O(1) lookups. */
const SETS = 32
const WAYS = 2

class RecentResults {
  private readonly inputs: (string | undefined)[] = new Array(SETS * WAYS).fill(undefined)
  private readonly outputs: string[] = new Array(SETS * WAYS).fill('')
  get(s: string): string | undefined {
    const base = (s.length & (SETS - 1)) * WAYS
    const inputs = this.inputs
    if (inputs[base] === s) return this.outputs[base]
    if (inputs[base + 1] === s) return this.outputs[base + 1]
    return undefined
  }
  set(s: string, v: string): void {
    const base = (s.length & (SETS - 1)) * WAYS
    // the older way moves out: way 0 holds the newest entry
    this.inputs[base + 1] = this.inputs[base]
    this.outputs[base + 1] = this.outputs[base]!
    this.inputs[base] = s
    this.outputs[base] = v
  }
}

const upperCache = new RecentResults()
const lowerCache = new RecentResults()

/** The exact per-code-point mapping (no ASCII shortcut, no cache). */
export function goToUpperExact(s: string): string {
  return mapRunes(s, asciiUpper, upperRune)
}

export function goToLowerExact(s: string): string {
  return mapRunes(s, asciiLower, lowerRune)
}

export function goToUpper(s: string): string {
  if (s.length < 8) return isAsciiLoop(s) ? s.toUpperCase() : goToUpperExact(s)
  const hit = upperCache.get(s)
  if (hit !== undefined) return hit
  const v = isAsciiText(s) ? s.toUpperCase() : goToUpperExact(s)
  upperCache.set(s, v)
  return v
}

export function goToLower(s: string): string {
  if (s.length < 8) return isAsciiLoop(s) ? s.toLowerCase() : goToLowerExact(s)
  const hit = lowerCache.get(s)
  if (hit !== undefined) return hit
  const v = isAsciiText(s) ? s.toLowerCase() : goToLowerExact(s)
  lowerCache.set(s, v)
  return v
}
