/**
 * The installed state: `<data>/hub/state.json`, inside the tree it describes so that both
 * change together in one rename. One entry per installed package with its version, source,
 * dependencies and the sha256 of every file it installed (for taint detection), and for
 * notification and bouncer packages the permissions the user granted (`granted`, stored in the
 * manifest's [permissions] format; a state written before grants were recorded has none).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {parsePermissions, permissionsTable} from '../sandbox/permissions.js'
import type {PackageType, Permissions} from './types.js'

export const STATE_FILE = 'state.json'
export const STATE_FORMAT = 1

export interface InstalledItem {
  name: string
  type: PackageType
  version: string
  /** The source spec it came from (`embedded`, a directory, a URL). */
  source: string
  stage?: string
  description: string
  /** Installed on request (true) or only as a dependency (false). */
  explicit: boolean
  dependencies: Record<string, string>
  /** Installed path (relative to the hub dir) -> sha256. */
  files: Record<string, string>
  /** Data files the source did not have. */
  missingData?: string[]
  /**
   * Notification and bouncer packages: the permissions granted at install (--yes or the prompt),
   * or kept from an earlier grant that covers what the version asks. Absent: nothing granted.
   */
  granted?: Permissions
}

export interface HubState {
  format: number
  items: Record<string, InstalledItem>
}

export function emptyState(): HubState {
  return {format: STATE_FORMAT, items: Object.create(null)}
}

export function readState(hubDir: string): HubState {
  const file = path.join(hubDir, STATE_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
    throw new CrowdError('hub', `cannot read hub state: ${(error as NodeJS.ErrnoException).code}`, {file})
  }
  let raw: HubState
  try {
    raw = JSON.parse(text) as HubState
  } catch (error) {
    throw new CrowdError('hub', `hub state is not valid JSON: ${(error as Error).message}`, {file})
  }
  if (raw?.format !== STATE_FORMAT || raw.items === null || typeof raw.items !== 'object') throw new CrowdError('hub', `hub state has an unknown format`, {file})
  const items: HubState['items'] = Object.create(null)
  for (const [k, v] of Object.entries(raw.items)) {
    const granted = (v as {granted?: unknown}).granted
    if (granted === undefined) items[k] = v
    else {
      try {
        items[k] = {...v, granted: parsePermissions(granted, file)}
      } catch (error) {
        if (!(error instanceof CrowdError || error instanceof CrowdErrorList)) throw error
        const first = error instanceof CrowdErrorList ? error.errors[0]! : error
        throw new CrowdError('hub', `hub state: the grant of ${k}: ${first.reason}`, {file})
      }
    }
  }
  return {format: STATE_FORMAT, items}
}

export function serializeState(state: HubState): string {
  const items: Record<string, unknown> = {}
  for (const k of Object.keys(state.items).sort()) {
    const item = state.items[k]
    items[k] = item.granted === undefined ? item : {...item, granted: permissionsTable(item.granted)}
  }
  return JSON.stringify({format: state.format, items}, null, 2) + '\n'
}

/** Installed items that depend on `name`. */
export function dependentsOf(state: HubState, name: string): InstalledItem[] {
  return Object.values(state.items).filter((i) => Object.hasOwn(i.dependencies, name))
}
