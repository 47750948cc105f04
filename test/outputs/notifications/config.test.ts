/**
 * Notification configurations (notifications-and-cti.md §2): CrowdSec's shipped files load as they
 * are; every bad file (test/fixtures/notifications/invalid, the error on its first line) fails with
 * its message, file and line; directories, duplicates, profiles naming unknown notifications, types no
 * plugin serves, and the environment expansion of plugin options.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError, CrowdErrorList} from '../../../src/model/errors.js'
import {checkProfileNotifications, expandEnv, loadNotifications, parseNotifications, resolveNotifications} from '../../../src/outputs/notifications/config.js'
import {DelivererRegistry} from '../../../src/outputs/notifications/deliverers.js'
import {alertsTemplateData} from '../../../src/template/index.js'
import {ROOT} from '../../helpers/run-cli.js'
import {ipAlert} from './helpers.js'

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'notifications')
const SHIPPED = path.join(FIXTURES, 'crowdsec')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-notifications-config-'))
test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

function messages(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    if (error instanceof CrowdErrorList) return error.errors.map((e) => e.message)
    if (error instanceof CrowdError) return [error.message]
    throw error
  }
  assert.unreachable('should fail')
  return []
}

function dir(name: string, files: Record<string, string>): string {
  const d = path.join(tmp, name)
  fs.mkdirSync(d, {recursive: true})
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(d, file), text)
  return d
}

test("CrowdSec's shipped configurations load as they are (second, commented-out documents skipped)", () => {
  const loaded = loadNotifications([SHIPPED], {env: {}})
  assert.equal(loaded.map((n) => [n.name, n.config.type, n.groupWaitMs, n.groupThreshold, n.maxRetry, n.timeoutMs]), [
    ['dummy_default', 'dummy', 0, 0, 0, 5000],
    ['email_default', 'email', 0, 0, 0, 20000],
    ['file_default', 'file', 0, 0, 0, 5000],
    ['http_default', 'http', 0, 0, 0, 5000],
    ['sentinel_default', 'sentinel', 0, 0, 0, 5000],
    ['slack_default', 'slack', 0, 0, 0, 5000],
    ['splunk_default', 'splunk', 0, 0, 0, 5000],
  ])
  const by = Object.fromEntries(loaded.map((n) => [n.name, n]))
  assert.equal(by.slack_default!.config.options, {webhook: '<WEBHOOK_URL>'})
  assert.equal(by.http_default!.config.options, {url: '<HTTP_url>', method: 'POST'})
  assert.equal(by.email_default!.config.options, {
    smtp_host: null, smtp_username: null, smtp_password: null, smtp_port: null, auth_type: null, sender_name: 'CrowdSec', sender_email: null,
    email_subject: 'CrowdSec Notification', receiver_emails: null, encryption_type: 'ssltls',
  })
  assert.equal(by.file_default!.config.options, {log_path: '/tmp/crowdsec_alerts.json', rotate: {enabled: true, max_size: 500, max_files: 5, max_age: 5, compress: true}})
  assert.equal(by.sentinel_default!.config.options, {customer_id: 'XXX-XXX', shared_key: 'XXXXXXX', log_type: 'crowdsec'})
  assert.equal(by.splunk_default!.config.options, {url: '<SPLUNK_HTTP_URL>', token: '<SPLUNK_TOKEN>'})
  assert.equal(by.slack_default!.config.log_level, 'info')
  assert.equal(by.email_default!.config.timeout, '20s')
  assert.equal({file: path.basename(by.file_default!.config.file), line: by.file_default!.config.line, type: by.file_default!.config.keyLines.type}, {file: 'file.yaml', line: 2, type: 2})
  // the formats render: slack's flag line, file's NDJSON line
  const alert = ipAlert(7)
  alert.Source.Cn = 'FR'
  const slack = by.slack_default!.template.render(alertsTemplateData([alert]))
  assert.is(slack, ":flag-FR: <https://www.whois.com/whois/192.0.2.7|192.0.2.7> will get ban for next 4h for triggering crowdsecurity/ssh-bf on machine 'agent-1'. <https://app.crowdsec.net/cti/192.0.2.7|CrowdSec CTI>\n\n")
  const line = by.file_default!.template.render(alertsTemplateData([alert]))
  assert.match(line, /^\{ "time": "2026-07-24T10:00:00Z", "program": "crowdsec", "alert": \{"capacity":5,/, 'the range trims the space before the brace')
  assert.ok(line.endsWith('} }\n'))
  assert.equal(JSON.parse(by.http_default!.template.render(alertsTemplateData([alert]))), [JSON.parse(JSON.stringify(alert))])
})

test('every invalid fixture fails with its message, file and line', () => {
  const files = fs.readdirSync(path.join(FIXTURES, 'invalid')).sort()
  assert.ok(files.length >= 10)
  for (const name of files) {
    const file = path.join(FIXTURES, 'invalid', name)
    const text = fs.readFileSync(file, 'utf8')
    const want = /^# wantErr: (.*)$/m.exec(text)![1]!.replace('<file>', file)
    assert.equal(messages(() => parseNotifications(text, file, {env: {}})), [want], name)
  }
})

test('all the errors of all the files come at once; an empty or comment-only file and a missing directory are fine', () => {
  const d = dir('many', {
    'a.yaml': 'type: http\nname: a\ngroup_wait: soon\n---\ntype: http\nname: b\nmax_retry: many\n',
    'b.yml': 'name: c\n',
    'c.yaml': '',
    'd.yaml': '# nothing here\n---\n---\n',
    'e.txt': 'not: [a notification',
  })
  assert.equal(messages(() => loadNotifications([d, path.join(tmp, 'absent')], {env: {}})), [
    `notification 'a': group_wait: time: invalid duration "soon" (${d}/a.yaml:3)`,
    `notification 'b': max_retry must be a whole number, 0 or more, not "many" (${d}/a.yaml:7)`,
    `notification 'c': missing required field 'type' (${d}/b.yml:1)`,
  ])
})

test('a name defined twice (two files, or one) is an error naming both places', () => {
  const one = dir('dup1', {'slack.yaml': 'type: slack\nname: alerts\nwebhook: https://a\n'})
  const two = dir('dup2', {'other.yaml': '# mine\ntype: http\nname: alerts\nurl: https://b\n---\ntype: http\nname: x\n---\ntype: http\nname: x\n'})
  assert.equal(messages(() => loadNotifications([one, two], {env: {}})), [
    `notification 'alerts' is defined twice: here and at ${one}/slack.yaml:1 (${two}/other.yaml:2)`,
    `notification 'x' is defined twice: here and at ${two}/other.yaml:6 (${two}/other.yaml:9)`,
  ])
})

test('group_wait, timeout and counts: Go durations, numbers as nanoseconds, timeout 5 s by default', () => {
  const [a, b] = parseNotifications('type: http\nname: a\ngroup_wait: 1m30s\ngroup_threshold: 10\nmax_retry: 2\ntimeout: 1.5s\n---\ntype: http\nname: b\ngroup_wait: 2000000000\ntimeout: 0s\n', '/x.yaml', {env: {}})
  assert.equal([a!.groupWaitMs, a!.groupThreshold, a!.maxRetry, a!.timeoutMs, a!.config.group_wait], [90_000, 10, 2, 1500, '1m30s'])
  assert.equal([b!.groupWaitMs, b!.timeoutMs, b!.config.group_wait], [2000, 5000, '2000000000ns'])
})

test('plugin options: ${VAR} and $VAR from variables that exist, others left as written; format never expanded', () => {
  const env = {SLACK_HOOK: 'https://hooks.slack.com/services/T1/B2/abc', USER_NAME: 'crowd'}
  const [n] = parseNotifications(`type: slack
name: s
webhook: \${SLACK_HOOK}
username: $USER_NAME-bot
channel: "$UNDEFINED and \${ALSO_UNDEFINED} and $ alone"
headers:
  Authorization: Bearer \${SLACK_HOOK}
list: [$USER_NAME, 3]
format: "{{range $i, $a := .}}{{$a.Source.Value}}{{end}}"
`, '/s.yaml', {env})
  assert.equal(n!.config.options, {
    webhook: 'https://hooks.slack.com/services/T1/B2/abc',
    username: 'crowd-bot',
    channel: '$UNDEFINED and ${ALSO_UNDEFINED} and $ alone',
    headers: {Authorization: 'Bearer https://hooks.slack.com/services/T1/B2/abc'},
    list: ['crowd', 3],
  })
  assert.is(n!.config.format, '{{range $i, $a := .}}{{$a.Source.Value}}{{end}}')
  assert.is(expandEnv('$A$B${A}x', {A: '1', B: ''}), '11x')
})

test('a profile naming a notification without configuration is an error at start, with the profile file and line', () => {
  const loaded = parseNotifications('type: slack\nname: slack_default\n', '/n/slack.yaml', {env: {}})
  checkProfileNotifications([{name: 'p1', notifications: ['slack_default'], file: '/p.yaml', line: 1}], loaded, ['/n'])
  assert.equal(messages(() => checkProfileNotifications([
    {name: 'p1', notifications: ['slack_default', 'email_default', 'email_default'], file: '/etc/crowd/profiles.yaml', line: 1},
    {name: 'p2', notifications: ['http_default'], file: '/etc/crowd/profiles.yaml', line: 9},
  ], loaded, ['/etc/crowd/notifications', '/var/lib/crowd/notifications'])), [
    "profile 'p1' notifies 'email_default', which has no configuration (none in /etc/crowd/notifications, /var/lib/crowd/notifications) (/etc/crowd/profiles.yaml:1)",
    "profile 'p2' notifies 'http_default', which has no configuration (none in /etc/crowd/notifications, /var/lib/crowd/notifications) (/etc/crowd/profiles.yaml:9)",
  ])
})

test('a type no installed plugin serves is a config error at its type line; unused configurations are not checked', () => {
  const loaded = parseNotifications('# slack\n\ntype: slack\nname: s\n---\ntype: carrier-pigeon\nname: p\n---\ntype: http\nname: h\n', '/n/all.yaml', {env: {}})
  const registry = new DelivererRegistry([['http', async () => {}]])
  assert.equal(resolveNotifications(loaded, ['h'], registry).map((n) => n.name), ['h'])
  assert.equal(messages(() => resolveNotifications(loaded, ['s', 'h', 'p'], registry)), [
    "notification 's': no installed notification plugin serves type 'slack' (installed: http) (/n/all.yaml:3)",
    "notification 'p': no installed notification plugin serves type 'carrier-pigeon' (installed: http) (/n/all.yaml:6)",
  ])
  assert.equal(messages(() => resolveNotifications(loaded, ['nope'], registry)), ["no notification is named 'nope'; known: s, p, h"])
  // a resolver may check the configuration it serves: its errors join the others
  const checking = {
    types: () => ['http', 'slack'],
    deliverer: (type: string, config?: {file: string; name: string; keyLines: Record<string, number>}) => {
      if (type === 'slack') throw new CrowdError('config', `notification '${config!.name}': 'webhook' is required`, {file: config!.file, line: config!.keyLines.type})
      return type === 'http' ? async () => {} : undefined
    },
  }
  assert.equal(messages(() => resolveNotifications(loaded, ['s', 'h', 'p'], checking)), [
    "notification 's': 'webhook' is required (/n/all.yaml:3)",
    "notification 'p': no installed notification plugin serves type 'carrier-pigeon' (installed: http, slack) (/n/all.yaml:6)",
  ])
  assert.equal(messages(() => resolveNotifications([], ['nope'], registry)), ["no notification is named 'nope' (no notification configuration found)"])
})

test.run()
