/**
 * Helpers for the Local API commands through the built CLI: a throwaway crowd home (data dir and
 * crowd.toml), an async runner (independent homes run side by side), and normalisers for the
 * parts of --json output that change from run to run (times, countdowns, keys, temp paths).
 */
import {spawn} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {BIN, ROOT, type CliResult} from '../../helpers/run-cli.js'

export interface Home {
  dir: string
  config: string
  env: Record<string, string>
  run(args: string[], options?: {input?: string}): Promise<CliResult>
  /** Runs `args` with --json and parses stdout (also on failure: the error document). */
  json<T = any>(args: string[]): Promise<{status: number; body: T; stderr: string}>
}

/** A fresh crowd home whose crowd.toml holds `toml`. */
export function makeHome(prefix: string, toml = ''): Home {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crowd-${prefix}-`))
  const config = path.join(dir, 'crowd.toml')
  fs.writeFileSync(config, toml)
  const env = {CROWD_HOME: dir, CROWD_CONFIG: config, CROWD_LOG_LEVEL: '', CROWD_STORE_URL: '', XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data')}
  const home: Home = {
    dir, config, env,
    run: (args, options) => runCliAsync(args, env, options?.input),
    async json(args) {
      const r = await runCliAsync([...args, '--json'], env)
      let body: unknown
      try {
        body = JSON.parse(r.stdout)
      } catch {
        throw new Error(`crowd ${args.join(' ')}: exit ${r.status}, stdout is not JSON: ${r.stdout}\n${r.stderr}`)
      }
      return {status: r.status, body: body as any, stderr: r.stderr}
    },
  }
  return home
}

export function runCliAsync(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({status: code ?? (signal ? -1 : 0), stdout, stderr})
    })
    child.stdin.end(input ?? '')
  })
}

/** Replaces the values of these keys (anywhere in the document) by `<key>`. */
export function mask(value: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, keys))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keys.includes(k) && v !== null ? `<${k}>` : mask(v, keys)]))
  }
  return value
}

/** Pretty JSON with a trailing newline, as golden files hold it. */
export const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

/** A Go countdown (`3h59m58s`) in whole seconds. */
export function seconds(duration: string): number {
  const m = /^(-)?(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(duration)
  if (m === null) throw new Error(`not a countdown: ${duration}`)
  return (m[1] ? -1 : 1) * (Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4]))
}
