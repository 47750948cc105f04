/**
 * Install, upgrade and remove as plans (CrowdSec's hubops: plan, then run). A plan is a list
 * of commands, each with `prepare` (fetch and verify: all network and integrity failures
 * happen here, before anything changes), `run` (apply to the staging tree of a
 * transaction) and `detail` (one line for --dry-run and the report). executePlan prepares
 * every command, then applies them all in one atomic transaction (install.ts).
 *
 * A step that installs a notification or bouncer package carries the permissions its version
 * asks (as the index lists them) and what they add to the grant recorded for the installed
 * version. Steps that need a grant stay `ask` until the caller grants them (operations.ts:
 * --yes or the prompt); executePlan refuses a step still at `ask`, and after fetching checks
 * that the package's own manifest asks no more than what is granted.
 */
import semver from 'semver'
import {CrowdError} from '../model/errors.js'
import type {Logger} from '../model/logger.js'
import {describePermissions, emptyPermissions, permissionsAdded, permissionsCovered, permissionsEmpty} from '../sandbox/permissions.js'
import {HubTransaction, type TransactionHooks} from './install.js'
import {installedFiles} from './layout.js'
import {MANIFEST_FILE} from './manifest.js'
import {resolveDependencies, type Requirement} from './resolve.js'
import type {SourceSet} from './source-set.js'
import {dependentsOf, type HubState, type InstalledItem} from './state.js'
import {checkTaint} from './taint.js'
import {JS_TYPES, type IndexVersion, type PackageContent, type PackageType, type Permissions} from './types.js'

export type PlanAction = 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove' | 'mark-explicit'

/**
 * How a step's permissions are granted: `not-needed` (it asks nothing), `earlier` (the grant
 * recorded for the installed version covers it), `yes` (--yes), `prompt` (answered at the
 * prompt), `ask` (a grant is needed and not given yet: what a dry run would ask).
 */
export type GrantedBy = 'not-needed' | 'earlier' | 'yes' | 'prompt' | 'ask'

export interface StepPermissions {
  /** What this version asks (its [permissions], as the index lists them). */
  asked: Permissions
  /** What `asked` adds to the grant recorded for the installed version (all of it when there is none). */
  added: Permissions
  grantedBy: GrantedBy
}

/** What a plan step does, as `--json` and `--dry-run` show it. */
export interface PlanStep {
  action: PlanAction
  name: string
  type: PackageType
  version: string
  /** The installed version it replaces (upgrade, downgrade, reinstall). */
  from?: string
  source?: string
  /** Requested by the user (true) or pulled in / dropped as a dependency. */
  explicit: boolean
  /** Notification and bouncer packages being installed: what they ask and how it is granted. */
  permissions?: StepPermissions
}

export interface PlanCommand {
  readonly step: PlanStep
  prepare(): Promise<void>
  run(txn: HubTransaction, log: Logger): void
  detail(): string
}

export class ActionPlan {
  readonly commands: PlanCommand[] = []
  /** Things the plan chose not to do, and why (tainted items left alone, missing data files). */
  readonly notes: string[] = []

  add(command: PlanCommand): void {
    if (this.commands.some((c) => c.step.name === command.step.name)) return
    this.commands.push(command)
  }

  get steps(): PlanStep[] {
    return this.commands.map((c) => c.step)
  }

  /** Steps whose permissions still need a grant. */
  get pendingGrants(): PlanStep[] {
    return this.steps.filter((s) => s.permissions?.grantedBy === 'ask')
  }

  /** Grants every pending step, saying how. */
  grant(by: 'yes' | 'prompt'): void {
    for (const s of this.pendingGrants) s.permissions!.grantedBy = by
  }

  describe(): string[] {
    if (this.commands.length === 0) return ['nothing to do']
    return this.commands.map((c) => c.detail())
  }
}

/** What a step installing `entry` over `installed` asks, and whether an earlier grant covers it. */
export function stepPermissions(entry: IndexVersion, installed: InstalledItem | undefined): StepPermissions | undefined {
  if (!JS_TYPES.has(entry.type)) return undefined
  const asked = entry.permissions ?? emptyPermissions()
  const earlier = installed?.granted
  const added = earlier === undefined ? asked : permissionsAdded(earlier, asked)
  const grantedBy: GrantedBy = permissionsEmpty(asked) ? 'not-needed' : permissionsEmpty(added) ? 'earlier' : 'ask'
  return {asked, added, grantedBy}
}

