/**
 * A small glob matcher for input paths (Node 20 has no fs.glob): `*` and `?` within one path
 * segment, `[abc]`/`[a-z]`/`[!a]` classes, `{a,b}` alternatives and `**` for any number of
 * directories. Matches are returned sorted byte-wise, so a scan reads files in a stable order.
 * Hidden entries are matched only when the pattern segment starts with a dot, as in shells.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {compareBytes} from '../model/order.js'

const MAGIC = /[*?[{]/

export function hasGlobMagic(text: string): boolean {
  return MAGIC.test(text)
}

/** Compiles one path segment pattern (no `/`) into an anchored regex. */
export function compileSegment(segment: string): RegExp {
  let out = ''
  let braces = 0
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!
    if (c === '\\' && i + 1 < segment.length) {
      out += escapeRegex(segment[++i]!)
    } else if (c === '*') {
      while (segment[i + 1] === '*') i++
      out += '[^/]*'
    } else if (c === '?') {
      out += '[^/]'
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2)
      if (close === -1) {
        out += '\\['
        continue
      }
      let body = segment.slice(i + 1, close)
      const negate = body.startsWith('!') || body.startsWith('^')
      if (negate) body = body.slice(1)
      out += (negate ? '[^' : '[') + body.replace(/[\\\]^]/g, '\\$&') + ']'
      i = close
    } else if (c === '{') {
      braces++
      out += '(?:'
    } else if (c === '}' && braces > 0) {
      braces--
      out += ')'
    } else if (c === ',' && braces > 0) {
      out += '|'
    } else {
      out += escapeRegex(c)
    }
  }
  out += ')'.repeat(braces)
  return new RegExp(`^${out}$`)
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c
}

/** All regular files matching the pattern, sorted byte-wise. Directories are not returned. */
export function globFiles(pattern: string): string[] {
  const normalized = pattern.split(path.sep).join('/')
  const absolute = normalized.startsWith('/')
  const segments = normalized.split('/').filter((s, i) => s !== '' || i === 0)
  // The leading segments without magic are a fixed base directory.
  let base = absolute ? '/' : '.'
  let first = absolute ? 1 : 0
  const prefix: string[] = []
  while (first < segments.length - 1 && !hasGlobMagic(segments[first]!)) {
    prefix.push(segments[first]!)
    first++
  }
  if (prefix.length > 0) base = absolute ? '/' + prefix.join('/') : prefix.join('/')
  const rest = segments.slice(first).map((s) => (s === '**' ? '**' : compileSegment(s)))
  const hidden = segments.slice(first).map((s) => s.startsWith('.'))
  const found = new Set<string>()
  walk(base, rest, hidden, 0, found)
  return [...found].sort(compareBytes)
}

function walk(dir: string, parts: (RegExp | '**')[], hidden: boolean[], index: number, found: Set<string>): void {
  const part = parts[index]
  if (part === undefined) return
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true})
  } catch {
    return
  }
  const last = index === parts.length - 1
  if (part === '**') {
    // `**` matches zero directories (try the next part here) or one more (descend, keep `**`).
    if (last) {
      collectAll(dir, found)
      return
    }
    walk(dir, parts, hidden, index + 1, found)
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      if (isDirectory(dir, e)) walk(join(dir, e.name), parts, hidden, index, found)
    }
    return
  }
  for (const e of entries) {
    if (e.name.startsWith('.') && !hidden[index]) continue
    if (!part.test(e.name)) continue
    const full = join(dir, e.name)
    if (last) {
      if (isFile(dir, e)) found.add(full)
    } else if (isDirectory(dir, e)) {
      walk(full, parts, hidden, index + 1, found)
    }
  }
}

/** Every regular file under `dir`, recursively (hidden entries included), sorted byte-wise. */
export function listFilesRecursive(dir: string): string[] {
  const found = new Set<string>()
  collectAll(dir, found, true)
  return [...found].sort(compareBytes)
}

function collectAll(dir: string, found: Set<string>, includeHidden = false): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true})
  } catch {
    return
  }
  for (const e of entries) {
    if (!includeHidden && e.name.startsWith('.')) continue
    const full = join(dir, e.name)
    if (isDirectory(dir, e)) collectAll(full, found, includeHidden)
    else if (isFile(dir, e)) found.add(full)
  }
}

function join(dir: string, name: string): string {
  if (dir === '.') return name
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`
}

function isDirectory(dir: string, e: fs.Dirent): boolean {
  if (e.isDirectory()) return true
  if (!e.isSymbolicLink()) return false
  try {
    return fs.statSync(join(dir, e.name)).isDirectory()
  } catch {
    return false
  }
}

function isFile(dir: string, e: fs.Dirent): boolean {
  if (e.isFile()) return true
  if (!e.isSymbolicLink()) return false
  try {
    return fs.statSync(join(dir, e.name)).isFile()
  } catch {
    return false
  }
}
