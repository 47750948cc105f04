/**
 * One function per `crowd hub` command: options in, a typed result out (what --json prints).
 * No console output here; progress goes through `runTasks`, warnings through the logger.
 */
import semver from 'semver'
import {CrowdError} from '../model/errors.js'
import {silentLogger, type Logger} from '../model/logger.js'
import {crowdVersion} from './crowd-version.js'
import {currentHubDir, type TransactionHooks} from './install.js'
import {executePlan, planInstall, planRemove, planUpgrade, resolveInstalledName, type ActionPlan, type ExecuteOptions, type PlanStep} from './plan.js'
import {renderPermissionRequests} from './render.js'
import {SourceSet} from './source-set.js'
import {openSource, type OpenSourceOptions} from './sources/open.js'
import {HttpsSource} from './sources/https.js'
import {readState, type HubState} from './state.js'
import {checkTaint} from './taint.js'
import {PACKAGE_TYPES, type HubSource, type PackageType, type Permissions} from './types.js'

export interface HubOptions {
  dataDir: string
  /** Source specs, in order (crowd.toml hub.sources, or --source). */
  sources: string[]
  logger?: Logger
  http?: OpenSourceOptions['http']
  embeddedRoot?: string
  /** Use these sources as they are (tests); `sources` is ignored. */
  openedSources?: HubSource[]
  crowdVersion?: string
}

export interface PlanResult {
  dryRun: boolean
  /** The plan ran (false for --dry-run and for an empty plan). */
  applied: boolean
  steps: PlanStep[]
  notes: string[]
  /** Human lines describing each step. */
  plan: string[]
}

function openAll(options: HubOptions, extra: string[] = []): HubSource[] {
  if (options.openedSources) return options.openedSources
  const specs = [...new Set([...options.sources, ...extra])]
  return specs.map((s) => openSource(s, {dataDir: options.dataDir, http: options.http, embeddedRoot: options.embeddedRoot}))
}

async function context(options: HubOptions, state: HubState, extraSources: string[] = [], force = false) {
  const sources = await SourceSet.load(openAll(options, extraSources), state)
  for (const s of sources.skipped) (options.logger ?? silentLogger).debug(`skipped: ${s}`)
  return {state, hubDir: currentHubDir(options.dataDir), sources, crowdVersion: options.crowdVersion ?? crowdVersion(), force}
}

async function finish(plan: ActionPlan, options: HubOptions & Omit<MutateOptions, keyof HubOptions>): Promise<PlanResult> {
  const logger = options.logger ?? silentLogger
  const dryRun = Boolean(options.dryRun)
  await grantPermissions(plan, options, dryRun)
  if (!dryRun) await executePlan(plan, {dataDir: options.dataDir, logger, runTasks: options.runTasks, hooks: options.hooks})
  return {dryRun, applied: !dryRun && plan.commands.length > 0, steps: plan.steps, notes: plan.notes, plan: plan.describe()}
}

export interface MutateOptions extends HubOptions {
  dryRun?: boolean
  force?: boolean
  /** Grant the permissions that notification and bouncer packages ask (--yes). */
  yes?: boolean
  /**
   * Asks the user to grant the permissions of these steps (`crowd hub install` on a terminal:
   * promptGrant). Absent: nobody to ask, so a plan that needs a grant is refused without `yes`.
   */
  confirm?: (steps: PlanStep[]) => Promise<boolean>
  runTasks?: ExecuteOptions['runTasks']
  hooks?: TransactionHooks
}

/**
 * Steps that install or upgrade a package asking for more than it was granted are granted by
 * --yes or the prompt; otherwise nothing is installed. A dry run leaves them at `ask`.
 */
async function grantPermissions(plan: ActionPlan, options: Pick<MutateOptions, 'yes' | 'confirm'>, dryRun: boolean): Promise<void> {
  const pending = plan.pendingGrants
  if (pending.length === 0) return
  if (options.yes) return plan.grant('yes')
  if (dryRun) return
  if (options.confirm !== undefined) {
    if (await options.confirm(pending)) return plan.grant('prompt')
    throw new CrowdError('usage', 'the permissions were not granted: nothing was installed')
  }
  const lines = renderPermissionRequests(pending)
  throw new CrowdError('usage', [...lines, 'nothing was installed: re-run with --yes to grant these permissions (or in a terminal, to be asked)'].join('\n'))
}

export async function hubInstall(options: MutateOptions & {names: string[]}): Promise<PlanResult> {
  if (options.names.length === 0) throw new CrowdError('usage', 'name at least one package to install')
  const state = readState(currentHubDir(options.dataDir))
  const ctx = await context(options, state, [], Boolean(options.force))
  return finish(planInstall(ctx, options.names), options)
}

export async function hubUpgrade(options: MutateOptions & {names: string[]}): Promise<PlanResult> {
  const state = readState(currentHubDir(options.dataDir))
  // Without --source, each installed item is upgraded from the source it came from.
  const recorded = Object.values(state.items).map((i) => i.source)
  const ctx = await context(options, state, options.openedSources ? [] : recorded, Boolean(options.force))
  return finish(planUpgrade(ctx, options.names), options)
}

export async function hubRemove(options: Omit<MutateOptions, 'sources'> & {names: string[]}): Promise<PlanResult> {
  if (options.names.length === 0) throw new CrowdError('usage', 'name at least one package to remove')
  const hubDir = currentHubDir(options.dataDir)
  const plan = planRemove({state: readState(hubDir), hubDir, force: Boolean(options.force)}, options.names)
  return finish(plan, {...options, sources: []})
}

