/**
 * An agent's state in files, for a watch that posts to a remote LAPI (agent-sink.ts): the state
 * text and its rows (one per bucket), where a commit changes only some rows.
 *
 * - `<file>`: the base, `{"seq": N, "state": "...", "rows": {"key": "value", ...}}`, written
 *   whole (temporary file, fsync, rename).
 * - `<file>.journal`: one line per commit since, `{"seq", "state", "full", "upserts", "deletes"}`,
 *   appended and fsynced. A commit costs what it changed.
 *
 * When the journal outgrows the base (and 1 MiB), the base is rewritten from memory and the
 * journal emptied. A crash between the two leaves a journal whose entries the base already holds:
 * entries at or below the base's seq are skipped. A crash while appending leaves a torn last line,
 * which was never committed: it is cut off. Anything else malformed is a CrowdError (code 'state').
 *
 * A base from before rows existed holds the state text alone: it loads as a state without rows.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {writeFileAtomic} from '../platform/files.js'

export interface StateFileContent {
  state: string
  rows: Map<string, string>
}

export interface StateFileChange {
  state: string
  rows: {full: boolean; upserts: readonly (readonly [string, string])[]; deletes: readonly string[]}
}

const MIN_COMPACT_BYTES = 1024 * 1024

export class AgentStateFile {
  private seq = 0
  private content: StateFileContent | undefined
  private journalBytes = 0
  private baseBytes = 0
  private fd: number | undefined

  constructor(readonly file: string) {}

  get journal(): string {
    return `${this.file}.journal`
  }

  /** The committed state (undefined: none yet). Reads the files once; later calls give what this object holds. */
  load(): StateFileContent | undefined {
    const bad = (what: string): CrowdError => new CrowdError('state', `corrupt watch state in ${what}`)
    let base: {seq: number; state: string; rows: Map<string, string>} | undefined
    const text = readIfExists(this.file)
    if (text !== undefined) {
      this.baseBytes = text.length
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        value = undefined
      }
      const v = value as Record<string, unknown> | undefined
      if (v !== undefined && v !== null && typeof v === 'object' && typeof v.seq === 'number' && typeof v.state === 'string' && isStringRecord(v.rows)) {
        base = {seq: v.seq, state: v.state, rows: new Map(Object.entries(v.rows))}
      } else {
        // written before rows existed (or not JSON at all: the state decoder says what is wrong with it)
        base = {seq: 0, state: text, rows: new Map()}
      }
    }
    this.seq = base?.seq ?? 0
    let content: StateFileContent | undefined = base === undefined ? undefined : {state: base.state, rows: base.rows}
    let journal = readIfExists(this.journal) ?? ''
    if (journal !== '' && !journal.endsWith('\n')) {
      // a torn append (the process died writing it): never committed, cut off before the next append
      journal = journal.slice(0, journal.lastIndexOf('\n') + 1)
      fs.truncateSync(this.journal, Buffer.byteLength(journal))
    }
    this.journalBytes = journal.length
    const lines = journal.split('\n')
    lines.forEach((line, i) => {
      if (line === '') return
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        throw bad(`${this.journal}:${i + 1}: not JSON`)
      }
      const change = journalEntry(entry)
      if (change === undefined) throw bad(`${this.journal}:${i + 1}: not a journal entry`)
      if (change.seq <= this.seq) return
      this.seq = change.seq
      content = apply(content, change)
    })
    this.content = content
    return content
  }

  /** Appends the change to the journal (fsynced) and applies it; rewrites the base when the journal grew too long. */
  commit(change: StateFileChange): void {
    if (this.content === undefined && this.seq === 0 && this.fd === undefined) this.load()
    const seq = this.seq + 1
    const line = JSON.stringify({seq, state: change.state, full: change.rows.full, upserts: change.rows.upserts, deletes: change.rows.deletes}) + '\n'
    const fd = this.open()
    fs.writeSync(fd, line)
    fs.fsyncSync(fd)
    this.seq = seq
    this.journalBytes += line.length
    this.content = apply(this.content, change)
    if (this.journalBytes > Math.max(MIN_COMPACT_BYTES, this.baseBytes)) this.compact()
  }

  /** Forgets everything (both files). */
  remove(): void {
    this.close()
    fs.rmSync(this.file, {force: true})
    fs.rmSync(this.journal, {force: true})
    this.content = undefined
    this.seq = 0
    this.journalBytes = 0
    this.baseBytes = 0
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }

  private compact(): void {
    const content = this.content!
    const text = JSON.stringify({seq: this.seq, state: content.state, rows: Object.fromEntries(content.rows)})
    writeFileAtomic(this.file, text)
    this.baseBytes = text.length
    fs.ftruncateSync(this.open(), 0)
    this.journalBytes = 0
  }

  private open(): number {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.journal), {recursive: true})
      this.fd = fs.openSync(this.journal, 'a', 0o600)
    }
    return this.fd
  }
}

function apply(content: StateFileContent | undefined, change: StateFileChange): StateFileContent {
  const rows = change.rows.full || content === undefined ? new Map<string, string>() : content.rows
  for (const key of change.rows.deletes) rows.delete(key)
  for (const [key, value] of change.rows.upserts) rows.set(key, value)
  return {state: change.state, rows}
}

function journalEntry(e: Record<string, unknown>): (StateFileChange & {seq: number}) | undefined {
  if (typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof e.state !== 'string' || typeof e.full !== 'boolean') return undefined
  if (!Array.isArray(e.deletes) || !e.deletes.every((k) => typeof k === 'string')) return undefined
  if (!Array.isArray(e.upserts) || !e.upserts.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) return undefined
  return {seq: e.seq, state: e.state, rows: {full: e.full, upserts: e.upserts as [string, string][], deletes: e.deletes as string[]}}
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
