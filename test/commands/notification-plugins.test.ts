/**
 * Notifications end to end through the built CLI: crowd's notification packages installed from
 * the embedded hub (permissions granted with --yes), CrowdSec-format configurations pointing at
 * local receivers that answer as Slack, Splunk HEC and Elasticsearch do, and alerts from
 * `crowd scan --notify` and `crowd watch --once`. What arrives is checked byte for byte against
 * what `crowd notifications test --dry-run` renders for the same alerts; a receiver that hangs
 * never holds up detection, and what it missed is delivered by the next run.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {elasticsearchReceiver, httpReceiver, slackReceiver, splunkReceiver, type Receiver} from '../helpers/receivers.js'
import {ROOT} from '../helpers/run-cli.js'
import {makeHome, type Home} from './lapi/helpers.js'

const AUTH_LOG = path.join(ROOT, 'test', 'fixtures', 'samples', 'auth.log')
const SHIPPED = path.join(ROOT, 'test', 'fixtures', 'notifications', 'crowdsec')
const PACKAGES = ['slack', 'splunk', 'elasticsearch', 'http', 'file'].map((n) => `crowd/notification-${n}`)
const TOKEN = '00000000-1111-2222-3333-444444444444'

const receivers: Receiver[] = []
test.after(async () => {
  for (const r of receivers) await r.close()
})

/** CrowdSec's shipped slack.yaml with its webhook set (the rest as shipped). */
function slackConfig(url: string, extra = ''): string {
  const shipped = fs.readFileSync(path.join(SHIPPED, 'slack.yaml'), 'utf8').split('\n---')[0]!
  return shipped.replace('webhook: <WEBHOOK_URL>', `webhook: ${url}/services/T0000/B0000/XXXXXXXX`) + extra
}

interface Setup {
  h: Home
  slack: Receiver
  splunk: Receiver
  es: Awaited<ReturnType<typeof elasticsearchReceiver>>
  http: Receiver
  file: string
}

async function setUp(name: string, slackExtra = ''): Promise<Setup> {
  const [slack, splunk, es, http] = await Promise.all([slackReceiver(), splunkReceiver(TOKEN), elasticsearchReceiver(), httpReceiver()])
  receivers.push(slack, splunk, es, http)
  const h = makeHome(`notify-${name}`, '[lapi]\nprofiles = "profiles.yaml"\n')
  const install = await h.run(['hub', 'install', ...PACKAGES, '--yes'])
  assert.is(install.status, 0, install.stderr)
  const file = path.join(h.dir, 'alerts.ndjson')
  const dir = path.join(h.dir, 'notifications')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'slack.yaml'), slackConfig(slack.url, slackExtra))
  fs.writeFileSync(path.join(dir, 'others.yaml'), [
    `type: splunk\nname: splunk_default\nformat: |\n  {{.|toJson}}\nurl: ${splunk.url}/services/collector\ntoken: \${SPLUNK_TOKEN}\n`,
    `type: elasticsearch\nname: es_alerts\ngroup_threshold: 10\ngroup_wait: 1s\nformat: |\n  {{range .}}{{.|toJson}}\n  {{end}}\nurl: ${es.url}\nindex: crowd-alerts-%Y\nusername: elastic\npassword: changeme\n`,
    `type: http\nname: http_ops\nformat: |\n  {{.|toJson}}\nurl: ${http.url}/hooks/crowd\nmethod: POST\nheaders:\n  Content-Type: application/json\n  X-Token: abc\n`,
    `type: file\nname: file_default\nformat: |\n  {{range . -}}\n   { "time": "{{.StopAt}}", "program": "crowdsec", "alert": {{. | toJson }} }\n  {{ end -}}\nlog_path: ${JSON.stringify(file)}\n`,
  ].join('---\n'))
  fs.writeFileSync(path.join(h.dir, 'profiles.yaml'), 'name: ban_ip\nfilters:\n - Alert.Remediation == true && Alert.GetScope() == "Ip"\ndecisions:\n - type: ban\n   duration: 4h\nnotifications:\n - slack_default\n - splunk_default\n - es_alerts\n - http_ops\n - file_default\non_success: break\n')
  h.env.SPLUNK_TOKEN = TOKEN
  return {h, slack, splunk, es, http, file}
}

const NAMES = ['slack_default', 'splunk_default', 'es_alerts', 'http_ops', 'file_default']

