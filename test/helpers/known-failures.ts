/**
 * test/hubtests.known-failures: CrowdSec hub tests that crowd does not pass yet, one name per line
 * with a `# reason`. The list may only shrink: a listed test that passes fails the run until it is
 * removed from the list (acorn's test262 whitelist works the same way).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {ROOT} from './run-cli.js'

export function knownFailures(): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of fs.readFileSync(path.join(ROOT, 'test', 'hubtests.known-failures'), 'utf8').split('\n')) {
    const m = /^([^#\s]+)\s*(?:#\s*(.*))?$/.exec(line.trim())
    if (m) out.set(m[1]!, m[2] ?? '')
  }
  return out
}
