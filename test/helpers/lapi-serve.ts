/**
 * What the end-to-end tests of the live half share: a `crowd lapi serve` child on a free loopback
 * port (its URL read from the line it logs), and one of this repo's packages installed into a home
 * from a directory source packed for it (with its grant, as `crowd hub install --yes` records it).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import {packPlugins} from '../../src/hub/pack.js'
import type {Home} from '../commands/lapi/helpers.js'
import {BIN, ROOT} from './run-cli.js'

export interface ServedLapi {
  url: string
  child: ChildProcess
  /** What it logged so far. */
  stderr(): string
}

const LISTENING = /crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/

/** `crowd lapi serve --listen 127.0.0.1:0` with `env` (a home's), resolved once it listens (killed if it does not within 30 s). The caller stops it. */
export function startLapiServe(env: Record<string, string>, args: string[] = []): Promise<ServedLapi> {
  const child = spawn(process.execPath, [BIN, 'lapi', 'serve', '--listen', '127.0.0.1:0', ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      const m = LISTENING.exec(stderr)
      if (m !== null) resolve({url: m[1]!, child, stderr: () => stderr})
    })
    child.on('exit', (code) => reject(new Error(`lapi serve exited (${code}) before listening: ${stderr}`)))
    setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`lapi serve did not listen within 30 s: ${stderr}`))
    }, 30_000).unref()
  })
}

/** Packs plugins/crowd/NAME into a directory source under the home and installs `crowd/NAME` from it, granted. */
export async function installRepoPackage(home: Home, name: string): Promise<void> {
  const plugins = path.join(home.dir, 'src', 'plugins')
  fs.cpSync(path.join(ROOT, 'plugins', 'crowd', name), path.join(plugins, 'crowd', name), {recursive: true})
  packPlugins({pluginsDir: plugins, outDir: path.join(home.dir, 'src', 'dist'), indexFile: path.join(home.dir, 'src', 'hub-index.json')})
  const install = await home.run(['hub', 'install', `crowd/${name}`, '--source', path.join(home.dir, 'src'), '--yes'])
  assert.is(install.status, 0, install.stdout + install.stderr)
}
