/**
 * "Does one of these fixed strings occur in the text?" for lists known at load time (data
 * files): each pattern is anchored on its rarest character (punctuation such as `$`, `<`, `'`
 * before letters, `/` and `.` last), patterns are grouped by anchor, and a search is one native
 * `indexOf` scan per anchor character plus a `startsWith` check at each hit. A text full of one
 * anchor character (attacker text) switches that group to one `indexOf` per pattern, so the
 * cost stays linear in the text for each pattern.
 */

/** Lower is rarer in HTTP paths, arguments and user agents. */
function rarity(c: number): number {
  if (c >= 0x80) return 1
  if (c < 0x20 || c === 0x7f) return 2
  const ch = String.fromCharCode(c)
  if ('$<>\'"{}[]|\\^`~!@#*'.includes(ch)) return 2
  if (ch === '%') return 6
  if (':=&+,?_'.includes(ch)) return 10
  if (';()'.includes(ch)) return 12
  if (c >= 0x30 && c <= 0x39) return 15
  const lower = ch.toLowerCase()
  if ('jqxzkvwybgfp'.includes(lower)) return 18
  if ('hlcudm'.includes(lower)) return 24
  if (lower >= 'a' && lower <= 'z') return 28
  if (ch === '-') return 20
  return 32 // '.', '/', ' '
}

interface Entry {
  pattern: string
  /** Index of the anchor character in the pattern. */
  offset: number
}

interface Group {
  anchor: string
  entries: Entry[]
}

/** Hits of one anchor character after which the group is searched pattern by pattern. */
const HIT_LIMIT = 16

export class LiteralSearch {
  private readonly groups: Group[]
  /** Some pattern is '' (occurs everywhere). */
  readonly hasEmpty: boolean

  constructor(patterns: readonly string[]) {
    this.hasEmpty = patterns.includes('')
    const byAnchor = new Map<string, Entry[]>()
    for (const pattern of new Set(patterns)) {
      if (pattern === '') continue
      let best = 0
      for (let i = 1; i < pattern.length; i++) if (rarity(pattern.charCodeAt(i)) < rarity(pattern.charCodeAt(best))) best = i
      const anchor = pattern[best]!
      const group = byAnchor.get(anchor)
      const entry = {pattern, offset: best}
      if (group === undefined) byAnchor.set(anchor, [entry])
      else group.push(entry)
    }
    this.groups = [...byAnchor].map(([anchor, entries]) => ({anchor, entries}))
  }

  /**
   * True when a pattern occurs in `text` at a place `accept(text, start, end)` agrees to (any
   * place when `accept` is omitted; '' is only reported through `hasEmpty`).
   */
  test(text: string, accept?: (text: string, start: number, end: number) => boolean): boolean {
    for (const group of this.groups) {
      let i = text.indexOf(group.anchor)
      let hits = 0
      while (i >= 0) {
        if (++hits > HIT_LIMIT) {
          if (this.slowGroup(group, text, accept)) return true
          break
        }
        for (const {pattern, offset} of group.entries) {
          const start = i - offset
          if (start >= 0 && text.startsWith(pattern, start) && (accept === undefined || accept(text, start, start + pattern.length))) return true
        }
        i = text.indexOf(group.anchor, i + 1)
      }
    }
    return false
  }

  private slowGroup(group: Group, text: string, accept?: (text: string, start: number, end: number) => boolean): boolean {
    for (const {pattern} of group.entries) {
      let at = text.indexOf(pattern)
      while (at >= 0) {
        if (accept === undefined || accept(text, at, at + pattern.length)) return true
        at = text.indexOf(pattern, at + 1)
      }
    }
    return false
  }
}

/** A unique pattern of a LiteralMultiSearch: its anchor offset and the ids it reports. */
interface MultiEntry {
  pattern: string
  offset: number
  /** Index in `stamps` (one per unique pattern). */
  unique: number
  ids: number[]
}

/**
 * "Which of these fixed strings occur in the text?" in one pass: every pattern is anchored on
 * its rarest character (as LiteralSearch), the text is walked once with a character -> group
 * table, and at each anchor hit the group's patterns not found yet are checked with
 * `startsWith`. A group hit more than HIT_LIMIT times in one text is searched pattern by
 * pattern with native `includes` instead, so attacker text full of one anchor stays linear in
 * the text for each pattern. Each pattern id is reported at most once per scan.
 */
