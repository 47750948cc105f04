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
