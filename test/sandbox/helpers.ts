/**
 * Shared by the sandbox tests: the sandbox process built to JavaScript (as it runs in
 * production: Node's permission model on, which tsx's loader cannot run under), pools that
 * record logs and incidents, and local HTTP servers on ports chosen at run time.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import ts from 'typescript'
import {parsePermissions, SandboxPool, type SandboxIncident, type SandboxOptions} from '../../src/sandbox/index.js'
import {ROOT} from '../helpers/run-cli.js'

let built: URL | undefined

/**
 * src/sandbox transpiled to JavaScript in a git-ignored directory of the repository (so `vm2`
 * resolves from its node_modules), once per test process; removed when the process exits.
 */
export function builtChildEntry(): URL {
  if (built !== undefined) return built
  const dir = fs.mkdtempSync(path.join(ROOT, '.crowd-test-sandbox-'))
  process.once('exit', () => fs.rmSync(dir, {recursive: true, force: true}))
  for (const [from, to] of [['src/sandbox', 'sandbox'], ['src/model', 'model']]) {
    fs.mkdirSync(path.join(dir, to))
    for (const name of fs.readdirSync(path.join(ROOT, from)).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(ROOT, from, name), 'utf8')
      const js = ts.transpileModule(source, {fileName: name, compilerOptions: {module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022}}).outputText
      fs.writeFileSync(path.join(dir, to, name.replace(/\.ts$/, '.js')), js)
    }
  }
  built = pathToFileURL(path.join(dir, 'sandbox', 'child.js'))
  return built
}

export interface Recorded {
  pool: SandboxPool
  logs: string[]
  incidents: SandboxIncident[]
}

/** A pool running the built sandbox process, recording its logs and incidents. */
export function recordingPool(options: SandboxOptions = {}): Recorded {
  const logs: string[] = []
  const incidents: SandboxIncident[] = []
  const log = (level: string) => (message: string) => void logs.push(`${level} ${message}`)
  const pool = new SandboxPool({
    entry: builtChildEntry(),
    size: 2,
    deadlineMs: 3000,
    logger: {error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug')},
    onIncident: (i) => void incidents.push(i),
    ...options,
  })
  return {pool, logs, incidents}
}

/** Registers `code` as plugin `id` with the permissions a manifest would declare. */
export function register(pool: SandboxPool, id: string, code: string, permissions: unknown = {}, secrets?: Record<string, string>): void {
  pool.register({id, code, filename: `/hub/${id}/index.js`, permissions: parsePermissions(permissions, `/hub/${id}/crowd-package.toml`), secrets})
}

export interface TestServer {
  port: number
  url: string
  /** `METHOD path` of each request received. */
  seen: string[]
  /** Bodies received, in order. */
  bodies: string[]
  close(): Promise<void>
}

/** An HTTP server on 127.0.0.1 and a free port; `handler` answers, after the request body has arrived. */
export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<TestServer> {
  const seen: string[] = []
  const bodies: string[] = []
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    let body = ''
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      bodies.push(body)
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    bodies,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & {kind?: string}> {
  try {
    const value = await promise
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
  } catch (error) {
    return error as Error & {kind?: string}
  }
}