test('scan --notify: five plugins deliver through the sandbox; each message is what `notifications test --dry-run` renders, byte for byte', async () => {
  const s = await setUp('scan')
  const scan = await s.h.json(['scan', `${AUTH_LOG}:syslog`, ...NAMES.flatMap((n) => ['--notify', n])])
  assert.is(scan.status, 1, scan.stderr)
  assert.ok(scan.body.alerts.length >= 2, `${scan.body.alerts.length} alerts`)
  assert.equal(scan.body.warnings.filter((w: string) => /notif/i.test(w)), [])
  const scanFile = path.join(s.h.dir, 'scan.json')
  fs.writeFileSync(scanFile, JSON.stringify(scan.body))
  const rendered = async (name: string): Promise<string[]> => {
    const r = await s.h.json(['notifications', 'test', name, '--alerts', scanFile, '--dry-run'])
    assert.is(r.status, 0, r.stderr)
    return r.body.chunks.map((c: {text: string}) => c.text)
  }
  const slackTexts = await rendered('slack_default')
  assert.is(slackTexts.length, scan.body.alerts.length, 'one message per alert (no group_threshold)')
  const sorted = (list: string[]): string[] => [...list].sort()
  assert.equal(sorted(s.slack.requests.map((r) => r.body)), sorted(slackTexts.map((text) => JSON.stringify({text}))))
  assert.equal(sorted(s.splunk.requests.map((r) => r.body)), sorted((await rendered('splunk_default')).map((text) => JSON.stringify({event: text}))))
  assert.ok(s.splunk.requests.every((r) => r.headers.authorization === `Splunk ${TOKEN}`))
  assert.equal(sorted(s.http.requests.map((r) => r.body)), sorted(await rendered('http_ops')))
  assert.ok(s.http.requests.every((r) => r.headers['x-token'] === 'abc' && r.headers['content-type'] === 'application/json'))
  // messages of one notification are delivered a few at a time: the file holds every one, in any order
  const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort()
  assert.equal(lines(fs.readFileSync(s.file, 'utf8')), lines((await rendered('file_default')).join('')))
  // Elasticsearch: one _bulk for the whole group (group_threshold 10), each alert a document under its uuid
  const year = new Date().getUTCFullYear()
  const indexed = s.es.documents.get(`crowd-alerts-${year}`)
  assert.ok(indexed !== undefined, [...s.es.documents.keys()].join(','))
  assert.is(indexed!.size, scan.body.alerts.length)
  for (const [id, doc] of indexed!) assert.is((doc as {uuid: string}).uuid, id, 'indexed under its alert uuid (a retried chunk indexes nothing twice)')
})

test('watch --once: profiles route stored alerts to the plugins; a Slack that hangs does not hold up detection, and the next run delivers what it missed', async () => {
  // no max_retry: attempts go on (with back-off) for 5 minutes, kept in the store across runs
  const s = await setUp('watch', 'timeout: 1s\n')
  const log = path.join(s.h.dir, 'auth.log')
  fs.copyFileSync(AUTH_LOG, log)
  for (let i = 0; i < 50; i++) s.slack.answers.push('hang')
  const started = Date.now()
  const first = await s.h.json(['watch', '--once', `${log}:syslog`])
  const took = Date.now() - started
  assert.is(first.status, 1, first.stderr)
  assert.ok(first.body.summary.alerts >= 2)
  assert.ok(took < 30_000, `the run took ${took} ms`)
  // the other notifications were delivered meanwhile (at the latest in the shutdown flush, one message for what was pending)
  const splunked = s.splunk.requests.flatMap((r) => JSON.parse((JSON.parse(r.body) as {event: string}).event) as unknown[])
  assert.is(splunked.length, first.body.summary.alerts, first.stderr)
  assert.ok(s.slack.requests.length >= 1, 'Slack was tried')
  // Slack answers again: a run with nothing new to read delivers what the first run could not
  s.slack.answers.length = 0
  const before = s.slack.requests.length
  const second = await s.h.json(['watch', '--once', `${log}:syslog`])
  assert.is(second.status, 0, second.stderr)
  assert.is(second.body.summary.lines, 0)
  const delivered = s.slack.requests.slice(before).map((r) => (JSON.parse(r.body) as {text: string}).text).join('')
  assert.is(delivered.split('will get ban for next 4h').length - 1, first.body.summary.alerts, `the second run's Slack messages: ${delivered}`)
})

test('a plugin installed without its grant recorded, or changed after install, does not run: the config that needs it is refused with its file and line', async () => {
  const h = makeHome('notify-refused', '')
  const refused = await h.run(['hub', 'install', 'crowd/notification-slack'])
  assert.is(refused.status, 2, 'off a terminal, permissions need --yes')
  assert.match(refused.stderr, 'webhook', refused.stderr)
  assert.is((await h.run(['hub', 'install', 'crowd/notification-slack', '--yes'])).status, 0)
  const dir = path.join(h.dir, 'notifications')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'slack.yaml'), slackConfig('http://127.0.0.1:9'))
  const main = fs.readdirSync(path.join(h.dir), {recursive: true}).map(String).find((p) => p.endsWith(path.join('notification-slack', 'index.js')))
  assert.ok(main !== undefined)
  fs.appendFileSync(path.join(h.dir, main!), '\n// changed\n')
  const r = await h.run(['notifications', 'test', 'slack_default'])
  assert.not.equal(r.status, 0)
  assert.match(r.stderr, 'crowd/notification-slack was changed after it was installed')
  assert.match(r.stderr, 'slack.yaml')
})

test.run()
