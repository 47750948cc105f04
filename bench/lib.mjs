// Small shared helpers for the benchmarks: medians, child-process timing, peak RSS, log generation.
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SHARED = path.resolve(ROOT, '..', 'shared')
export const GENLOGS = path.join(SHARED, 'bench', 'genlogs.mjs')

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Runs a command once; returns wall time in ms and the child's peak RSS in MB (from GNU time when present). */
export function timeCommand(command, args, options = {}) {
  const useGnuTime = fs.existsSync('/usr/bin/time')
  const start = process.hrtime.bigint()
  const result = useGnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {encoding: 'utf8', maxBuffer: 1 << 30, ...options})
    : spawnSync(command, args, {encoding: 'utf8', maxBuffer: 1 << 30, ...options})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  let rssMb
  if (useGnuTime) {
    const last = result.stderr.trim().split('\n').pop()
    rssMb = Number(last) / 1024
  }
  return {ms, rssMb, status: result.status, stdout: result.stdout, stderr: result.stderr}
}

/** Generates (and caches under the OS temp dir) a genlogs log; returns {log, truth}. */
export function generateLog(mode, lines, seed = 1) {
  const dir = path.join(os.tmpdir(), 'crowd-bench')
  fs.mkdirSync(dir, {recursive: true})
  const log = path.join(dir, `${mode}-${lines}-${seed}.log`)
  const truth = path.join(dir, `${mode}-${lines}-${seed}.truth.json`)
  if (!fs.existsSync(log) || !fs.existsSync(truth)) {
    const r = spawnSync(process.execPath, [GENLOGS, mode, '--lines', String(lines), '--seed', String(seed), '--out', log, '--truth', truth], {stdio: 'inherit'})
    if (r.status !== 0) throw new Error(`genlogs failed for ${mode}`)
  }
  return {log, truth}
}

export function report(name, fields) {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(2) : v}`)
  console.log(`${name.padEnd(28)} ${parts.join('  ')}`)
}

/** The value after `--name` on the command line, or `def`. */
export function arg(name, def) {
  const i = process.argv.indexOf(name)
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def
}

/**
 * The file's non-empty lines (a trailing \r dropped), read in 64 KiB chunks and cut with
 * indexOf: no whole-file array and no multi-MiB chunk strings surviving into the old
 * generation, so a benchmark's peak RSS is the engine's, not the reader's.
 */
export function* readLines(file) {
  const fd = fs.openSync(file, 'r')
  const buf = Buffer.alloc(64 << 10)
  let rest = ''
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      const text = rest + buf.toString('utf8', 0, n)
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
        if (end > start) yield text.slice(start, end)
        start = nl + 1
      }
      rest = text.slice(start)
    }
    if (rest !== '') yield rest
  } finally {
    fs.closeSync(fd)
  }
}
