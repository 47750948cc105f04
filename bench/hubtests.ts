// Hub-test run time over SHARED/hubtests: every test with its own compilations (no sharing) vs
// one HubTestCache for the run (what `crowd test run` does). Prints the median of BENCH_RUNS runs
// (default 3) and checks that both give the same pass/fail list.
import * as path from 'node:path'
import {HubTestCache} from '../src/hubtest/cache.js'
import {openHub} from '../src/hubtest/install.js'
import {findHubTests} from '../src/hubtest/layout.js'
import {runHubTest, type HubTestResult} from '../src/hubtest/run.js'
import {runScenarios} from '../src/hubtest/scenarios.js'
import {GoTime, UTC} from '../src/model/go-time.js'
import {median, SHARED} from './lib.mjs'

const HUB = path.join(SHARED, 'crowdsec-hub')
const tests = findHubTests([path.join(SHARED, 'hubtests')])
const hub = openHub(HUB)
const runs = Number(process.env.BENCH_RUNS ?? 3)

async function once(shared: boolean): Promise<{ms: number; results: HubTestResult[]}> {
  const cache = shared ? new HubTestCache() : undefined
  const start = performance.now()
  const results: HubTestResult[] = []
  for (const test of tests) {
    results.push(await runHubTest(test, hub, {hubDir: HUB, now: () => GoTime.now(UTC), cache: cache ?? new HubTestCache()}, runScenarios))
  }
  return {ms: performance.now() - start, results}
}

const summary = (results: HubTestResult[]): string => results.map((r) => `${r.name}:${r.passed ? 'pass' : r.skipped !== undefined ? 'skip' : 'FAIL'}`).join(' ')
const figures: Record<string, number[]> = {'no sharing': [], 'one cache per run': []}
let lists: string[] = []
for (let i = 0; i < runs; i++) {
  for (const shared of [false, true]) {
    const r = await once(shared)
    figures[shared ? 'one cache per run' : 'no sharing']!.push(r.ms)
    lists.push(summary(r.results))
  }
}
lists = [...new Set(lists)]
for (const [name, values] of Object.entries(figures)) console.log(`hubtests ${tests.length} tests, ${name}: median ${(median(values) / 1000).toFixed(2)} s over ${values.length} runs`)
console.log(lists.length === 1 ? 'same results with and without the cache' : 'RESULTS DIFFER with the cache')
if (lists.length !== 1) process.exit(1)
