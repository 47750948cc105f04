/**
 * Installed plugin packages (notification and bouncer: JavaScript the sandbox runs), for the
 * runtime: which are installed, their code, what their manifests ask and what the user granted,
 * and which package serves a notification configuration's `type:`.
 *
 * The runtime must not run a package whose recorded grant does not cover what its installed
 * manifest asks (`covered` false: files changed after install, or installed before grants were
 * recorded); it runs the code with `resolvePermissions(permissions, config, file)` (src/sandbox),
 * which stays within `granted` since the grant covers the manifest.
 * Reads take no lock and never see a half-applied install (install.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../model/errors.js'
import {emptyPermissions, permissionsCovered} from '../sandbox/permissions.js'
import {currentHubDir} from './install.js'
import {compareBytes} from '../model/order.js'
import {plainName} from './layout.js'
import {MANIFEST_FILE, parseManifest} from './manifest.js'
import {readState, type InstalledItem} from './state.js'
import {checkTaint} from './taint.js'
import type {Manifest, Permissions} from './types.js'

export type PluginType = 'notification' | 'bouncer'

export interface InstalledPlugin {
  /** `author/name` */
  name: string
  type: PluginType
  version: string
  /** The installed package directory (`<data>/hub/notifications/<author>/<name>`). */
  dir: string
  /** Its crowd-package.toml (name it in errors about the package). */
  manifestFile: string
  /** Absolute path of the entry file (manifest `main`); '' for a builtin bouncer. */
  main: string
  /** A bouncer crowd runs itself (manifest `builtin`): no code. */
  builtin?: 'blocklist'
  /** Bouncers: whether each apply gets the changes or every decision (manifest `batches`, default changes). */
  batches?: 'changes' | 'full'
  /** The entry file's text: what the sandbox runs (SandboxPlugin.code, with `main` as its filename). */
  code: string
  /** Configuration types it serves (notification types; for bouncers, types besides its `bouncer-NAME`). */
  serves: string[]
  /** What the installed manifest asks (configuration keys unresolved). */
  permissions: Permissions
  /** What the user granted (absent: nothing recorded). */
  granted?: Permissions
  /** Whether `granted` covers `permissions`: when false the package must not run. */
  covered: boolean
  /** Whether installed files were changed or deleted since install. */
  tainted: boolean
}

/** The permissions the user granted to an installed package; undefined when none are recorded or it is not installed. */
export function installedGrant(dataDir: string, packageName: string): Permissions | undefined {
  return readState(currentHubDir(dataDir)).items[packageName]?.granted
}

/** Whether the grant recorded for `item` covers what `manifest` (its installed manifest) asks. */
export function grantCovers(item: Pick<InstalledItem, 'granted'>, manifest: Pick<Manifest, 'permissions'>): boolean {
  return item.granted !== undefined && permissionsCovered(item.granted, manifest.permissions ?? emptyPermissions())
}

/** Every installed package of `type`, sorted by name, with its code read. A package that cannot be read is an error. */
export function installedPlugins(dataDir: string, type: PluginType): InstalledPlugin[] {
  const hubDir = currentHubDir(dataDir)
  const state = readState(hubDir)
  const items = Object.values(state.items).filter((i) => i.type === type).sort((a, b) => compareBytes(a.name, b.name))
  return items.map((item) => loadPlugin(hubDir, item, type))
}

function loadPlugin(hubDir: string, item: InstalledItem, type: PluginType): InstalledPlugin {
  const [author, short] = plainName(item.name).split('/') as [string, string]
  const dir = path.join(hubDir, type === 'notification' ? 'notifications' : 'bouncers', author, short)
  const manifestFile = path.join(dir, MANIFEST_FILE)
  const read = (file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new CrowdError('hub', `installed ${type} ${item.name} cannot be read: ${code} (reinstall it: crowd hub install --force ${item.name})`, {file})
    }
  }
  const {manifest} = parseManifest(read(manifestFile), manifestFile)
  if (manifest.name !== plainName(item.name) || manifest.type !== type || (manifest.main === undefined && manifest.builtin === undefined)) {
    throw new CrowdError('hub', `installed ${type} ${item.name}: the manifest there describes ${manifest.type} ${manifest.name} (reinstall it: crowd hub install --force ${item.name})`, {file: manifestFile})
  }
  const main = manifest.main === undefined ? '' : path.join(dir, ...manifest.main.split('/'))
  const permissions = manifest.permissions ?? emptyPermissions()
  const plugin: InstalledPlugin = {
    name: item.name,
    type,
    version: item.version,
    dir,
    manifestFile,
    main,
    code: main === '' ? '' : read(main),
    serves: manifest.serves ?? [],
    permissions,
    covered: grantCovers(item, manifest),
    tainted: checkTaint(hubDir, item).tainted,
  }
  if (manifest.builtin !== undefined) plugin.builtin = manifest.builtin
  if (type === 'bouncer') plugin.batches = manifest.batches ?? 'changes'
  if (item.granted !== undefined) plugin.granted = item.granted
  return plugin
}

/**
 * The installed notification package serving notification type `notificationType` (a
 * configuration's `type:`). None, or more than one, is a CrowdError('config') naming the type
 * (and `file`, the configuration, when given) and listing the installed notification packages.
 */
export function pluginServing(dataDir: string, notificationType: string, file?: string): InstalledPlugin {
  const plugins = installedPlugins(dataDir, 'notification')
  const serving = plugins.filter((p) => p.serves.includes(notificationType))
  if (serving.length === 1) return serving[0]!
  const installed = plugins.length === 0 ? 'no notification package is installed' : `installed: ${plugins.map((p) => `${p.name} (serves ${p.serves.join(', ')})`).join('; ')}`
  if (serving.length === 0) {
    throw new CrowdError('config', `no installed notification package serves type "${notificationType}" (${installed}); install one with crowd hub install`, {file})
  }
  throw new CrowdError('config', `notification type "${notificationType}" is served by several installed packages: ${serving.map((p) => p.name).join(', ')}; remove all but one (crowd hub remove NAME)`, {file})
}
