/**
 * Real journal files for the journald tests: entries written in systemd's journal export format
 * and turned into a journal file by systemd-journal-remote (Debian: systemd-journal-remote),
 * read back by the real journalctl (Debian: systemd). Both are required: a missing tool fails
 * the tests that need it with a message saying what to install, never skips them.
 */
import * as fs from 'node:fs'
import {execFileSync, spawnSync} from 'node:child_process'

const REMOTE_CANDIDATES = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote']

/** The systemd-journal-remote binary; throws (failing the test) when it is not installed. */
export function journalRemote(): string {
  const found = REMOTE_CANDIDATES.find((p) => fs.existsSync(p))
  if (found === undefined) {
    throw new Error(`systemd-journal-remote is not installed (looked for ${REMOTE_CANDIDATES.join(', ')}): apt-get install systemd-journal-remote`)
  }
  return found
}

/** Checks that journalctl runs; throws (failing the test) when it does not. */
export function requireJournalctl(): void {
  const r = spawnSync('journalctl', ['--version'], {encoding: 'utf8'})
  if (r.error !== undefined || r.status !== 0) throw new Error(`journalctl does not run (${r.error?.message ?? r.stderr}): apt-get install systemd`)
}

/** One entry: fields in order; a Buffer value is written as a binary field. */
export type ExportEntry = [string, string | Buffer][]

export const BOOT_ID = '0123456789abcdef0123456789abcdef'
/** 2023-11-14T22:13:20Z in microseconds. */
export const T0 = 1_700_000_000_000_000

let monotonic = 1000

/**
 * The export format (systemd's JOURNAL_EXPORT_FORMATS): `KEY=value` lines, or for binary
 * values `KEY\n` + the length as 64-bit little endian + the bytes + `\n`; a blank line ends an
 * entry. Missing __REALTIME_TIMESTAMP (T0 + i seconds), __MONOTONIC_TIMESTAMP and _BOOT_ID are added.
 */
export function exportFormat(entries: ExportEntry[], firstSecond = 0): Buffer {
  const parts: Buffer[] = []
  entries.forEach((entry, i) => {
    const fields = [...entry]
    const has = (k: string) => fields.some(([name]) => name === k)
    if (!has('__REALTIME_TIMESTAMP')) fields.unshift(['__REALTIME_TIMESTAMP', String(T0 + (firstSecond + i) * 1_000_000)])
    if (!has('__MONOTONIC_TIMESTAMP')) fields.unshift(['__MONOTONIC_TIMESTAMP', String(monotonic++)])
    if (!has('_BOOT_ID')) fields.unshift(['_BOOT_ID', BOOT_ID])
    for (const [name, value] of fields) {
      const binary = Buffer.isBuffer(value) || value.includes('\n')
      if (binary) {
        const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value)
        const len = Buffer.alloc(8)
        len.writeBigUInt64LE(BigInt(bytes.length))
        parts.push(Buffer.from(`${name}\n`), len, bytes, Buffer.from('\n'))
      } else {
        parts.push(Buffer.from(`${name}=${value}\n`))
      }
    }
    parts.push(Buffer.from('\n'))
  })
  return Buffer.concat(parts)
}

/** Writes (or appends to) the journal file `file` with these entries. */
export function writeJournal(file: string, entries: ExportEntry[], firstSecond = 0): void {
  execFileSync(journalRemote(), [`--output=${file}`, '--compress=no', '-'], {input: exportFormat(entries, firstSecond), stdio: ['pipe', 'ignore', 'pipe']})
}

/** What the real journalctl prints for the journal files in `dir` (the reference to compare to). */
export function journalctlOutput(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('journalctl', ['--no-pager', ...args], {encoding: 'utf8', env: {...env, SYSTEMD_COLORS: '0'}, maxBuffer: 64 * 1024 * 1024})
}
