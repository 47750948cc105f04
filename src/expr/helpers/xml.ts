/**
 * A small, bounded XML parser and the etree path subset CrowdSec's XMLGetNodeValue /
 * XMLGetAttributeValue use (expr.md §8.4). Text outside the root element is ignored (Windows
 * event lines start with "- <Event ..."); malformed markup makes the document unusable.
 */

export interface XmlAttr {
  space: string
  key: string
  value: string
}

export interface XmlElement {
  space: string
  tag: string
  attrs: XmlAttr[]
  /** Child elements and character data, in order. */
  children: (XmlElement | string)[]
  parent: XmlElement | null
}

const MAX_INPUT = 4 * 1024 * 1024
const MAX_DEPTH = 256
const MAX_NODES = 100_000

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,4});/g, (whole, name: string) => {
    if (name[0] === '#') {
      const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new XmlError(`invalid character entity ${whole}`)
      return String.fromCodePoint(cp)
    }
    const e = ENTITIES[name]
    if (e === undefined) throw new XmlError(`invalid character entity ${whole}`)
    return e
  })
}

function splitName(name: string): [string, string] {
  const colon = name.indexOf(':')
  return colon < 0 ? ['', name] : [name.slice(0, colon), name.slice(colon + 1)]
}

const NAME = /[A-Za-z_:\u00c0-\uffff][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*/y
const ATTR = /\s*([A-Za-z_:\u00c0-\uffff][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y

/** Parses a document; returns a synthetic document node whose children are the top-level elements. */
export function parseXml(text: string): XmlElement {
  if (text.length > MAX_INPUT) throw new XmlError('document too large')
  const doc: XmlElement = {space: '', tag: '', attrs: [], children: [], parent: null}
  let cur = doc
  let depth = 0
  let nodes = 0
  let i = 0
  const n = text.length
  while (i < n) {
    const lt = text.indexOf('<', i)
    const end = lt < 0 ? n : lt
    if (end > i) {
      // character data: kept inside elements, ignored at top level
      if (cur !== doc) cur.children.push(decodeEntities(text.slice(i, end)))
      i = end
      if (lt < 0) break
    }
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4)
      if (close < 0) throw new XmlError('unterminated comment')
      i = close + 3
      continue
    }
    if (text.startsWith('<![CDATA[', i)) {
      const close = text.indexOf(']]>', i + 9)
      if (close < 0) throw new XmlError('unterminated CDATA section')
      if (cur !== doc) cur.children.push(text.slice(i + 9, close))
      i = close + 3
      continue
    }
    if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2)
      if (close < 0) throw new XmlError('unterminated processing instruction')
      i = close + 2
      continue
    }
    if (text.startsWith('<!', i)) {
      const close = text.indexOf('>', i + 2)
      if (close < 0) throw new XmlError('unterminated directive')
      i = close + 1
      continue
    }
    if (text[i + 1] === '/') {
      NAME.lastIndex = i + 2
      const m = NAME.exec(text)
      if (m === null) throw new XmlError('expected element name after </')
      let j = NAME.lastIndex
      while (j < n && /\s/.test(text[j]!)) j++
      if (text[j] !== '>') throw new XmlError('invalid characters between </ and >')
      const [space, tag] = splitName(m[0])
      if (cur === doc || cur.tag !== tag || cur.space !== space) throw new XmlError(`element <${m[0]}> closed but not open`)
      cur = cur.parent!
      depth--
      i = j + 1
      continue
    }
    NAME.lastIndex = i + 1
    const m = NAME.exec(text)
    if (m === null) throw new XmlError('expected element name after <')
    let j = NAME.lastIndex
    const attrs: XmlAttr[] = []
    for (;;) {
      ATTR.lastIndex = j
      const a = ATTR.exec(text)
      if (a === null) break
      const [space, key] = splitName(a[1]!)
      attrs.push({space, key, value: decodeEntities(a[2] ?? a[3] ?? '')})
      j = ATTR.lastIndex
    }
    while (j < n && /\s/.test(text[j]!)) j++
    let selfClose = false
    if (text[j] === '/') {
      selfClose = true
      j++
    }
    if (text[j] !== '>') throw new XmlError(`malformed start tag <${m[0]}>`)
    if (++nodes > MAX_NODES) throw new XmlError('too many elements')
    const [space, tag] = splitName(m[0])
    const el: XmlElement = {space, tag, attrs, children: [], parent: cur}
    cur.children.push(el)
    if (!selfClose) {
      if (++depth > MAX_DEPTH) throw new XmlError('document too deep')
      cur = el
    }
    i = j + 1
  }
  if (cur !== doc) throw new XmlError('unexpected EOF')
  if (!doc.children.some((c) => typeof c !== 'string')) throw new XmlError('no root element')
  return doc
}

