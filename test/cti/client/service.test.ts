/**
 * crowd's LAPI against crowd's own central service (src/cti/service, in process with a published
 * test hub): the client registers, logs in with its watchers' scenarios, pushes the signal of an
 * alert from an unmodified hub scenario, the consensus promotes it (k = 1 here: one LAPI, from one
 * network), and the next pull stores it as a CAPI decision a bouncer of the LAPI gets.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG} from '../../../src/config/config.js'
import {CtiAgent} from '../../../src/cti/client/agent.js'
import {registerWatcher} from '../../../src/cti/client/capi.js'
import {generateMachineId} from '../../../src/cti/client/credentials.js'
import {LapiProfiles} from '../../../src/lapi/profiles.js'
import {LapiServer} from '../../../src/lapi/server.js'
import {silentLogger} from '../../../src/model/logger.js'
import {openStore} from '../../../src/store/open.js'
import {agentAlert, apiKey, bouncerKey, machineToken, postAlerts, request, SECRET, type TestLapi} from '../../lapi/harness.js'
import {sha, SSH_V2, startTestService} from '../service/helpers.js'

const ATTACKER = '45.33.1.7'

test('push to and pull from crowd cti serve: a certified signal becomes a community decision of the LAPI', async () => {
  const svc = await startTestService({params: {k: 1}})
  const store = await openStore({engine: 'sqlite', target: path.join(svc.dir, 'lapi.db')})
  const clock = {now: svc.now.t}
  const login = generateMachineId()
  const password = 'lapi-password-0123456789'
  let agent: CtiAgent | undefined
  let server: LapiServer | undefined
  try {
    assert.is(await registerWatcher(svc.url, login, password), 'v3')
    const config = {...DEFAULT_CONFIG.ctiAgent, credentials: '', pushIntervalMs: 50}
    agent = new CtiAgent({store, config, credentials: {url: svc.url, login, password}, logger: silentLogger, clock: () => clock.now, timeoutMs: 5000})
    server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config: {...DEFAULT_CONFIG.lapi, flush: {}}, logger: silentLogger, jwtSecret: SECRET,
      clock: () => clock.now, onAlertsStored: agent.onAlertsStored})
    const url = (await server.listen('127.0.0.1:0')).url!
    const t: TestLapi = {url, port: Number(new URL(url).port), server, store, clock, logs: [], close: async () => {}}
    const token = await machineToken(t, 'agent1')
    await store.updateMachine('agent1', {scenarios: 'crowdsecurity/ssh-bf'}, clock.now)
    const key = await bouncerKey(t)

    await postAlerts(t, token, [agentAlert(ATTACKER, svc.now.t - 1000, {scenario_hash: sha(SSH_V2), scenario_version: '0.2'})])
    const pushed = await agent.pushNow()
    assert.equal({sent: pushed.sent, batches: pushed.batches}, {sent: 1, batches: 1})
    svc.now.t += 1000
    const pass = await svc.job.tick()
    assert.is(pass.promoted, 1, JSON.stringify(pass))

    clock.now = svc.now.t
    const pulled = await agent.pullNow()
    assert.is(pulled.added, 1, JSON.stringify(pulled))
    const decisions = await store.activeDecisions({origins: ['CAPI']}, clock.now)
    assert.equal(decisions.map((d) => `${d.scope} ${d.value} ${d.scenario}`), [`Ip ${ATTACKER} crowdsecurity/ssh-bf`])
    const stream = await request(t, 'GET', '/v1/decisions/stream?startup=true', {headers: apiKey(key)})
    assert.ok(stream.json<{new: {origin: string; value: string}[]}>().new.some((d) => d.origin === 'CAPI' && d.value === ATTACKER), stream.text)
    await agent.pushMetricsNow()
  } finally {
    await agent?.close()
    await server?.close()
    await store.close()
    await svc.close()
    fs.rmSync(svc.dir, {recursive: true, force: true})
  }
})

test.run()