export class LiteralMultiSearch {
  private readonly groups: MultiEntry[][] = []
  private readonly ascii = new Int32Array(128).fill(-1)
  private readonly other = new Map<number, number>()
  /** Ids of '' patterns (they occur in every text). */
  private readonly empty: number[] = []
  private readonly stamps: Uint32Array
  private readonly groupStamps: Uint32Array
  private readonly hits: Uint32Array
  /** Anchor character of each group (native indexOf mode). */
  private readonly anchors: string[] = []
  /** Few groups: one native indexOf scan per anchor beats the per-character walk. */
  private readonly byIndexOf: boolean
  private scanNo = 0

  /**
   * Pattern ids are their indexes in `patterns` (duplicates allowed). With at most
   * `indexOfGroups` distinct anchors the text is searched with one native indexOf per anchor.
   */
  constructor(readonly patterns: readonly string[], indexOfGroups = 8) {
    const unique = new Map<string, MultiEntry>()
    const byAnchor = new Map<number, number>()
    patterns.forEach((pattern, id) => {
      if (pattern === '') {
        this.empty.push(id)
        return
      }
      const known = unique.get(pattern)
      if (known !== undefined) {
        known.ids.push(id)
        return
      }
      let best = 0
      for (let i = 1; i < pattern.length; i++) if (rarity(pattern.charCodeAt(i)) < rarity(pattern.charCodeAt(best))) best = i
      const entry: MultiEntry = {pattern, offset: best, unique: unique.size, ids: [id]}
      unique.set(pattern, entry)
      const c = pattern.charCodeAt(best)
      let g = byAnchor.get(c)
      if (g === undefined) {
        g = this.groups.length
        byAnchor.set(c, g)
        this.groups.push([])
        this.anchors.push(String.fromCharCode(c))
        if (c < 128) this.ascii[c] = g
        else this.other.set(c, g)
      }
      this.groups[g]!.push(entry)
    })
    this.stamps = new Uint32Array(unique.size)
    this.groupStamps = new Uint32Array(this.groups.length)
    this.hits = new Uint32Array(this.groups.length)
    this.byIndexOf = this.groups.length <= indexOfGroups
  }

  /** One indexOf scan per anchor (LiteralSearch's way), every pattern reported once. */
  private scanByIndexOf(text: string, found: (id: number) => void, scanNo: number): void {
    const {groups, anchors} = this
    for (let g = 0; g < groups.length; g++) {
      const entries = groups[g]!
      const anchor = anchors[g]!
      let i = text.indexOf(anchor)
      let hits = 0
      while (i >= 0) {
        if (++hits > HIT_LIMIT) {
          this.reportAll(entries, text, found, scanNo)
          break
        }
        this.reportAt(entries, text, i, found, scanNo)
        i = text.indexOf(anchor, i + 1)
      }
    }
  }

  /** Calls `found(id)` once for each pattern id that occurs in `text` ('' patterns always). */
  scan(text: string, found: (id: number) => void): void {
    for (const id of this.empty) found(id)
    if (this.groups.length === 0) return
    if (++this.scanNo === 0xffffffff) {
      this.stamps.fill(0)
      this.groupStamps.fill(0)
      this.scanNo = 1
    }
    const scanNo = this.scanNo
    if (this.byIndexOf) {
      this.scanByIndexOf(text, found, scanNo)
      return
    }
    const {ascii, other, groups, groupStamps, hits} = this
    const hasOther = other.size > 0
    const n = text.length
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i)
      let g: number
      if (c < 128) g = ascii[c]!
      else if (hasOther) g = other.get(c) ?? -1
      else continue
      if (g < 0) continue
      if (groupStamps[g] !== scanNo) {
        groupStamps[g] = scanNo
        hits[g] = 0
      }
      const h = hits[g]! + 1
      hits[g] = h
      const entries = groups[g]!
      if (h > HIT_LIMIT) {
        if (h === HIT_LIMIT + 1) this.reportAll(entries, text, found, scanNo)
        continue
      }
      this.reportAt(entries, text, i, found, scanNo)
    }
  }

  /** Reports the group's patterns whose anchor is at `at` (each pattern once per scan). */
  private reportAt(entries: readonly MultiEntry[], text: string, at: number, found: (id: number) => void, scanNo: number): void {
    const stamps = this.stamps
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!
      if (stamps[e.unique] === scanNo) continue
      const start = at - e.offset
      if (start >= 0 && text.startsWith(e.pattern, start)) {
        stamps[e.unique] = scanNo
        for (const id of e.ids) found(id)
      }
    }
  }

  /** A text full of the anchor (attacker text): one native search per pattern keeps the cost linear. */
  private reportAll(entries: readonly MultiEntry[], text: string, found: (id: number) => void, scanNo: number): void {
    const stamps = this.stamps
    for (const e of entries) {
      if (stamps[e.unique] !== scanNo && text.includes(e.pattern)) {
        stamps[e.unique] = scanNo
        for (const id of e.ids) found(id)
      }
    }
  }
}