class InstallCommand implements PlanCommand {
  private content: PackageContent | undefined
  /** The grant recorded for the version installed when the plan was made. */
  private readonly earlier: Permissions | undefined
  constructor(
    readonly step: PlanStep,
    private readonly entry: IndexVersion,
    private readonly sources: SourceSet,
    private readonly notes: string[],
    installed: InstalledItem | undefined,
  ) {
    this.earlier = installed?.granted
    const permissions = stepPermissions(entry, installed)
    if (permissions !== undefined) step.permissions = permissions
  }

  /** The grant to record for this step (JS packages), refusing one not granted yet. */
  private grantToRecord(): Permissions | undefined {
    const p = this.step.permissions
    if (p === undefined) return undefined
    switch (p.grantedBy) {
      case 'yes':
      case 'prompt':
        return p.asked
      case 'earlier':
      case 'not-needed':
        return this.earlier ?? p.asked
      case 'ask':
        throw new CrowdError('usage', `${this.step.name}@${this.step.version} asks for permissions that were not granted: ${describePermissions(p.added).join('; ')}`)
    }
  }

  async prepare(): Promise<void> {
    const grant = this.grantToRecord()
    const source = this.sources.sourceOf(this.entry)
    if (source === undefined) throw new CrowdError('hub', `${this.entry.name}@${this.entry.version} is not offered by any open source`)
    this.content = await source.fetchPackage(this.entry)
    if (grant !== undefined) {
      // The index listed what was shown and granted; the package's own manifest must not ask more.
      const asked = this.content.manifest.permissions ?? emptyPermissions()
      if (!permissionsCovered(grant, asked)) {
        const more = describePermissions(permissionsAdded(grant, asked)).join('; ')
        throw new CrowdError('hub', `${this.entry.name}@${this.entry.version}: its ${MANIFEST_FILE} asks for permissions its index entry does not list (${more}); refusing to install`)
      }
    }
    for (const missing of this.content.missingData) this.notes.push(`${this.step.name}: data file ${missing} is not in the source; not installed`)
  }

  run(txn: HubTransaction, log: Logger): void {
    if (this.content === undefined) throw new Error('prepare() was not called')
    const m = this.content.manifest
    const name = this.step.name
    const files = installedFiles(this.content)
    const old = txn.state.items[name]
    const ownedByOthers = (rel: string): InstalledItem[] => Object.values(txn.state.items).filter((i) => i.name !== name && Object.hasOwn(i.files, rel))
    if (old !== undefined) for (const rel of Object.keys(old.files)) if (!files.has(rel) && ownedByOthers(rel).length === 0) txn.removeFile(rel)
    const hashes: Record<string, string> = Object.create(null)
    for (const [rel, bytes] of files) {
      const before = txn.readFile(rel)
      hashes[rel] = txn.writeFile(rel, bytes)
      for (const other of ownedByOthers(rel)) {
        if (other.files[rel] !== hashes[rel]) {
          if (before !== undefined && !before.equals(bytes)) log.warn(`${rel}: replaced by ${name}, also installed by ${other.name}`)
          other.files[rel] = hashes[rel]
        }
      }
    }
    const item: InstalledItem = {
      name,
      type: m.type,
      version: m.version,
      source: this.sources.sourceOf(this.entry)!.id,
      description: m.description,
      explicit: this.step.explicit || old?.explicit === true,
      dependencies: {...m.dependencies},
      files: {...hashes},
    }
    if (m.stage !== undefined) item.stage = m.stage
    if (this.content.missingData.length > 0) item.missingData = [...this.content.missingData]
    const granted = this.grantToRecord()
    if (granted !== undefined) item.granted = granted
    txn.state.items[name] = item
  }

  detail(): string {
    const s = this.step
    const from = s.from !== undefined && s.from !== s.version ? ` (from ${s.from})` : ''
    return `${s.action.padEnd(9)} ${s.type} ${s.name}@${s.version}${from}${s.explicit ? '' : ' (dependency)'} from ${s.source}`
  }
}

class RemoveCommand implements PlanCommand {
  constructor(readonly step: PlanStep) {}
  async prepare(): Promise<void> {}
  run(txn: HubTransaction): void {
    const item = txn.state.items[this.step.name]
    if (item === undefined) return
    delete txn.state.items[this.step.name]
    const stillOwned = new Set(Object.values(txn.state.items).flatMap((i) => Object.keys(i.files)))
    for (const rel of Object.keys(item.files)) if (!stillOwned.has(rel)) txn.removeFile(rel)
  }
  detail(): string {
    return `remove    ${this.step.type} ${this.step.name}@${this.step.version}${this.step.explicit ? '' : ' (no longer needed)'}`
  }
}