/** etree Element.Text(): leading character data up to the first child element. */
export function elementText(e: XmlElement): string {
  let text = ''
  for (const c of e.children) {
    if (typeof c !== 'string') break
    text += c
  }
  return text
}

function spaceMatch(want: string, have: string): boolean {
  return want === '' || want === have
}

export function selectAttr(e: XmlElement, key: string): XmlAttr | undefined {
  const [space, k] = splitName(key)
  return e.attrs.find((a) => a.key === k && spaceMatch(space, a.space))
}

function childElements(e: XmlElement): XmlElement[] {
  return e.children.filter((c): c is XmlElement => typeof c !== 'string')
}

// --- paths ------------------------------------------------------------------------------

type Selector = {kind: 'root'} | {kind: 'self'} | {kind: 'parent'} | {kind: 'children'} | {kind: 'descendants'} | {kind: 'tag'; space: string; tag: string}

type Filter =
  | {kind: 'pos'; index: number}
  | {kind: 'attr'; key: string}
  | {kind: 'attrVal'; key: string; value: string}
  | {kind: 'child'; space: string; tag: string}
  | {kind: 'childText'; space: string; tag: string; value: string}
  | {kind: 'func'; fn: (e: XmlElement) => string}
  | {kind: 'funcVal'; fn: (e: XmlElement) => string; value: string}

interface Segment {
  sel: Selector
  filters: Filter[]
}

export type XmlPath = Segment[]

export class XmlPathError extends Error {}

const FUNCTIONS: Record<string, (e: XmlElement) => string> = {
  'local-name': (e) => e.tag,
  name: (e) => (e.space === '' ? e.tag : `${e.space}:${e.tag}`),
  'namespace-prefix': (e) => e.space,
  'namespace-uri': () => '',
  text: elementText,
}

function splitPath(path: string): string[] {
  const out: string[] = []
  let start = 0
  let quote = ''
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!
    if (quote !== '') {
      if (c === quote) quote = ''
    } else if (c === "'" || c === '"') quote = c
    else if (c === '/') {
      out.push(path.slice(start, i))
      start = i + 1
    }
  }
  out.push(path.slice(start))
  return out
}

function parseFilter(text: string): Filter {
  if (text === '') throw new XmlPathError('path contains an empty filter expression.')
  const eq = text.indexOf('=')
  if (eq >= 0 && eq + 1 < text.length) {
    const q = text[eq + 1]!
    if (q === "'" || q === '"') {
      const r = text.indexOf(q, eq + 2)
      if (r !== text.length - 1) throw new XmlPathError('path has mismatched filter quotes.')
      const key = text.slice(0, eq)
      const value = text.slice(eq + 2, r)
      if (key.startsWith('@')) return {kind: 'attrVal', key: key.slice(1), value}
      if (key.endsWith('()')) {
        const fn = FUNCTIONS[key.slice(0, -2)]
        if (fn === undefined) throw new XmlPathError(`path has unknown function ${key.slice(0, -2)}`)
        return {kind: 'funcVal', fn, value}
      }
      const [space, tag] = splitName(key)
      return {kind: 'childText', space, tag, value}
    }
  }
  if (text.startsWith('@')) return {kind: 'attr', key: text.slice(1)}
  if (text.endsWith('()')) {
    const fn = FUNCTIONS[text.slice(0, -2)]
    if (fn === undefined) throw new XmlPathError(`path has unknown function ${text.slice(0, -2)}`)
    return {kind: 'func', fn}
  }
  if (/^-?\d+$/.test(text)) {
    const pos = Number(text)
    return {kind: 'pos', index: pos > 0 ? pos - 1 : pos}
  }
  const [space, tag] = splitName(text)
  return {kind: 'child', space, tag}
}

