/**
 * Atomic changes to the installed hub tree.
 *
 * `<data>/hub/` is never edited in place. A transaction takes `<data>/hub.lock`, copies the
 * tree to `<data>/hub.staging/`, applies every change there (files and state.json), then
 * swaps: `hub` -> `hub.old`, `hub.staging` -> `hub`, delete `hub.old`. A failure before the
 * swap deletes the staging copy; a crash at any point is repaired by the next transaction
 * (or read around by readers): if `hub` is missing, `hub.old` is the previous state and is
 * put back; leftover `hub.staging`/`hub.old` are deleted. So the installed state is always
 * either the old one or the new one, never a mix.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {sha256} from './integrity.js'
import {isSafeRelativePath} from './manifest.js'
import {readState, serializeState, STATE_FILE, type HubState} from './state.js'

export interface HubPaths {
  dataDir: string
  hubDir: string
  staging: string
  old: string
  lock: string
}

export function hubPaths(dataDir: string): HubPaths {
  return {
    dataDir,
    hubDir: path.join(dataDir, 'hub'),
    staging: path.join(dataDir, 'hub.staging'),
    old: path.join(dataDir, 'hub.old'),
    lock: path.join(dataDir, 'hub.lock'),
  }
}

/** The directory that holds the current installed state, for readers that take no lock. */
export function currentHubDir(dataDir: string): string {
  const p = hubPaths(dataDir)
  if (!fs.existsSync(p.hubDir) && fs.existsSync(p.old)) return p.old // interrupted between the two renames
  return p.hubDir
}

/** Test seams: called at the named points of a commit, to simulate failures and crashes. */
export interface TransactionHooks {
  afterStaged?(): void
  afterOldMoved?(): void
}

export class HubTransaction {
  readonly state: HubState
  private done = false

  private constructor(
    readonly paths: HubPaths,
    private readonly hooks: TransactionHooks,
  ) {
    this.state = readState(paths.staging)
  }

  static open(dataDir: string, hooks: TransactionHooks = {}): HubTransaction {
    const paths = hubPaths(dataDir)
    fs.mkdirSync(dataDir, {recursive: true})
    acquireLock(paths.lock)
    try {
      recover(paths)
      fs.rmSync(paths.staging, {recursive: true, force: true})
      if (fs.existsSync(paths.hubDir)) copyTree(paths.hubDir, paths.staging)
      else fs.mkdirSync(paths.staging, {recursive: true})
      return new HubTransaction(paths, hooks)
    } catch (error) {
      releaseLock(paths.lock)
      throw error
    }
  }

  writeFile(rel: string, bytes: Buffer): string {
    const file = this.resolve(rel)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, bytes)
    return sha256(bytes)
  }

  removeFile(rel: string): void {
    const file = this.resolve(rel)
    fs.rmSync(file, {force: true})
    // prune empty parent directories up to the staging root
    let dir = path.dirname(file)
    while (dir.startsWith(this.paths.staging + path.sep)) {
      try {
        fs.rmdirSync(dir)
      } catch {
        break
      }
      dir = path.dirname(dir)
    }
  }

  /** Current bytes of an installed file in the staging tree, if any. */
  readFile(rel: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.resolve(rel))
    } catch {
      return undefined
    }
  }

  private resolve(rel: string): string {
    if (!isSafeRelativePath(rel) || rel === STATE_FILE) throw new CrowdError('hub', `refusing to write outside the hub tree: ${rel}`)
    return path.join(this.paths.staging, ...rel.split('/'))
  }

  commit(): void {
    if (this.done) throw new Error('transaction already finished')
    try {
      fs.writeFileSync(path.join(this.paths.staging, STATE_FILE), serializeState(this.state))
      this.hooks.afterStaged?.()
      const hadHub = fs.existsSync(this.paths.hubDir)
      if (hadHub) fs.renameSync(this.paths.hubDir, this.paths.old)
      this.hooks.afterOldMoved?.()
      fs.renameSync(this.paths.staging, this.paths.hubDir)
      this.done = true
      fs.rmSync(this.paths.old, {recursive: true, force: true})
    } catch (error) {
      if (!this.done) recover(this.paths)
      throw error
    } finally {
      this.done = true
      releaseLock(this.paths.lock)
    }
  }

  abort(): void {
    if (this.done) return
    this.done = true
    fs.rmSync(this.paths.staging, {recursive: true, force: true})
    releaseLock(this.paths.lock)
  }
}

/** Puts the previous tree back after an interrupted commit, and removes leftovers. Call with the lock held. */
export function recover(paths: HubPaths): void {
  if (!fs.existsSync(paths.hubDir) && fs.existsSync(paths.old)) fs.renameSync(paths.old, paths.hubDir)
  fs.rmSync(paths.old, {recursive: true, force: true})
  fs.rmSync(paths.staging, {recursive: true, force: true})
}

function acquireLock(lock: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), {flag: 'wx'})
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = Number(fs.readFileSync(lock, 'utf8').trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new CrowdError('hub', `another crowd hub command is running (pid ${pid}); if not, remove the lock file`, {file: lock})
      }
      fs.rmSync(lock, {force: true}) // stale: its process is gone
    }
  }
  throw new CrowdError('hub', 'cannot take the hub lock', {file: lock})
}

function releaseLock(lock: string): void {
  fs.rmSync(lock, {force: true})
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, {recursive: true})
  for (const e of fs.readdirSync(from, {withFileTypes: true})) {
    const a = path.join(from, e.name)
    const b = path.join(to, e.name)
    if (e.isDirectory()) copyTree(a, b)
    else if (e.isFile()) fs.copyFileSync(a, b)
  }
}