class MarkExplicitCommand implements PlanCommand {
  constructor(readonly step: PlanStep) {}
  async prepare(): Promise<void> {}
  run(txn: HubTransaction): void {
    const item = txn.state.items[this.step.name]
    if (item !== undefined) item.explicit = true
  }
  detail(): string {
    return `keep      ${this.step.type} ${this.step.name}@${this.step.version} (already installed as a dependency; now explicit)`
  }
}

export interface PlanContext {
  state: HubState
  hubDir: string
  sources: SourceSet
  crowdVersion: string
  force: boolean
}

/** `NAME` or `NAME@RANGE`. */
export function parseRequest(text: string): {name: string; range: string} {
  const at = text.indexOf('@')
  const name = at === -1 ? text : text.slice(0, at)
  const range = at === -1 ? '*' : text.slice(at + 1)
  if (name === '' || range === '' || semver.validRange(range) === null) throw new CrowdError('usage', `"${text}" is not NAME or NAME@RANGE (a semver range like ^1.2.0)`)
  return {name, range}
}

export function planInstall(ctx: PlanContext, requests: string[]): ActionPlan {
  const wanted = requests.map(parseRequest).map((r) => ({...r, name: ctx.sources.canonicalName(r.name)}))
  const explicitNames = new Set(wanted.map((w) => w.name))
  const reqs: Requirement[] = wanted.map((w) => ({name: w.name, range: w.range, by: 'user'}))
  const plan = new ActionPlan()
  const prefer = pinsAndPreferences(ctx, reqs, new Set(), plan)
  const chosen = resolveDependencies({universe: ctx.sources, requests: reqs, prefer, crowdVersion: ctx.crowdVersion})
  addChanges(ctx, plan, chosen, explicitNames, {reinstallRequested: ctx.force})
  return plan
}

export function planUpgrade(ctx: PlanContext, names: string[]): ActionPlan {
  const targets = new Set(names.map((n) => ctx.sources.canonicalName(n)))
  for (const t of targets) if (ctx.state.items[t] === undefined) throw new CrowdError('hub', `${t} is not installed`)
  const upgradeAll = targets.size === 0
  const plan = new ActionPlan()
  const reqs: Requirement[] = []
  const prefer = pinsAndPreferences(ctx, reqs, upgradeAll ? new Set(Object.keys(ctx.state.items)) : targets, plan)
  const chosen = resolveDependencies({universe: ctx.sources, requests: reqs, prefer, crowdVersion: ctx.crowdVersion})
  addChanges(ctx, plan, chosen, new Set(), {reinstallRequested: false})
  return plan
}

/**
 * Every installed explicit item is a root (so installing or upgrading never breaks what is
 * there); installed versions are preferred except for the upgrade targets; tainted items are
 * pinned at their version unless --force.
 */
function pinsAndPreferences(ctx: PlanContext, reqs: Requirement[], upgrading: Set<string>, plan: ActionPlan): Record<string, string> {
  const prefer: Record<string, string> = Object.create(null)
  for (const item of Object.values(ctx.state.items)) {
    if (item.explicit) reqs.push({name: item.name, range: '*', by: 'installed'})
    const tainted = checkTaint(ctx.hubDir, item).tainted
    if (tainted && !ctx.force) {
      reqs.push({name: item.name, range: item.version, by: `${item.name} (tainted locally, kept)`})
      const latest = ctx.sources.latest(item.name)
      if (latest !== undefined && semver.gt(latest.version, item.version)) plan.notes.push(`${item.name} is tainted: left at ${item.version} (use --force to upgrade to ${latest.version})`)
    }
    if (!upgrading.has(item.name)) prefer[item.name] = item.version
  }
  return prefer
}