function parseSelector(text: string): Selector {
  switch (text) {
    case '.': return {kind: 'self'}
    case '..': return {kind: 'parent'}
    case '*': return {kind: 'children'}
    case '': return {kind: 'descendants'}
  }
  const [space, tag] = splitName(text)
  return {kind: 'tag', space, tag}
}

const PATHS = new Map<string, XmlPath>()

/** etree.CompilePath (cached). Throws XmlPathError. */
export function compileXmlPath(path: string): XmlPath {
  const hit = PATHS.get(path)
  if (hit !== undefined) return hit
  let p = path
  if (p.endsWith('//')) p += '*'
  const segments: Segment[] = []
  if (p.startsWith('/')) {
    segments.push({sel: {kind: 'root'}, filters: []})
    p = p.slice(1)
  }
  for (const s of splitPath(p)) {
    const pieces = s.split('[')
    const seg: Segment = {sel: parseSelector(pieces[0]!), filters: []}
    for (let k = 1; k < pieces.length; k++) {
      const f = pieces[k]!
      if (f === '' || !f.endsWith(']')) throw new XmlPathError('path has invalid filter [brackets].')
      seg.filters.push(parseFilter(f.slice(0, -1)))
    }
    segments.push(seg)
  }
  if (PATHS.size > 1000) PATHS.clear()
  PATHS.set(path, segments)
  return segments
}

function applySelector(sel: Selector, e: XmlElement, out: XmlElement[]): void {
  switch (sel.kind) {
    case 'root': {
      let r = e
      while (r.parent !== null) r = r.parent
      out.push(r)
      return
    }
    case 'self': out.push(e); return
    case 'parent': if (e.parent !== null) out.push(e.parent); return
    case 'children': out.push(...childElements(e)); return
    case 'descendants': {
      const queue = [e]
      for (let q = 0; q < queue.length; q++) {
        out.push(queue[q]!)
        queue.push(...childElements(queue[q]!))
      }
      return
    }
    case 'tag':
      for (const c of childElements(e)) if (c.tag === sel.tag && spaceMatch(sel.space, c.space)) out.push(c)
  }
}

function applyFilter(f: Filter, candidates: XmlElement[]): XmlElement[] {
  switch (f.kind) {
    case 'pos': {
      const i = f.index >= 0 ? f.index : candidates.length + f.index
      return i >= 0 && i < candidates.length ? [candidates[i]!] : []
    }
    case 'attr': return candidates.filter((c) => selectAttr(c, f.key) !== undefined)
    case 'attrVal': return candidates.filter((c) => selectAttr(c, f.key)?.value === f.value)
    case 'child': return candidates.filter((c) => childElements(c).some((x) => x.tag === f.tag && spaceMatch(f.space, x.space)))
    case 'childText':
      return candidates.filter((c) => childElements(c).some((x) => x.tag === f.tag && spaceMatch(f.space, x.space) && elementText(x) === f.value))
    case 'func': return candidates.filter((c) => f.fn(c) !== '')
    case 'funcVal': return candidates.filter((c) => f.fn(c) === f.value)
  }
}

/** etree FindElementPath: the first element the path selects, breadth first. */
export function findElement(root: XmlElement, path: XmlPath): XmlElement | undefined {
  const queue: {e: XmlElement; seg: number}[] = [{e: root, seg: 0}]
  for (let q = 0; q < queue.length; q++) {
    const {e, seg} = queue[q]!
    const segment = path[seg]!
    let candidates: XmlElement[] = []
    applySelector(segment.sel, e, candidates)
    for (const f of segment.filters) candidates = applyFilter(f, candidates)
    if (seg === path.length - 1) {
      if (candidates.length > 0) return candidates[0]
    } else {
      for (const c of candidates) queue.push({e: c, seg: seg + 1})
    }
    if (queue.length > MAX_NODES) return undefined
  }
  return undefined
}
