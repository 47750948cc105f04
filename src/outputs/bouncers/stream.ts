/**
 * Reads the text of a decision stream answer (`{"new": [...], "deleted": [...]}`) one decision at a
 * time: JSON.parse of the whole answer would hold every decision as an object at once (a startup
 * of 1,000,000 decisions is some hundreds of MB of objects); here each item is parsed when it is
 * used and dropped after. The text is scanned once for the two lists' bounds (strings and nesting
 * respected) before any item is used; a text that is not a JSON object is an error, a malformed
 * item comes out as null (garbage, counted).
 */
import type {StreamAnswer, StreamDecision} from './decisions.js'

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d])

class Scanner {
  i = 0
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new Error(`the answer is not a decision stream: ${what} at offset ${this.i}`)
  }

  skipSpace(): void {
    while (this.i < this.text.length && SPACE.has(this.text.charCodeAt(this.i))) this.i++
  }

  expect(c: string): void {
    this.skipSpace()
    if (this.text[this.i] !== c) this.fail(`expected ${c}`)
    this.i++
  }

  /** Skips a string starting at the quote under the cursor; returns its JSON text. */
  string(): string {
    const start = this.i
    if (this.text[this.i] !== '"') this.fail('expected a string')
    for (this.i++; this.i < this.text.length; this.i++) {
      const c = this.text.charCodeAt(this.i)
      if (c === 0x5c) this.i++
      else if (c === 0x22) {
        this.i++
        return this.text.slice(start, this.i)
      }
    }
    return this.fail('unterminated string')
  }

  /** Skips one JSON value (strings and nesting respected; the pieces are checked by JSON.parse later). */
  value(): void {
    this.skipSpace()
    const c = this.text[this.i]
    if (c === '"') {
      this.string()
      return
    }
    if (c === '{' || c === '[') {
      let depth = 0
      for (; this.i < this.text.length; this.i++) {
        const d = this.text[this.i]
        if (d === '"') {
          this.string()
          this.i--
        } else if (d === '{' || d === '[') depth++
        else if (d === '}' || d === ']') {
          depth--
          if (depth === 0) {
            this.i++
            return
          }
        }
      }
      this.fail('unterminated value')
    }
    const start = this.i
    while (this.i < this.text.length && !',]}'.includes(this.text[this.i]!) && !SPACE.has(this.text.charCodeAt(this.i))) this.i++
    if (this.i === start) this.fail('expected a value')
  }
}

/** The two lists of a stream answer's text, each item parsed when iterated. */
export function readStreamText(text: string): StreamAnswer & {new: Iterable<StreamDecision>; deleted: Iterable<StreamDecision>} {
  const s = new Scanner(text)
  const lists: Record<string, [number, number]> = {}
  s.expect('{')
  s.skipSpace()
  if (text[s.i] === '}') s.i++
  else {
    for (;;) {
      s.skipSpace()
      const key = JSON.parse(s.string()) as string
      s.expect(':')
      s.skipSpace()
      const start = s.i
      s.value()
      if (key === 'new' || key === 'deleted') {
        if (text[start] === '[') lists[key] = [start, s.i]
        else if (text.slice(start, s.i) !== 'null') s.fail(`"${key}" must be a list`)
      }
      s.skipSpace()
      if (text[s.i] === ',') {
        s.i++
        continue
      }
      s.expect('}')
      break
    }
  }
  s.skipSpace()
  if (s.i !== text.length) s.fail('text after the answer')
  return {new: items(text, lists.new), deleted: items(text, lists.deleted)}
}

function items(text: string, bounds: [number, number] | undefined): Iterable<StreamDecision> {
  return {
    *[Symbol.iterator]() {
      if (bounds === undefined) return
      const s = new Scanner(text)
      s.i = bounds[0] + 1
      s.skipSpace()
      if (text[s.i] === ']') return
      for (;;) {
        s.skipSpace()
        const start = s.i
        s.value()
        let item: StreamDecision | null = null
        try {
          item = JSON.parse(text.slice(start, s.i)) as StreamDecision
        } catch {
          // a malformed item is garbage (counted by DecisionState), not the end of the answer
        }
        yield item as StreamDecision
        s.skipSpace()
        if (text[s.i] === ',') s.i++
        else if (text[s.i] === ']') return
        else s.fail('expected , or ]')
      }
    },
  }
}
