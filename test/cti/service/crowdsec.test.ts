/**
 * A real client: CrowdSec 1.4.6's LAPI (Debian's `crowdsec`) with its online_api_credentials.yaml pointing at the
 * service (on 127.0.0.1, in process, the real clock). A fresh LAPI logs in with `scenarios: []`; after its agent
 * (`crowdsec -no-api -dsn`) registered, a restarted LAPI logs in with the real list, pushes /v2/metrics/, pulls the
 * blocklist at start (origin CAPI, tailored), and pushes its alerts as signals that the service judges certified
 * against the same hub. Skipped when the CrowdSec binaries or Debian's hub are missing.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {stringify as toYaml} from 'yaml'
import {CROWDSEC_PATHS, Cleanup, freePort, httpGet, makeTempDir, pollUntil, runCrowdsecAgent, spawnManaged, waitForLapi, which, writeSshdBruteForceLog, type ManagedProcess} from '../../helpers/crowdsec.js'
import {request, startTestService} from './helpers.js'
import {execFileSync} from 'node:child_process'

const SSH = 'crowdsecurity/ssh-bf'
const SEEDED = '45.33.77.1'
const ATTACKER = '45.33.1.100'
const ready = which('crowdsec') !== undefined && which('cscli') !== undefined && fs.existsSync(path.join(CROWDSEC_PATHS.hubDir, '.index.json'))

const writeYaml = (file: string, value: unknown): void => fs.writeFileSync(file, toYaml(value, {lineWidth: 0}))

test('CrowdSec 1.4.6 LAPI: login with [] then its scenarios, metrics, startup pull (origin CAPI), signals judged certified', async () => {
  if (!ready) {
    console.log('  (skipped: crowdsec, cscli or the Debian hub missing)')
    return
  }
  const cleanup = new Cleanup()
  const svc = await startTestService({realClock: true, hubDir: CROWDSEC_PATHS.hubDir, params: {k: 1, trustNewReporters: true}})
  cleanup.add('stop the service', () => svc.close())
  try {
    // the blocklist already holds an entry for ssh-bf and one for a scenario the LAPI does not run
    const now = Date.now()
    await svc.store.takeLease('consensus', 'seed', now, now + 60_000)
    const entry = (value: string, scenario: string) => ({value, scope: 'Ip' as const, scenario, promotedAt: now, lastEvidenceAt: now, expiresAt: now + 72 * 3600_000, evidence: {reporters: ['x'], networks: 1, asns: 1, firstAt: now, lastAt: now, scenarios: {[scenario]: 1}}})
    await svc.store.saveConsensus({now, lease: {name: 'consensus', holder: 'seed', until: now + 60_000}, upserts: [entry(SEEDED, SSH), entry('45.33.77.2', 'vendor/not-installed')], expired: [], reporters: [], quarantine: [], purgeDeletedBefore: 0})
    await svc.store.releaseLease('consensus', 'seed')

    const reg = await request(svc.url, 'POST', '/v2/watchers', {body: {machine_id: 'cs-lapi-1', password: 'capi-password-1'}})
    assert.is(reg.status, 201, reg.text)

    const tmp = makeTempDir('cti-capi')
    cleanup.add('remove the LAPI dir', () => tmp.remove())
    const dir = tmp.dir
    fs.mkdirSync(path.join(dir, 'data'))
    fs.writeFileSync(path.join(dir, 'profiles.yaml'), fs.existsSync(CROWDSEC_PATHS.profiles) ? fs.readFileSync(CROWDSEC_PATHS.profiles, 'utf8') : '')
    fs.writeFileSync(path.join(dir, 'simulation.yaml'), 'simulation: off\n')
    fs.writeFileSync(path.join(dir, 'acquis.yaml'), '')
    writeYaml(path.join(dir, 'console.yaml'), {share_manual_decisions: false, share_custom: true, share_tainted: true})
    writeYaml(path.join(dir, 'online_api_credentials.yaml'), {url: svc.url, login: 'cs-lapi-1', password: 'capi-password-1'})
    const port = await freePort()
    const lapiUrl = `http://127.0.0.1:${port}/`
    writeYaml(path.join(dir, 'local_api_credentials.yaml'), {url: lapiUrl, login: 'harness', password: 'harness-password-1'})
    const configPath = path.join(dir, 'config.yaml')
    writeYaml(configPath, {
      common: {daemonize: false, log_media: 'stdout', log_level: 'info', working_dir: '.'},
      config_paths: {
        config_dir: dir + '/', data_dir: path.join(dir, 'data') + '/', simulation_path: path.join(dir, 'simulation.yaml'),
        hub_dir: CROWDSEC_PATHS.hubDir.replace(/\/*$/, '/'), index_path: path.join(CROWDSEC_PATHS.hubDir, '.index.json'),
        notification_dir: path.join(dir, 'notifications') + '/', plugin_dir: CROWDSEC_PATHS.pluginDir.replace(/\/*$/, '/'),
      },
      crowdsec_service: {acquisition_path: path.join(dir, 'acquis.yaml'), parser_routines: 1},
      cscli: {output: 'human', color: 'no'},
      db_config: {log_level: 'info', type: 'sqlite', db_path: path.join(dir, 'data', 'crowdsec.db'), use_wal: true},
      api: {
        client: {insecure_skip_verify: false, credentials_path: path.join(dir, 'local_api_credentials.yaml')},
        server: {
          log_level: 'info', listen_uri: `127.0.0.1:${port}`, profiles_path: path.join(dir, 'profiles.yaml'), console_path: path.join(dir, 'console.yaml'),
          trusted_ips: ['127.0.0.1', '::1'], online_client: {credentials_path: path.join(dir, 'online_api_credentials.yaml')},
        },
      },
      prometheus: {enabled: false},
    })
    const cscli = (...args: string[]): string => execFileSync(which('cscli')!, ['-c', configPath, ...args], {cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    let lapi: ManagedProcess | undefined
    const startLapi = async (): Promise<ManagedProcess> => {
      const p = spawnManaged(`crowdsec LAPI :${port}`, which('crowdsec')!, ['-c', configPath, '-no-cs'], {cwd: dir, cleanup})
      await waitForLapi(lapiUrl, 20_000, p)
      return p
    }

    // 1. a fresh LAPI: it logs in with no scenarios
    lapi = await startLapi()
    await pollUntil(async () => (await svc.store.getWatcher('cs-lapi-1'))?.lastLogin !== null, 20_000, 'the first CAPI login')
    assert.equal((await svc.store.getWatcher('cs-lapi-1'))?.scenarios, [])
    cscli('machines', 'add', 'harness', '--password', 'harness-password-1', '-f', '/dev/null')
    cscli('machines', 'add', 'agent1', '--password', 'agent-password-1', '-f', '/dev/null')
    const bouncerKey = cscli('bouncers', 'add', 'check', '-o', 'raw').trim().split('\n').pop()!.trim()
    const log = writeSshdBruteForceLog(path.join(dir, 'auth-1.log'), {ip: '45.33.1.99'})
    await runCrowdsecAgent({url: lapiUrl, machineId: 'agent1', password: 'agent-password-1', logFile: log, cleanup})
    await lapi.stop()

    // 2. restarted: its watcher's scenarios at login, metrics, the blocklist pulled at start
    lapi = await startLapi()
    const w = await pollUntil(async () => {
      const x = await svc.store.getWatcher('cs-lapi-1')
      return x !== undefined && x.scenarios.includes(SSH) ? x : undefined
    }, 20_000, 'a CAPI login with the scenario list')
    assert.ok(w.scenarios.length > 1, w.scenarios.join(','))
    const decisions = await pollUntil(async () => {
      const r = await httpGet(`${lapiUrl}v1/decisions/stream?startup=true`, {'X-Api-Key': bouncerKey})
      const body = JSON.parse(r.body) as {new: {origin: string; value: string; scenario: string}[] | null}
      const capi = (body.new ?? []).filter((d) => d.origin === 'CAPI')
      return capi.length > 0 ? capi : undefined
    }, 30_000, 'community decisions in the LAPI')
    assert.equal(decisions.map((d) => [d.value, d.scenario]), [[SEEDED, SSH]], 'tailored: the other scenario is not sent')
    const metrics = await svc.store.driver.all<{body: string}>('SELECT body FROM cti_metrics WHERE machine_id = ?', ['cs-lapi-1'])
    assert.is(metrics.length, 1, 'POST /v2/metrics/ kept')

    // 3. its agent's alerts become signals (1.4.6 pushes 15 to 45 s after the start, then every 30 s)
    const log2 = writeSshdBruteForceLog(path.join(dir, 'auth-2.log'), {ip: ATTACKER})
    await runCrowdsecAgent({url: lapiUrl, machineId: 'agent1', password: 'agent-password-1', logFile: log2, cleanup})
    const signals = await pollUntil(async () => {
      const rows = await svc.store.signalsForIp(ATTACKER, 0)
      return rows.length > 0 ? rows : undefined
    }, 120_000, 'signals from the LAPI')
    assert.ok(signals.every((s) => s.machineId === 'cs-lapi-1'))
    assert.ok(signals.some((s) => s.scenario === SSH && s.trust === 'certified'), JSON.stringify(signals))
    assert.is((await svc.job.tick()).leader, true)
    assert.is((await svc.store.fireEntry(ATTACKER))?.scenario, SSH, 'k = 1: promoted')
  } finally {
    await cleanup.run()
  }
})

test.run()
