/**
 * The scenario_version of crowd's own alerts (issue 18, §12.3), for the three content origins:
 * the embedded first-party content carries each scenario package's version (and the file's
 * sha256 as hash), so a CTI-client signal of it is `certified` and the central service
 * (certified.ts, `[cti] hub` = this repository's hub-index.json and tarballs) certifies it; an
 * installed scenario carries its package version, '?' once its file changed since install; `--hub
 * DIR` reads DIR/.index.json; a file that no index lists has hash '' and version '' (custom).
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {scenarioTrust, toSignal} from '../../src/cti/client/signals.js'
import {loadCertifier} from '../../src/cti/service/certified.js'
import {hubInstall} from '../../src/hub/operations.js'
import {toNewAlert} from '../../src/lapi/wire.js'
import {loadStages, prepareContent, resolveContent, scan, selectContent} from '../../src/pipeline/index.js'
import {ROOT, SHARED} from '../helpers/run-cli.js'
import {packRepoHub} from '../cti/service/helpers.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scenario-version-'))
test.after(() => fs.rmSync(home, {recursive: true, force: true}))
const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex')
const packageVersion = (pkg: string): string => /^version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(ROOT, 'plugins', pkg, 'crowd-package.toml'), 'utf8'))![1]!

test('embedded content: alerts carry the package version and the file sha256; their signals are certified, by the client and by the service on this repository', async () => {
  const prepared = await prepareContent({cacheDir: path.join(home, 'cache')})
  assert.is(prepared.content.origin, 'embedded')
  const r = await scan({inputs: [{input: path.join(ROOT, 'test/fixtures/samples/auth.log')}], prepared})
  const ssh = r.alerts.filter((a) => a.Scenario === 'crowd/ssh-bf')
  assert.ok(ssh.length > 0, r.alerts.map((a) => a.Scenario).join(' '))
  const certifier = loadCertifier(packRepoHub(home))
  for (const alert of r.alerts) {
    const pkg = alert.Scenario // crowd's scenario names are their package names
    assert.is(alert.ScenarioVersion, packageVersion(pkg), alert.Scenario)
    assert.is(alert.ScenarioHash, sha(path.join(ROOT, 'plugins', pkg, `${pkg.split('/')[1]}.yaml`)), alert.Scenario)
    const record = toNewAlert(alert, 'watcher1', Date.now())!
    const trust = scenarioTrust(record)
    assert.is(trust, 'certified', alert.Scenario)
    const signal = toSignal({record, alert}, trust, false)
    assert.is(certifier.trust(String(signal.scenario), String(signal.scenario_hash), String(signal.scenario_version), false), 'certified', alert.Scenario)
  }
  assert.is(ssh[0]!.ScenarioVersion, packageVersion('crowd/ssh-bf'))
})

test('installed scenarios: the package version; "?" once the file changed since install', async () => {
  const data = path.join(home, 'data')
  await hubInstall({dataDir: data, sources: ['embedded'], names: ['crowd/sshd']})
  const before = await selectContent({dataDir: data, cacheDir: path.join(home, 'cache')})
  assert.is(before.origin, 'installed')
  const version = (stages: ReturnType<typeof loadStages>, name: string) => {
    const s = stages.scenarios.find((x) => x.name === name)!
    return {hash: s.hash, version: s.version}
  }
  const file = before.scenarios.find((s) => s.item === 'crowd/ssh-bf')!.path
  assert.equal(version(loadStages(before), 'crowd/ssh-bf'), {hash: sha(file), version: packageVersion('crowd/ssh-bf')})
  fs.appendFileSync(file, '# edited locally\n')
  const after = await selectContent({dataDir: data, cacheDir: path.join(home, 'cache')})
  const stages = loadStages(after)
  assert.equal(version(stages, 'crowd/ssh-bf'), {hash: sha(file), version: '?'}, 'tainted')
  assert.equal(version(stages, 'crowd/ssh-slow-bf'), {hash: sha(after.scenarios.find((s) => s.item === 'crowd/ssh-slow-bf')!.path), version: packageVersion('crowd/ssh-slow-bf')}, 'the others are untouched')
})

test("--hub DIR: the version of DIR/.index.json whose digest is the file's sha256; a file no index lists is custom", () => {
  const hub = path.join(SHARED, 'crowdsec-hub')
  const index = JSON.parse(fs.readFileSync(path.join(hub, '.index.json'), 'utf8')) as {scenarios: Record<string, {path: string; versions: Record<string, {digest: string}>}>}
  const content = resolveContent({hubDir: hub, collections: ['crowdsecurity/sshd']})
  const own = path.join(home, 'own.yaml')
  fs.writeFileSync(own, 'type: trigger\nname: me/own\ndescription: mine\nfilter: "true"\ngroupby: evt.Meta.source_ip\n')
  content.scenarios.push({path: own, item: 'me/own'})
  const stages = loadStages(content)
  const bf = stages.scenarios.find((s) => s.name === 'crowdsecurity/ssh-bf')!
  const item = index.scenarios['crowdsecurity/ssh-bf']!
  const digest = sha(path.join(hub, item.path))
  assert.is(bf.hash, digest)
  assert.is(bf.version, Object.entries(item.versions).find(([, v]) => v.digest === digest)![0])
  const mine = stages.scenarios.find((s) => s.name === 'me/own')!
  assert.equal({hash: mine.hash, version: mine.version}, {hash: '', version: ''})
})

test.run()
