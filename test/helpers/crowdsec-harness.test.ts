/**
 * End-to-end checks of the CrowdSec harness (test/helpers/crowdsec.ts) against CrowdSec's own LAPI (Debian's 1.4.6):
 * cscli, the custom and firewall bouncers and the agent all talk to it as they will talk to crowd's LAPI.
 * Needs root and Debian's crowdsec, crowdsec-custom-bouncer, crowdsec-firewall-bouncer, nftables and iproute2 (CI
 * installs them, see .ci/run); CROWD_TEST_SKIP_CROWDSEC=1 skips the file on a machine without them. ~20 s.
 */
import {execFileSync} from 'node:child_process'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {
  Cleanup,
  crowdsecPrerequisites,
  cscliFor,
  makeTempDir,
  runCrowdsecAgent,
  startCrowdsecLapi,
  startCustomBouncer,
  startFirewallBouncerInNetns,
  startWireRecorder,
  writeSshdBruteForceLog,
  type CrowdsecLapi,
  type CscliClient,
} from './crowdsec.js'

const missing = crowdsecPrerequisites()
const optOut = process.env.CROWD_TEST_SKIP_CROWDSEC === '1'
const skip = optOut || missing.length > 0

const cleanup = new Cleanup()
if (!optOut && missing.length > 0) {
  // Fail loudly (CI must run these), with the reason, rather than in a hook uvu reports without its message.
  test('CrowdSec harness prerequisites are installed', () => {
    assert.unreachable(`missing: ${missing.join(', ')} (CROWD_TEST_SKIP_CROWDSEC=1 skips these tests)`)
  })
}

// Started by the first test that needs it (a failure then shows in every test, with its message; uvu hides hook errors).
type Env = {lapi: CrowdsecLapi; cscli: CscliClient; machine: {machineId: string; password: string}}
let env: Promise<Env> | undefined
const setup = (): Promise<Env> =>
  (env ??= (async () => {
    const lapi = await startCrowdsecLapi({cleanup})
    const machine = await lapi.addMachine('harness-tester')
    // A cscli that knows nothing but the URL and the credentials, as it will be used against crowd's LAPI.
    const cscli = cscliFor(lapi.url, machine.machineId, machine.password, {cleanup})
    return {lapi, cscli, machine}
  })())

test.after(() => cleanup.run())

const t = skip ? test.skip : test

t('cscli lapi status authenticates against the LAPI', async () => {
  const {cscli} = await setup()
  const r = await cscli(['lapi', 'status'])
  assert.is(r.code, 0)
  assert.match(r.stderr, /You can successfully interact with Local API/)
})

t('cscli decisions add, then decisions list -o json shows the decision', async () => {
  const {cscli} = await setup()
  await cscli(['decisions', 'add', '-i', '192.0.2.1', '-d', '1h'])
  const found = (await cscli.decisions()).filter((d) => d.value === '192.0.2.1')
  assert.is(found.length, 1)
  assert.is(found[0]!.type, 'ban')
  assert.is(found[0]!.scope, 'Ip')
  assert.is(found[0]!.origin, 'cscli')
  assert.match(found[0]!.duration, /^(59m|1h0m0s)/)
  const alerts = await cscli.alerts(['-i', '192.0.2.1'])
  assert.ok(alerts.some((a) => a.source.value === '192.0.2.1'))
})

t('the custom bouncer runs its binary with add, then del after cscli decisions delete', async () => {
  const {lapi, cscli} = await setup()
  const key = await lapi.addBouncer('harness-custom')
  const bouncer = await startCustomBouncer({url: lapi.url, apiKey: key, cleanup})
  await cscli(['decisions', 'add', '-i', '192.0.2.1', '-d', '1h'])
  const added = await bouncer.waitFor((calls) => calls.some((c) => c.action === 'add' && c.value === '192.0.2.1'))
  const add = added.find((c) => c.action === 'add' && c.value === '192.0.2.1')!
  assert.is(add.argv.length, 5)
  assert.ok(add.durationSeconds > 3500 && add.durationSeconds <= 3600, `seconds ${add.durationSeconds}`)
  assert.is(add.scenario, "manual 'ban' from 'harness-tester'")
  assert.is(add.decision?.value, '192.0.2.1')
  assert.is(add.decision?.type, 'ban')
  await cscli(['decisions', 'delete', '-i', '192.0.2.1'])
  const all = await bouncer.waitFor((calls) => calls.some((c) => c.action === 'del' && c.value === '192.0.2.1'))
  assert.is(all.filter((c) => c.action === 'del' && c.value === '192.0.2.1').length, 1)
  await bouncer.stop()
  assert.ok(bouncer.process.exitInfo())
})