function addChanges(ctx: PlanContext, plan: ActionPlan, chosen: Map<string, IndexVersion>, explicitNames: Set<string>, opts: {reinstallRequested: boolean}): void {
  // Dependencies first, so a collection lands after its parts (order matters only for display).
  const order = [...chosen.keys()].reverse()
  for (const name of order) {
    const entry = chosen.get(name)!
    const installed = ctx.state.items[name]
    const explicit = explicitNames.has(name)
    const sourceId = ctx.sources.sourceOf(entry)?.id ?? installed?.source ?? '?'
    const step = (action: PlanAction): PlanStep => ({action, name, type: entry.type, version: entry.version, from: installed?.version, source: sourceId, explicit})
    if (installed === undefined) {
      plan.add(new InstallCommand(step('install'), entry, ctx.sources, plan.notes, installed))
    } else if (installed.version !== entry.version) {
      plan.add(new InstallCommand(step(semver.gt(entry.version, installed.version) ? 'upgrade' : 'downgrade'), entry, ctx.sources, plan.notes, installed))
    } else if (explicit && opts.reinstallRequested && ctx.sources.sourceOf(entry) !== undefined) {
      plan.add(new InstallCommand(step('reinstall'), entry, ctx.sources, plan.notes, installed))
    } else if (explicit && !installed.explicit) {
      plan.add(new MarkExplicitCommand(step('mark-explicit')))
    }
  }
}

export function planRemove(ctx: Omit<PlanContext, 'sources' | 'crowdVersion'>, names: string[]): ActionPlan {
  const plan = new ActionPlan()
  const removing = new Set<string>()
  for (const typed of names) {
    const name = resolveInstalledName(ctx.state, typed)
    removing.add(name)
  }
  for (const name of removing) {
    const item = ctx.state.items[name]
    const needers = dependentsOf(ctx.state, name).filter((d) => !removing.has(d.name))
    if (needers.length > 0 && !ctx.force) {
      throw new CrowdError('hub', `cannot remove ${name}: needed by ${needers.map((d) => `${d.type} ${d.name}`).join(', ')} (remove that first, or use --force)`)
    }
    const taint = checkTaint(ctx.hubDir, item)
    if (taint.tainted && !ctx.force) throw new CrowdError('hub', `cannot remove ${name}: it is tainted (${[...taint.modified, ...taint.missing].join(', ')} changed locally); use --force`)
    plan.add(new RemoveCommand({action: 'remove', name, type: item.type, version: item.version, source: item.source, explicit: true}))
  }
  // Dependencies installed only for what is removed, and needed by nothing else, go too.
  const kept = new Set<string>()
  let changed = true
  while (changed) {
    changed = false
    for (const item of Object.values(ctx.state.items)) {
      if (removing.has(item.name) || item.explicit) continue
      const needers = dependentsOf(ctx.state, item.name).filter((d) => !removing.has(d.name))
      if (needers.length > 0) continue
      const wasNeeded = dependentsOf(ctx.state, item.name).length > 0
      if (!wasNeeded) continue
      if (kept.has(item.name)) continue
      if (checkTaint(ctx.hubDir, item).tainted && !ctx.force) {
        kept.add(item.name)
        plan.notes.push(`${item.name} is no longer needed but tainted: kept`)
        continue
      }
      removing.add(item.name)
      plan.add(new RemoveCommand({action: 'remove', name: item.name, type: item.type, version: item.version, source: item.source, explicit: false}))
      changed = true
    }
  }
  return plan
}

export function resolveInstalledName(state: HubState, typed: string): string {
  if (state.items[typed] !== undefined) return typed
  const colon = typed.indexOf(':')
  if (colon !== -1 && state.items[typed.slice(colon + 1)]?.type === typed.slice(0, colon)) return typed.slice(colon + 1)
  const qualified = Object.keys(state.items).filter((k) => k.endsWith(':' + typed))
  if (qualified.length === 1) return qualified[0]
  throw new CrowdError('hub', `${typed} is not installed`)
}

export interface ExecuteOptions {
  dataDir: string
  logger: Logger
  /** Runs the prepare tasks (listr2 on a TTY); default: one after the other. */
  runTasks?: (tasks: {title: string; run: () => Promise<void>}[]) => Promise<void>
  hooks?: TransactionHooks
}

export async function executePlan(plan: ActionPlan, options: ExecuteOptions): Promise<void> {
  if (plan.commands.length === 0) return
  const tasks = plan.commands.map((c) => ({title: c.detail(), run: () => c.prepare()}))
  if (options.runTasks) await options.runTasks(tasks)
  else for (const t of tasks) await t.run()
  const txn = HubTransaction.open(options.dataDir, options.hooks)
  try {
    for (const c of plan.commands) c.run(txn, options.logger)
  } catch (error) {
    txn.abort()
    throw error
  }
  txn.commit()
}
