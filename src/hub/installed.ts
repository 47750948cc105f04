/**
 * What is installed, for the engine (`crowd scan`, `explain`, `test run`) and for `crowd hub
 * list`. Reads take no lock and never see a half-applied install (install.ts).
 */
import * as path from 'node:path'
import {currentHubDir} from './install.js'
import {compareBytes} from '../model/order.js'
import {readState, type InstalledItem} from './state.js'

export interface InstalledContent {
  /** The installed hub tree (`<data>/hub`). */
  hubDir: string
  /** Where data files are (`<data>/hub/data`): File(), RegexpInFile() look here. */
  dataDir: string
  /** Absolute paths, sorted by stage then path, as CrowdSec loads them. */
  parsers: string[]
  postoverflows: string[]
  scenarios: string[]
  contexts: string[]
  /** Installed notification / bouncer package directories. */
  notifications: string[]
  bouncers: string[]
  items: InstalledItem[]
}

export function installedContent(dataDir: string): InstalledContent {
  const hubDir = currentHubDir(dataDir)
  const state = readState(hubDir)
  const out: InstalledContent = {
    hubDir,
    dataDir: path.join(hubDir, 'data'),
    parsers: [],
    postoverflows: [],
    scenarios: [],
    contexts: [],
    notifications: [],
    bouncers: [],
    items: Object.values(state.items).sort((a, b) => compareBytes(a.name, b.name)),
  }
  const yaml = (rel: string): boolean => rel.endsWith('.yaml') || rel.endsWith('.yml')
  for (const item of out.items) {
    const rels = Object.keys(item.files)
    const abs = (rel: string): string => path.join(hubDir, ...rel.split('/'))
    switch (item.type) {
      case 'parser':
        out.parsers.push(...rels.filter((r) => r.startsWith('parsers/') && yaml(r)).map(abs))
        break
      case 'postoverflow':
        out.postoverflows.push(...rels.filter((r) => r.startsWith('postoverflows/') && yaml(r)).map(abs))
        break
      case 'scenario':
        out.scenarios.push(...rels.filter((r) => r.startsWith('scenarios/') && yaml(r)).map(abs))
        break
      case 'context':
        out.contexts.push(...rels.filter((r) => r.startsWith('contexts/') && yaml(r)).map(abs))
        break
      case 'notification':
      case 'bouncer': {
        const [author, name] = item.name.split('/')
        const list = item.type === 'notification' ? out.notifications : out.bouncers
        list.push(path.join(hubDir, item.type === 'notification' ? 'notifications' : 'bouncers', author, name))
        break
      }
      default:
        break
    }
  }
  // Paths embed the stage (parsers/s00-raw/... < parsers/s01-parse/...), so a byte sort orders by stage.
  for (const list of [out.parsers, out.postoverflows, out.scenarios, out.contexts]) list.sort(compareBytes)
  return out
}