t('the firewall bouncer in a network namespace adds the IPs to its nftables sets, then removes them', async () => {
  const {lapi, cscli} = await setup()
  const key = await lapi.addBouncer('harness-firewall')
  const fw = await startFirewallBouncerInNetns({url: lapi.url, apiKey: key, cleanup})
  const name = fw.netns.name
  assert.match(name, /^crowdt-/)
  await cscli(['decisions', 'add', '-i', '192.0.2.3', '-d', '30m'])
  await cscli(['decisions', 'add', '-i', '2001:db8::3', '-d', '30m'])
  await fw.waitFor((ips) => ips.includes('192.0.2.3') && ips.includes('2001:db8::3'))
  const elements = await fw.bannedElements()
  const v4 = elements.find((e) => e.value === '192.0.2.3')!
  assert.is(v4.family, 'ip')
  assert.ok(v4.timeout! > 1700 && v4.timeout! <= 1800, `timeout ${v4.timeout}`)
  await cscli(['decisions', 'delete', '-i', '192.0.2.3'])
  await cscli(['decisions', 'delete', '-i', '2001:db8::3'])
  await fw.waitFor((ips) => !ips.includes('192.0.2.3') && !ips.includes('2001:db8::3'))
  await fw.stop()
  // Nothing left behind: the namespace (and with it the tables) and the process are gone.
  assert.not.ok(execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).includes(name))
  assert.ok(fw.process.exitInfo())
})

t('the agent replays an sshd brute force and its alert shows in cscli alerts list', async () => {
  const {lapi, cscli} = await setup()
  const machine = await lapi.addMachine('harness-agent')
  const tmp = makeTempDir('authlog')
  cleanup.add('auth.log dir', tmp.remove)
  const log = writeSshdBruteForceLog(path.join(tmp.dir, 'auth.log'), {ip: '192.0.2.77', count: 12})
  const result = await runCrowdsecAgent({url: lapi.url, machineId: machine.machineId, password: machine.password, logFile: log, type: 'syslog'})
  assert.is(result.code, 0)
  assert.ok(result.installed.scenarios!.includes('crowdsecurity/ssh-bf'))
  assert.ok(result.overflows.some((l) => l.includes("'crowdsecurity/ssh-bf'")), result.output)
  const alerts = await cscli.alerts(['-s', 'crowdsecurity/ssh-bf'])
  const alert = alerts.find((a) => a.source.value === '192.0.2.77')
  assert.ok(alert, JSON.stringify(alerts).slice(0, 500))
  assert.is(alert!.machine_id, 'harness-agent')
  assert.ok(alert!.events_count >= 6)
  // The LAPI's default profile banned the source for 4h (the log ends now, so the decision is active).
  assert.ok((await cscli.decisions(['-i', '192.0.2.77'])).some((d) => d.origin === 'crowdsec' && d.type === 'ban'))
})

t('importDecisions preloads decisions in bulk (origin cscli-import, listed with -a)', async () => {
  const {lapi, cscli} = await setup()
  const items = Array.from({length: 2000}, (_, i) => ({value: `198.18.${i >> 8}.${i & 255}`, duration: '2h'}))
  const r = await lapi.cscli.importDecisions([...items, {value: '198.19.0.0/24', scope: 'Range'}])
  assert.is(r.imported, 2001)
  const listed = await cscli.decisions(['-a', '-l', '0'])
  const imported = listed.filter((d) => d.origin === 'cscli-import')
  assert.is(imported.length, 2001)
  assert.ok(imported.some((d) => d.value === '198.19.0.0/24' && d.scope === 'Range'))
  // Without -a (include_capi=false), 1.4.6 lists only decisions of origin crowdsec and cscli.
  assert.not.ok((await cscli.decisions()).some((d) => d.origin === 'cscli-import'))
})

t('the wire recorder shows what cscli sends: a login, then GET /v1/alerts with the list filters', async () => {
  const {lapi, machine} = await setup()
  const rec = await startWireRecorder({target: lapi.url, cleanup})
  const viaRecorder = cscliFor(rec.url, machine.machineId, machine.password, {cleanup})
  await viaRecorder.decisions()
  const seen = rec.exchanges().map((e) => `${e.method} ${e.url} ${e.status}`)
  assert.equal(seen, ['POST /v1/watchers/login 200', 'GET /v1/alerts?has_active_decision=true&include_capi=false&limit=100 200'])
  const ua = rec.exchanges()[0]!.requestHeaders.find(([k]) => k.toLowerCase() === 'user-agent')?.[1]
  assert.match(ua ?? '', /^crowdsec\/v1\.4\.6/)
  await rec.stop()
})

test.run()
