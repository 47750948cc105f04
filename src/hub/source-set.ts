/**
 * The sources of one command, merged: every version they offer (the first source that
 * lists a name@version wins), plus the installed versions (so an item installed from a
 * source that is not open now still takes part in resolution, at its installed version).
 */
import semver from 'semver'
import {CrowdError} from '../model/errors.js'
import type {Universe} from './resolve.js'
import type {HubState, InstalledItem} from './state.js'
import type {HubSource, IndexVersion} from './types.js'

export class SourceSet implements Universe {
  private readonly byName = new Map<string, IndexVersion[]>()
  private readonly origin = new WeakMap<IndexVersion, HubSource>()
  private readonly installedEntries = new WeakSet<IndexVersion>()
  readonly skipped: string[] = []

  private constructor(readonly sources: HubSource[]) {}

  static async load(sources: HubSource[], state?: HubState): Promise<SourceSet> {
    const set = new SourceSet(sources)
    for (const source of sources) {
      const index = await source.loadIndex()
      set.skipped.push(...index.skipped.map((s) => `${source.id}: ${s}`))
      for (const [name, versions] of Object.entries(index.packages)) {
        for (const entry of Object.values(versions)) set.add(entry, source)
      }
    }
    if (state !== undefined) for (const item of Object.values(state.items)) set.addInstalled(item)
    return set
  }

  private add(entry: IndexVersion, source: HubSource): void {
    const list = this.byName.get(entry.name) ?? []
    if (list.some((e) => e.version === entry.version)) return
    list.push(entry)
    this.byName.set(entry.name, list)
    this.origin.set(entry, source)
  }

  private addInstalled(item: InstalledItem): void {
    const list = this.byName.get(item.name) ?? []
    if (list.some((e) => e.version === item.version)) return
    const entry: IndexVersion = {name: item.name, version: item.version, type: item.type, description: item.description, crowd: '*', dependencies: item.dependencies}
    if (item.stage !== undefined) entry.stage = item.stage
    list.push(entry)
    this.byName.set(item.name, list)
    this.installedEntries.add(entry)
  }

  versions(name: string): IndexVersion[] {
    return this.byName.get(name) ?? []
  }

  names(): string[] {
    return [...this.byName.keys()].sort()
  }

  /** The newest version a source offers (installed-only entries do not count). */
  latest(name: string): IndexVersion | undefined {
    const offered = this.versions(name).filter((v) => !this.installedEntries.has(v))
    return offered.sort((a, b) => semver.rcompare(a.version, b.version))[0]
  }

  sourceOf(entry: IndexVersion): HubSource | undefined {
    return this.origin.get(entry)
  }

  /**
   * The package key a user typed: exact, or `type:author/name` for a plain key of that type,
   * or a plain name that only exists qualified (`parser:author/name`) once.
   */
  canonicalName(typed: string): string {
    if (this.byName.has(typed)) return typed
    const colon = typed.indexOf(':')
    if (colon !== -1) {
      const plain = typed.slice(colon + 1)
      const type = typed.slice(0, colon)
      if (this.versions(plain).some((v) => v.type === type)) return plain
      return typed
    }
    const qualified = [...this.byName.keys()].filter((k) => k.endsWith(':' + typed))
    if (qualified.length === 1) return qualified[0]
    if (qualified.length > 1) throw new CrowdError('hub', `${typed} is ambiguous: ${qualified.join(', ')}`)
    return typed
  }
}
