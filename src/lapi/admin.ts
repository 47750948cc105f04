/**
 * Machines and bouncers, managed on the store directly (as `cscli machines` and `cscli bouncers`
 * do): adding with a password or an API key that is shown once and stored only hashed, listing,
 * validating, deleting. The results are the commands' `--json` shapes.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import type {BouncerRecord, MachineRecord, Store} from '../store/types.js'
import {StoreError} from '../store/types.js'
import {generateApiKey, generatePassword, hashApiKey, hashPassword} from './auth.js'
import {rfc3339} from './wire.js'

export interface MachineView {
  machine_id: string
  ip_address: string
  is_validated: boolean
  role: string
  version: string
  auth_type: string
  created_at: string
  last_push: string | null
  last_heartbeat: string | null
  scenarios: string[]
}

export interface BouncerView {
  name: string
  ip_address: string
  type: string
  version: string
  auth_type: string
  created_at: string
  last_pull: string | null
}

const time = (ms: number | null): string | null => (ms === null ? null : rfc3339(ms))

export function machineView(m: MachineRecord): MachineView {
  return {machine_id: m.machineId, ip_address: m.ipAddress, is_validated: m.isValidated, role: m.role, version: m.version, auth_type: m.authType,
    created_at: rfc3339(m.createdAt), last_push: time(m.lastPush), last_heartbeat: time(m.lastHeartbeat), scenarios: m.scenarios === '' ? [] : m.scenarios.split(',')}
}

export function bouncerView(b: BouncerRecord): BouncerView {
  return {name: b.name, ip_address: b.ipAddress, type: b.type, version: b.version, auth_type: b.authType, created_at: rfc3339(b.createdAt), last_pull: time(b.lastPull)}
}

export interface AddMachineRequest {
  name: string
  /** Absent: a random one is generated (and returned). */
  password?: string
  role?: 'watcher' | 'admin'
  /** Write CrowdSec's local_api_credentials.yaml (url, login, password) here. */
  credentialsFile?: string
  /** The LAPI URL written into that file. */
  url?: string
  force?: boolean
}

export interface AddMachineResult {
  machine_id: string
  /** Only when it was generated. */
  password?: string
  role: string
  credentials_file?: string
}

function checkName(name: string, what: string): void {
  if (name === '' || name.length > 255 || /[\s/\\]/.test(name) || /[\u0000-\u001f]/.test(name)) {
    throw new CrowdError('usage', `invalid ${what} name '${name}': 1 to 255 characters, no spaces or slashes`)
  }
}

export async function addMachine(store: Store, request: AddMachineRequest, now = Date.now()): Promise<AddMachineResult> {
  checkName(request.name, 'machine')
  const password = request.password ?? generatePassword()
  if (password === '') throw new CrowdError('usage', 'the password must not be empty')
  const role = request.role ?? 'watcher'
  const passwordHash = await hashPassword(password)
  if (request.force === true && (await store.getMachine(request.name)) !== undefined) {
    await store.updateMachine(request.name, {passwordHash, isValidated: true, role}, now)
  } else {
    try {
      await store.addMachine({machineId: request.name, passwordHash, isValidated: true, role}, now)
    } catch (error) {
      if (error instanceof StoreError && error.kind === 'exists') throw new CrowdError('usage', `machine '${request.name}' already exists (use --force to reset its password)`)
      throw error
    }
  }
  const result: AddMachineResult = {machine_id: request.name, role}
  if (request.password === undefined) result.password = password
  if (request.credentialsFile !== undefined) {
    const url = request.url ?? 'http://127.0.0.1:8080/'
    const yaml = `url: ${JSON.stringify(url)}\nlogin: ${JSON.stringify(request.name)}\npassword: ${JSON.stringify(password)}\n`
    fs.mkdirSync(path.dirname(path.resolve(request.credentialsFile)), {recursive: true})
    fs.writeFileSync(request.credentialsFile, yaml, {mode: 0o600})
    result.credentials_file = path.resolve(request.credentialsFile)
  }
  return result
}

function mustExist(found: boolean, what: string, name: string): void {
  if (!found) throw new CrowdError('not-found', `${what} '${name}' does not exist`)
}

export async function deleteMachine(store: Store, name: string): Promise<{machine_id: string; deleted: true}> {
  mustExist(await store.deleteMachine(name), 'machine', name)
  return {machine_id: name, deleted: true}
}

/** The roles a machine may have: `watcher` (the default: reads through the console) or `admin` (may also write there). */
export const MACHINE_ROLES = ['watcher', 'admin'] as const
export type MachineRole = (typeof MACHINE_ROLES)[number]

export async function setMachineRole(store: Store, name: string, role: string, now = Date.now()): Promise<{machine_id: string; role: MachineRole}> {
  if (!(MACHINE_ROLES as readonly string[]).includes(role)) throw new CrowdError('usage', `invalid role '${role}': one of ${MACHINE_ROLES.join(', ')}`)
  mustExist(await store.updateMachine(name, {role}, now), 'machine', name)
  return {machine_id: name, role: role as MachineRole}
}

export async function validateMachine(store: Store, name: string, now = Date.now()): Promise<{machine_id: string; is_validated: true}> {
  mustExist(await store.updateMachine(name, {isValidated: true}, now), 'machine', name)
  return {machine_id: name, is_validated: true}
}

export async function addBouncer(store: Store, name: string, key?: string, now = Date.now()): Promise<{name: string; api_key: string}> {
  checkName(name, 'bouncer')
  const apiKey = key ?? generateApiKey()
  if (apiKey.length < 8 || /\s/.test(apiKey)) throw new CrowdError('usage', 'an API key must be at least 8 characters without spaces')
  try {
    await store.addBouncer({name, apiKeyHash: hashApiKey(apiKey)}, now)
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'exists') throw new CrowdError('usage', `bouncer '${name}' already exists`)
    throw error
  }
  return {name, api_key: apiKey}
}

export async function deleteBouncer(store: Store, name: string): Promise<{name: string; deleted: true}> {
  mustExist(await store.deleteBouncer(name), 'bouncer', name)
  return {name, deleted: true}
}