export interface UpdateResult {
  sources: {id: string; kind: HubSource['kind']; packages: number; refresh: 'downloaded' | 'not-modified' | 'cached' | 'local'; skipped: number}[]
}

export async function hubUpdate(options: HubOptions): Promise<UpdateResult> {
  const out: UpdateResult = {sources: []}
  for (const source of openAll(options)) {
    const index = await source.loadIndex({refresh: true})
    const refresh = source instanceof HttpsSource ? (source.lastRefresh ?? 'downloaded') : 'local'
    out.sources.push({id: source.id, kind: source.kind, packages: Object.keys(index.packages).length, refresh, skipped: index.skipped.length})
  }
  return out
}

export interface ListedPackage {
  name: string
  type: PackageType
  description: string
  /** Installed version, if installed. */
  installed?: string
  latest?: string
  explicit?: boolean
  tainted?: boolean
  source?: string
}

export interface ListResult {
  installed: ListedPackage[]
  available: ListedPackage[]
}

export async function hubList(options: HubOptions & {type?: PackageType; installedOnly?: boolean}): Promise<ListResult> {
  if (options.type !== undefined && !(PACKAGE_TYPES as readonly string[]).includes(options.type)) throw new CrowdError('usage', `--type must be one of ${PACKAGE_TYPES.join(', ')}`)
  const hubDir = currentHubDir(options.dataDir)
  const state = readState(hubDir)
  const sources = options.installedOnly ? undefined : await SourceSet.load(openAll(options))
  const keep = (t: PackageType): boolean => options.type === undefined || options.type === t
  const installed: ListedPackage[] = Object.values(state.items)
    .filter((i) => keep(i.type))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((i) => ({
      name: i.name,
      type: i.type,
      description: i.description,
      installed: i.version,
      latest: sources?.latest(i.name)?.version,
      explicit: i.explicit,
      tainted: checkTaint(hubDir, i).tainted,
      source: i.source,
    }))
  const available: ListedPackage[] = []
  for (const name of sources?.names() ?? []) {
    const latest = sources!.latest(name)
    if (latest === undefined || !keep(latest.type) || state.items[name] !== undefined) continue
    available.push({name, type: latest.type, description: latest.description, latest: latest.version, source: sources!.sourceOf(latest)?.id})
  }
  return {installed, available}
}

export interface InspectResult {
  name: string
  type: PackageType
  description: string
  installed?: {
    version: string
    explicit: boolean
    source: string
    files: {path: string; sha256: string; state: 'ok' | 'modified' | 'missing'}[]
    missingData: string[]
    neededBy: string[]
    /** Notification and bouncer packages: the permissions granted (absent: none recorded). */
    granted?: Permissions
  }
  available: {
    version: string
    crowd: string
    dependencies: Record<string, string>
    source?: string
    sha256?: string
    size?: number
    dataFiles?: string[]
    /** Notification and bouncer packages: the entry file, the notification types served, what it asks. */
    main?: string
    serves?: string[]
    permissions?: Permissions
  }[]
  tainted: boolean
}

export async function hubInspect(options: HubOptions & {name: string}): Promise<InspectResult> {
  const hubDir = currentHubDir(options.dataDir)
  const state = readState(hubDir)
  const sources = await SourceSet.load(openAll(options))
  let name = sources.canonicalName(options.name)
  try {
    name = resolveInstalledName(state, options.name)
  } catch {
    /* not installed: keep the source name */
  }
  const item = state.items[name]
  const versions = sources.versions(name).filter((v) => sources.sourceOf(v) !== undefined).sort((a, b) => semver.rcompare(a.version, b.version))
  if (item === undefined && versions.length === 0) throw new CrowdError('hub', `unknown package ${options.name}`)
  const taint = item === undefined ? undefined : checkTaint(hubDir, item)
  return {
    name,
    type: item?.type ?? versions[0].type,
    description: item?.description ?? versions[0].description,
    installed: item === undefined
      ? undefined
      : {
          version: item.version,
          explicit: item.explicit,
          source: item.source,
          files: Object.entries(item.files).map(([p, h]) => ({path: p, sha256: h, state: taint!.missing.includes(p) ? 'missing' : taint!.modified.includes(p) ? 'modified' : 'ok'})),
          missingData: item.missingData ?? [],
          neededBy: Object.values(state.items).filter((i) => Object.hasOwn(i.dependencies, name)).map((i) => i.name).sort(),
          granted: item.granted,
        },
    available: versions.map((v) => ({
      version: v.version,
      crowd: v.crowd,
      dependencies: {...v.dependencies},
      source: sources.sourceOf(v)?.id,
      sha256: v.sha256,
      size: v.size,
      dataFiles: v.dataFiles,
      main: v.main,
      serves: v.serves,
      permissions: v.permissions,
    })),
    tainted: taint?.tainted ?? false,
  }
}

export interface OutdatedResult {
  outdated: {name: string; type: PackageType; installed: string; latest: string; tainted: boolean; source: string}[]
}

export async function hubOutdated(options: HubOptions): Promise<OutdatedResult> {
  const hubDir = currentHubDir(options.dataDir)
  const state = readState(hubDir)
  const sources = await SourceSet.load(openAll(options, Object.values(state.items).map((i) => i.source)))
  const outdated: OutdatedResult['outdated'] = []
  for (const item of Object.values(state.items).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const latest = sources.latest(item.name)
    if (latest !== undefined && semver.gt(latest.version, item.version)) {
      outdated.push({name: item.name, type: item.type, installed: item.version, latest: latest.version, tainted: checkTaint(hubDir, item).tainted, source: item.source})
    }
  }
  return {outdated}
}
