/**
 * test/hubtests.known-failures: CrowdSec hub tests that crowd does not pass yet, one name per line
 * with a `# reason`. The list may only shrink: a listed test that passes fails the run until it is
 * removed from the list (acorn's test262 whitelist works the same way).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import {ROOT} from './run-cli.js'

export function knownFailures(): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of fs.readFileSync(path.join(ROOT, 'test', 'hubtests.known-failures'), 'utf8').split('\n')) {
    const m = /^([^#\s]+)\s*(?:#\s*(.*))?$/.exec(line.trim())
    if (m) out.set(m[1]!, m[2] ?? '')
  }
  return out
}

export interface HubTestOutcome {
  passed: boolean
  skipped?: string
  failed_assertions: ReadonlyArray<{line: number; expression: string; error: string}>
}

/**
 * Runs `run` on every named hub test and checks the outcomes against the known-failures list:
 * a test not on the list must pass, a test on the list must still fail. Prints the pass count.
 */
export async function checkHubTests(kind: string, names: readonly string[], run: (name: string) => Promise<HubTestOutcome>): Promise<void> {
  const known = knownFailures()
  const unexpected: string[] = []
  const fixed: string[] = []
  let passed = 0
  let skipped = 0
  for (const name of names) {
    const r = await run(name)
    if (r.skipped !== undefined) skipped++
    else if (r.passed) {
      passed++
      if (known.has(name)) fixed.push(name)
    } else if (!known.has(name)) {
      const f = r.failed_assertions[0]
      unexpected.push(`${name}: ${f ? `line ${f.line}: ${f.expression} -> ${f.error}` : 'failed'}`)
    }
  }
  console.log(`hubtests: ${passed}/${names.length} ${kind} tests pass (${skipped} skipped)`)
  assert.equal(fixed, [], `now passing: remove from test/hubtests.known-failures: ${fixed.join(', ')}`)
  assert.equal(unexpected, [], unexpected.join('\n'))
}
