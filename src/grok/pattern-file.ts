/**
 * CrowdSec pattern files (grok.md §4.2): one `NAME definition` per line; every other line
 * (comments, blank lines, lines starting with whitespace) is ignored. A directory is read in
 * file-name order, skipping sub-directories and names that contain a dot.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {compareBytes} from '../model/order.js'

export interface PatternDefinition {
  name: string
  /** Everything after the first run of whitespace, trailing whitespace included. */
  definition: string
  file: string
  line: number
}

// Go: ^(\w+)\s+(.+)$ with RE2's ASCII \s and a `.` that only excludes \n.
const DEFINITION_LINE = /^(\w+)[\t\n\f\r ]+([^\n]+)$/

/** Parses the text of one pattern file. */
export function parsePatternFile(text: string, file: string): PatternDefinition[] {
  const out: PatternDefinition[] = []
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, k) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    const m = DEFINITION_LINE.exec(line)
    if (m !== null) out.push({name: m[1], definition: m[2], file, line: k + 1})
  })
  return out
}

/** The files of a patterns directory that CrowdSec loads, in load order (absolute paths). */
export function listPatternFiles(dir: string): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true})
  } catch (error) {
    throw new CrowdError('config', `cannot read patterns directory: ${(error as Error).message}`, {file: dir}, {cause: error})
  }
  return entries
    .filter((e) => !e.name.includes('.') && !e.isDirectory())
    .map((e) => e.name)
    .sort(compareBytes)
    .map((name) => path.join(dir, name))
    .filter((file) => !fs.statSync(file).isDirectory()) // symlinks to directories
}

/** Reads and parses every pattern file of a directory, in load order. */
export function readPatternDir(dir: string): PatternDefinition[] {
  const out: PatternDefinition[] = []
  for (const file of listPatternFiles(dir)) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      throw new CrowdError('config', `cannot read pattern file: ${(error as Error).message}`, {file}, {cause: error})
    }
    out.push(...parsePatternFile(text, file))
  }
  return out
}
