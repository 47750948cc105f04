/**
 * Taint: an installed file whose bytes no longer match the sha256 recorded at install time
 * (edited or deleted locally). Tainted items are left alone by upgrade and remove unless
 * --force.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {sha256} from './integrity.js'
import type {InstalledItem} from './state.js'

export interface TaintReport {
  tainted: boolean
  /** Files whose content changed. */
  modified: string[]
  /** Files that are gone. */
  missing: string[]
}

export function checkTaint(hubDir: string, item: InstalledItem): TaintReport {
  const modified: string[] = []
  const missing: string[] = []
  for (const [rel, want] of Object.entries(item.files)) {
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(path.join(hubDir, ...rel.split('/')))
    } catch {
      missing.push(rel)
      continue
    }
    if (sha256(bytes) !== want) modified.push(rel)
  }
  return {tainted: modified.length + missing.length > 0, modified, missing}
}