function isWordUnit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
}

/** RE2's (and JS's non-`i`) `\b`: ASCII word characters, the text's ends count as non-word. */
export function isWordBoundary(text: string, at: number): boolean {
  const before = at > 0 && isWordUnit(text.charCodeAt(at - 1))
  const after = at < text.length && isWordUnit(text.charCodeAt(at))
  return before !== after
}

export function wordBounded(text: string, start: number, end: number): boolean {
  return isWordBoundary(text, start) && isWordBoundary(text, end)
}

const SIMPLE_ESCAPE = /^[^A-Za-z0-9]$/

/**
 * The literal of an RE2 pattern of the form `\bLITERAL\b` (literal characters and escaped
 * punctuation only, no flags), else undefined. Such a regex matches exactly where LITERAL occurs
 * with a word boundary on both sides.
 */
export function wordBoundedLiteral(pattern: string): string | undefined {
  if (!pattern.startsWith('\\b') || !pattern.endsWith('\\b') || pattern.length < 5) return undefined
  const body = pattern.slice(2, -2)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!
    if (ch === '\\') {
      const next = body[i + 1]
      if (next === undefined || !SIMPLE_ESCAPE.test(next)) return undefined
      out += next
      i++
      continue
    }
    if ('.^$|?*+()[]{}'.includes(ch)) return undefined
    const c = ch.charCodeAt(0)
    if (c >= 0xd800 && c <= 0xdfff) return undefined
    out += ch
  }
  return out === '' ? undefined : out
}

/**
 * "Does one of these literals occur between word boundaries (`\bLITERAL\b`)?" A literal that
 * starts with a word character can only match where a word of the text starts, and that word
 * must equal the literal's leading word: the text is cut into words once and each word is looked
 * up. Literals starting with another character use a LiteralSearch.
 */
export class WordLiteralSet {
  private readonly byLeadingWord = new Map<string, string[]>()
  private readonly others: LiteralSearch | undefined

  constructor(literals: readonly string[]) {
    const others: string[] = []
    for (const literal of new Set(literals)) {
      let end = 0
      while (end < literal.length && isWordUnit(literal.charCodeAt(end))) end++
      if (end === 0) {
        others.push(literal)
        continue
      }
      const key = literal.slice(0, end)
      const list = this.byLeadingWord.get(key)
      if (list === undefined) this.byLeadingWord.set(key, [literal])
      else list.push(literal)
    }
    this.others = others.length > 0 ? new LiteralSearch(others) : undefined
  }

  test(text: string): boolean {
    const n = text.length
    let i = 0
    while (i < n) {
      if (!isWordUnit(text.charCodeAt(i))) {
        i++
        continue
      }
      let j = i + 1
      while (j < n && isWordUnit(text.charCodeAt(j))) j++
      const candidates = this.byLeadingWord.get(text.slice(i, j))
      if (candidates !== undefined) {
        for (const literal of candidates) if (text.startsWith(literal, i) && isWordBoundary(text, i + literal.length)) return true
      }
      i = j
    }
    return this.others !== undefined && this.others.test(text, wordBounded)
  }
}
