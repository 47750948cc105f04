/** Runs the built CLI (bin/run.js) as a child process, the way users and CI run it. */
import {spawnSync, type SpawnSyncOptions} from 'node:child_process'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SHARED = path.resolve(ROOT, '..', 'shared')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  status: number
  stdout: string
  stderr: string
}

/**
 * The environment of a fresh machine whose config, data and cache dirs are under `home`: no
 * crowd.toml, no data dir, nothing from the caller's CROWD_* variables.
 */
export function freshMachineEnv(home: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    CROWD_CONFIG: '',
    CROWD_HOME: '',
    CROWD_LOG_LEVEL: '',
  }
}

export function runCli(args: string[], options: SpawnSyncOptions & {input?: string} = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
    env: {...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env},
  })
  return {status: result.status ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}

export function runDeno(args: string[], options: SpawnSyncOptions = {}): CliResult {
  const deno = path.join(ROOT, 'node_modules', '.bin', 'deno')
  const result = spawnSync(deno, ['run', '-A', BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
    env: {...process.env, NO_COLOR: '1', FORCE_COLOR: '0', DENO_NO_UPDATE_CHECK: '1', ...options.env},
  })
  return {status: result.status ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}
