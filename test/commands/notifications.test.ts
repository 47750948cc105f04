/**
 * `crowd notifications list|inspect|test` and `crowd scan --notify` through the built CLI, in a crowd
 * home holding CrowdSec's shipped notification files (test/fixtures/notifications/crowdsec) and a
 * profiles.yaml that routes to some of them: --json goldens, secrets masked, the dry run's text
 * byte for byte, alert files of both shapes, and the errors (file and line, exit codes).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {assertGolden} from '../helpers/golden.js'
import {ROOT} from '../helpers/run-cli.js'
import {makeHome, pretty, type Home} from './lapi/helpers.js'

const SHIPPED = path.join(ROOT, 'test', 'fixtures', 'notifications', 'crowdsec')
const AUTH_LOG = path.join(ROOT, 'test', 'fixtures', 'samples', 'auth.log')

const PROFILES = `name: ban_ip
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
notifications:
 - slack_default
 - http_ops
 - teams_default
on_success: break
`

const HTTP_OPS = `type: http
name: http_ops
log_level: debug
group_wait: 30s
group_threshold: 2
max_retry: 3
timeout: 10s
format: |
  {{range .}}{{.Source.Value}} {{.Scenario}}
  {{end}}
url: \${OPS_URL}
method: POST
headers:
  Content-Type: text/plain
  Authorization: Bearer \${OPS_TOKEN}
api_key: plain-secret
password: ""
skip_tls_verification: false
`

function home(name: string): Home {
  const h = makeHome(`notifications-${name}`, '[lapi]\nprofiles = "profiles.yaml"\n')
  fs.writeFileSync(path.join(h.dir, 'profiles.yaml'), PROFILES)
  const dir = path.join(h.dir, 'notifications')
  fs.mkdirSync(dir)
  for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f))
  fs.writeFileSync(path.join(dir, 'ops.yml'), HTTP_OPS)
  Object.assign(h.env, {OPS_URL: 'https://ops.example.com/hooks/crowd?key=abcdef', OPS_TOKEN: 'tok-123'})
  return h
}

const scrub = (h: Home, value: unknown): string => pretty(value).split(h.dir).join('$HOME')

test('notifications list --json (golden): every shipped file, settings, profiles routing to each, names without configuration', async () => {
  const h = home('list')
  const r = await h.json(['notifications', 'list'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('notifications-list.json', scrub(h, r.body))
  assert.equal(r.body.missing, [{profile: 'ban_ip', notification: 'teams_default'}])
  const text = await h.run(['notifications', 'list'])
  assert.is(text.status, 0)
  assert.match(text.stdout, /http_ops\s+http\s+30s\s+2\s+3\s+10s\s+no\s+ban_ip\s+\S+ops\.yml:1/)
  assert.match(text.stdout, "profile 'ban_ip' routes to 'teams_default', which has no configuration")
})

test('notifications inspect --json (golden): options expanded from the environment, secrets masked, URLs cut to scheme and host', async () => {
  const h = home('inspect')
  const r = await h.json(['notifications', 'inspect', 'http_ops'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('notifications-inspect.json', scrub(h, r.body))
  assert.equal(r.body.options, {
    url: 'https://ops.example.com/***', method: 'POST', headers: {'Content-Type': 'text/plain', Authorization: '***'}, api_key: '***', password: '',
    skip_tls_verification: false,
  })
  assert.not.match(JSON.stringify(r.body), /tok-123|abcdef|plain-secret/)
  const text = await h.run(['notifications', 'inspect', 'slack_default'])
  assert.is(text.status, 0, text.stderr)
  assert.match(text.stdout, "plugin           none serves type 'slack'")
  assert.match(text.stdout, 'profiles         ban_ip')
  const missing = await h.json(['notifications', 'inspect', 'nope'])
  assert.is(missing.status, 5)
  assert.is(missing.body.error.errors[0].code, 'not-found')
})

test('notifications test --dry-run: the sample alert rendered byte for byte (--json golden, plain text exact)', async () => {
  const h = home('dry')
  const r = await h.json(['notifications', 'test', 'slack_default', '--dry-run'])
  assert.is(r.status, 0, r.stderr)
  assertGolden('notifications-test-dry-run.json', scrub(h, r.body))
  const plain = await h.run(['notifications', 'test', 'slack_default', '--dry-run'])
  assert.is(plain.status, 0)
  assert.is(plain.stdout, r.body.chunks[0].text, 'stdout is the message, nothing else')
  assert.is(plain.stdout, ":flag-FR: <https://www.whois.com/whois/203.0.113.42|203.0.113.42> will get ban for next 4h for triggering crowdsecurity/ssh-bf on machine 'crowd-notifications-test'. <https://app.crowdsec.net/cti/203.0.113.42|CrowdSec CTI>\n\n")
  const json = await h.json(['notifications', 'test', 'http_default', '--dry-run'])
  const sent = JSON.parse(json.body.chunks[0].text)
  assert.is(sent[0].decisions[0].duration, '4h')
  assert.is(sent[0].uuid, '9d2e5f0a-3c41-4b8e-9f6d-2a7c1e0b5d34')
})

test('notifications test --alerts: an alerts list or a scan --json document, cut by group_threshold', async () => {
  const h = home('alerts')
  const scanned = await h.run(['scan', `${AUTH_LOG}:syslog`, '--json'])
  assert.is(scanned.status, 1, scanned.stderr)
  const scanFile = path.join(h.dir, 'scan.json')
  fs.writeFileSync(scanFile, scanned.stdout)
  const alerts = JSON.parse(scanned.stdout).alerts as {source: {value: string}; scenario: string}[]
  assert.ok(alerts.length >= 3)
  const fromScan = await h.json(['notifications', 'test', 'http_ops', '--alerts', scanFile, '--dry-run'])
  assert.is(fromScan.status, 0, fromScan.stderr)
  assert.equal(fromScan.body.chunks.map((c: {alerts: number}) => c.alerts), [...Array(Math.floor(alerts.length / 2)).fill(2), ...(alerts.length % 2 ? [1] : [])])
  assert.is(fromScan.body.chunks[0].text, `${alerts[0]!.source.value} ${alerts[0]!.scenario}\n${alerts[1]!.source.value} ${alerts[1]!.scenario}\n\n`, 'the block scalar keeps its last newline')
  // the LAPI's list shape (ids, countdowns, events null), as crowd alerts list --json prints it
  const listFile = path.join(h.dir, 'list.json')
  fs.writeFileSync(listFile, fs.readFileSync(path.join(ROOT, 'test', 'golden', 'lapi-alerts-list.json')))
  const fromList = await h.json(['notifications', 'test', 'slack_default', '--alerts', listFile, '--dry-run'])
  assert.is(fromList.status, 0, fromList.stderr)
  assert.match(fromList.body.chunks[0].text, /will get ban for next <duration>/)
  const plain = await h.run(['notifications', 'test', 'http_ops', '--alerts', scanFile, '--dry-run'])
  assert.is(plain.stdout, fromScan.body.chunks.map((c: {text: string}) => c.text).join(''), 'the messages one after the other')
  assert.match(plain.stderr, `--- message 1 of ${fromScan.body.chunks.length} (2 alerts) ---`)
  fs.writeFileSync(path.join(h.dir, 'bad.json'), '{"not": "alerts"}')
  const bad = await h.json(['notifications', 'test', 'http_ops', '--alerts', path.join(h.dir, 'bad.json')])
  assert.is(bad.status, 3)
  assert.match(bad.body.error.errors[0].message, 'neither a list of alerts')
})

test('notifications test without --dry-run: no installed plugin serves the type, a configuration error at its type line (exit 2)', async () => {
  const h = home('send')
  const r = await h.json(['notifications', 'test', 'file_default'])
  assert.is(r.status, 2)
  assert.equal(r.body.error.errors[0], {code: 'config', message: "notification 'file_default': no installed notification plugin serves type 'file'", file: path.join(h.dir, 'notifications', 'file.yaml'), line: 2})
})

test('a broken configuration fails every command with its file and line', async () => {
  const h = home('broken')
  fs.writeFileSync(path.join(h.dir, 'notifications', 'zz.yaml'), 'type: http\nname: broken\ngroup_wait: 30x\n')
  for (const args of [['notifications', 'list'], ['notifications', 'inspect', 'slack_default'], ['notifications', 'test', 'slack_default', '--dry-run']]) {
    const r = await h.json(args)
    assert.is(r.status, 2, args.join(' '))
    assert.equal(r.body.error.errors[0], {code: 'config', message: "notification 'broken': group_wait: time: unknown unit \"x\" in duration \"30x\"", file: path.join(h.dir, 'notifications', 'zz.yaml'), line: 3})
  }
})

test('scan --notify: a name without configuration or plugin stops the scan before it runs (exit 2)', async () => {
  const h = home('scan')
  const unknown = await h.json(['scan', `${AUTH_LOG}:syslog`, '--notify', 'nope'])
  assert.is(unknown.status, 2)
  assert.match(unknown.body.error.errors[0].message, "no notification is named 'nope'")
  const noPlugin = await h.json(['scan', `${AUTH_LOG}:syslog`, '--notify', 'http_ops'])
  assert.is(noPlugin.status, 2)
  assert.is(noPlugin.body.error.errors[0].message, "notification 'http_ops': no installed notification plugin serves type 'http'")
  const badWait = await h.json(['scan', `${AUTH_LOG}:syslog`, '--notify', 'http_ops', '--notify-wait', 'soon'])
  assert.is(badWait.status, 2)
})

test.run()
