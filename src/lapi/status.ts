/**
 * `crowd lapi status`: with `[lapi.credentials]`, logs in to that LAPI as cscli does; otherwise
 * opens the local store (engine, schema, counts) and asks whether a LAPI answers on `lapi.listen`.
 */
import * as http from 'node:http'
import type {Config} from '../config/config.js'
import {openConfiguredStore, RemoteApi} from './client.js'

export interface LapiStatus {
  mode: 'remote' | 'local'
  /** Remote: the URL logged in to; local: the listen address probed. */
  url: string
  /** Remote: logged in; local: a LAPI answered /health on the listen address. */
  reachable: boolean
  machine?: string
  token_expire?: string
  store?: {engine: string; location: string; schema_version: number; machines: number; bouncers: number; active_decisions: number}
}

function probeHealth(listen: string, timeoutMs = 1000): Promise<boolean> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen)
  if (m === null) return Promise.resolve(false)
  const host = m[1] === '0.0.0.0' || m[1] === '' ? '127.0.0.1' : m[1] === '::' ? '::1' : m[1]!
  return new Promise((resolve) => {
    const req = http.get({host, port: Number(m[2]), path: '/health', timeout: timeoutMs}, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

export async function lapiStatus(config: Config): Promise<LapiStatus> {
  const credentials = config.lapi.credentials
  if (credentials !== undefined) {
    const api = new RemoteApi(credentials)
    const expire = await api.login()
    return {mode: 'remote', url: api.target, reachable: true, machine: credentials.machineId, token_expire: expire}
  }
  const store = await openConfiguredStore(config)
  try {
    const [schema, machines, bouncers, active] = await Promise.all([store.schemaVersion(), store.listMachines(), store.listBouncers(), store.activeDecisions({includeSimulated: true}, Date.now())])
    const reachable = await probeHealth(config.lapi.listen)
    return {mode: 'local', url: `http://${config.lapi.listen}/`, reachable,
      store: {engine: store.engine, location: store.location, schema_version: schema, machines: machines.length, bouncers: bouncers.length, active_decisions: active.length}}
  } finally {
    await store.close()
  }
}
