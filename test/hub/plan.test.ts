import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {hubInstall, hubList, hubOutdated, hubRemove, hubUpgrade} from '../../src/hub/operations.js'
import {readState} from '../../src/hub/state.js'
import {makeDirectoryHub, snapshotTree, tempDir, type FixturePackage} from './fixtures/make-hub.js'

const V1: FixturePackage[] = [
  {name: 'crowd/syslog-logs', version: '1.0.0', stage: 's00-raw'},
  {name: 'crowd/sshd-logs', version: '1.0.0', deps: {'crowd/syslog-logs': '^1.0.0'}},
  {name: 'crowd/ssh-bf', type: 'scenario', version: '1.0.0'},
  {name: 'crowd/sshd', type: 'collection', version: '1.0.0', deps: {'crowd/sshd-logs': '^1.0.0', 'crowd/ssh-bf': '^1.0.0'}},
]
const V2: FixturePackage[] = [...V1.filter((p) => p.name !== 'crowd/sshd-logs'), {name: 'crowd/sshd-logs', version: '1.1.0', deps: {'crowd/syslog-logs': '^1.0.0'}}]

async function installed(src: string): Promise<string> {
  const data = tempDir('data')
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/sshd']})
  return data
}

const errorOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

test('remove: refused while an installed collection needs it; --force removes', async () => {
  const data = await installed(makeDirectoryHub(V1))
  const before = snapshotTree(data)
  assert.is(await errorOf(hubRemove({dataDir: data, names: ['crowd/sshd-logs']})), 'cannot remove crowd/sshd-logs: needed by collection crowd/sshd (remove that first, or use --force)')
  assert.equal(snapshotTree(data), before)
  await hubRemove({dataDir: data, names: ['crowd/sshd-logs'], force: true})
  assert.not.ok(fs.existsSync(path.join(data, 'hub/parsers/s01-parse/crowd/sshd-logs.yaml')))
})

test('remove: a collection takes its no-longer-needed dependencies with it', async () => {
  const data = await installed(makeDirectoryHub(V1))
  const result = await hubRemove({dataDir: data, names: ['crowd/sshd']})
  assert.equal(result.steps.map((s) => s.name).sort(), ['crowd/ssh-bf', 'crowd/sshd', 'crowd/sshd-logs', 'crowd/syslog-logs'])
  assert.equal(Object.keys(readState(path.join(data, 'hub')).items), [])
  assert.equal(snapshotTree(path.join(data, 'hub')), {'state.json': '{\n  "format": 1,\n  "items": {}\n}\n'})
})

test('remove: an explicitly installed dependency stays', async () => {
  const src = makeDirectoryHub(V1)
  const data = await installed(src)
  await hubInstall({dataDir: data, sources: [src], names: ['crowd/ssh-bf']}) // now explicit
  await hubRemove({dataDir: data, names: ['crowd/sshd']})
  assert.equal(Object.keys(readState(path.join(data, 'hub')).items), ['crowd/ssh-bf'])
})

test('remove: unknown name', async () => {
  assert.is(await errorOf(hubRemove({dataDir: tempDir('data'), names: ['crowd/nope']})), 'crowd/nope is not installed')
})

test('taint: a locally edited file is reported, kept by upgrade, replaced with --force', async () => {
  const data = await installed(makeDirectoryHub(V1))
  const file = path.join(data, 'hub/parsers/s01-parse/crowd/sshd-logs.yaml')
  fs.appendFileSync(file, '# local tweak\n')
  const list = await hubList({dataDir: data, sources: [], installedOnly: true})
  assert.equal(list.installed.filter((i) => i.tainted).map((i) => i.name), ['crowd/sshd-logs'])
  const v2 = makeDirectoryHub(V2)
  assert.equal((await hubOutdated({dataDir: data, sources: [v2]})).outdated.map((o) => `${o.name} ${o.installed}->${o.latest} ${o.tainted}`), ['crowd/sshd-logs 1.0.0->1.1.0 true'])
  const skipped = await hubUpgrade({dataDir: data, sources: [v2], openedSources: undefined, names: []})
  assert.equal(skipped.steps, [])
  assert.equal(skipped.notes, ['crowd/sshd-logs is tainted: left at 1.0.0 (use --force to upgrade to 1.1.0)'])
  assert.match(fs.readFileSync(file, 'utf8'), '# local tweak')
  const forced = await hubUpgrade({dataDir: data, sources: [v2], names: [], force: true})
  assert.equal(forced.steps.map((s) => `${s.action} ${s.name} ${s.from}->${s.version}`), ['upgrade crowd/sshd-logs 1.0.0->1.1.0'])
  assert.not.match(fs.readFileSync(file, 'utf8'), '# local tweak')
  assert.is(readState(path.join(data, 'hub')).items['crowd/sshd-logs'].explicit, false)
})

test('taint: a tainted item is not removed without --force', async () => {
  const data = await installed(makeDirectoryHub(V1))
  fs.rmSync(path.join(data, 'hub/scenarios/crowd/ssh-bf.yaml'))
  assert.is(
    await errorOf(hubRemove({dataDir: data, names: ['crowd/ssh-bf'], force: false})),
    'cannot remove crowd/ssh-bf: needed by collection crowd/sshd (remove that first, or use --force)',
  )
  const result = await hubRemove({dataDir: data, names: ['crowd/sshd']})
  assert.equal(result.notes, ['crowd/ssh-bf is no longer needed but tainted: kept'])
})

test('upgrade: untainted items move to the newest version; install of a conflicting package is refused', async () => {
  const data = await installed(makeDirectoryHub(V1))
  const v2 = makeDirectoryHub([...V2, {name: 'crowd/picky', type: 'scenario', version: '1.0.0', deps: {'crowd/sshd-logs': '~1.0.0', 'crowd/syslog-logs': '>=2.0.0'}}])
  const up = await hubUpgrade({dataDir: data, sources: [v2], names: []})
  assert.equal(up.steps.map((s) => `${s.action} ${s.name}`), ['upgrade crowd/sshd-logs'])
  const msg = await errorOf(hubInstall({dataDir: data, sources: [v2], names: ['crowd/picky']}))
  assert.is(msg, 'cannot resolve crowd/sshd-logs: no version satisfies crowd/picky@1.0.0 needs ~1.0.0, crowd/sshd@1.0.0 needs ^1.0.0; available: 1.1.0')
})

test('install: NAME@RANGE picks within the range; already installed is a no-op', async () => {
  const src = makeDirectoryHub([...V2, {name: 'crowd/sshd-logs', version: '1.0.0', deps: {'crowd/syslog-logs': '^1.0.0'}}].filter((p, i, a) => a.findIndex((q) => q.name === p.name && q.version === p.version) === i))
  const data = tempDir('data')
  const r = await hubInstall({dataDir: data, sources: [src], names: ['crowd/syslog-logs@~1.0.0']})
  assert.equal(r.steps.map((s) => `${s.name}@${s.version}`), ['crowd/syslog-logs@1.0.0'])
  const again = await hubInstall({dataDir: data, sources: [src], names: ['crowd/syslog-logs']})
  assert.equal(again.plan, ['nothing to do'])
  assert.is(again.applied, false)
})

test.run()
