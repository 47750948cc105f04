/**
 * crowd's notification plugins (plugins/crowd/notification-*) run in the sandbox (a real pool,
 * the sandbox process built as in production) against local receivers that answer as Slack,
 * Splunk HEC and Elasticsearch document it: what arrives is checked byte for byte, and each
 * service's refusals fail the attempt (so the dispatcher retries) or not, as the plugin says.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import type {SandboxPool} from '../../src/sandbox/index.js'
import {elasticsearchReceiver, httpReceiver, slackReceiver, splunkReceiver, type Receiver} from '../helpers/receivers.js'
import {ROOT} from '../helpers/run-cli.js'
import {recordingPool, register} from '../sandbox/helpers.js'

const code = (name: string): string => fs.readFileSync(path.join(ROOT, 'plugins', 'crowd', `notification-${name}`, 'index.js'), 'utf8')
const NOW = Date.UTC(2026, 11, 6, 10, 30, 0)
const {pool, logs} = recordingPool({clock: () => NOW})
const receivers: Receiver[] = []
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-notify-plugins-'))
test.after(async () => {
  await pool.close()
  for (const r of receivers) await r.close()
  fs.rmSync(tmp, {recursive: true, force: true})
})

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (error) {
    return (error as Error).message
  }
  return assert.unreachable('delivered') as never
}

const hostOf = (url: string): string => url.replace(/^https?:\/\//, 'http://')

function notify(p: SandboxPool, id: string, options: Record<string, unknown>, text: string): Promise<unknown> {
  return p.call(id, 'notify', [options, text])
}

test('slack: {"text"} plus the configured channel, username and icons, to the webhook; 400 and 429 fail the attempt', async () => {
  const slack = await slackReceiver()
  receivers.push(slack)
  const webhook = `${slack.url}/services/T000/B000/XXXX`
  register(pool, 'slack', code('slack'), {network: [hostOf(slack.url)], secrets: ['webhook']}, {webhook})
  const text = ':pirate_flag: 192.0.2.7 will get ban for next 4h for triggering crowdsecurity/ssh-bf "quoted" <b>'
  assert.equal(await notify(pool, 'slack', {channel: '#sec', username: 'crowd', icon_emoji: ':shield:', webhook: 'not read from here'}, text), {status: 200})
  const got = slack.requests[0]!
  assert.is(got.method, 'POST')
  assert.is(got.path, '/services/T000/B000/XXXX')
  assert.is(got.headers['content-type'], 'application/json')
  assert.is(got.body, JSON.stringify({text, channel: '#sec', username: 'crowd', icon_emoji: ':shield:'}))
  slack.answers.push('429')
  assert.match(await failure(notify(pool, 'slack', {}, 'x')), 'slack answered 429 (retry after 1 s): rate_limited')
  assert.match(await failure(notify(pool, 'slack', {}, '')), 'slack answered 400: invalid_payload')
})

test('splunk: {"event": text} with `Authorization: Splunk <token>`; 403 and 503 fail the attempt', async () => {
  const splunk = await splunkReceiver('11111111-2222-3333-4444-555555555555')
  receivers.push(splunk)
  register(pool, 'splunk', code('splunk'), {network: [hostOf(splunk.url)], secrets: ['token']}, {token: '11111111-2222-3333-4444-555555555555'})
  const text = '[{"scenario":"crowdsecurity/ssh-bf"}]'
  assert.equal(await notify(pool, 'splunk', {url: `${splunk.url}/services/collector`}, text), {status: 200})
  const got = splunk.requests[0]!
  assert.is(got.headers.authorization, 'Splunk 11111111-2222-3333-4444-555555555555')
  assert.is(got.body, JSON.stringify({event: text}))
  splunk.answers.push('503')
  assert.match(await failure(notify(pool, 'splunk', {url: `${splunk.url}/services/collector`}, text)), 'splunk answered 503: {"text":"Server is busy","code":9}')
  register(pool, 'splunk-bad', code('splunk'), {network: [hostOf(splunk.url)], secrets: ['token']}, {token: 'wrong'})
  assert.match(await failure(notify(pool, 'splunk-bad', {url: `${splunk.url}/services/collector`}, text)), 'splunk answered 403: {"text":"Invalid token","code":4}')
})

test('elasticsearch: one index action per rendered line, _id = the alert uuid, dated index, basic or API-key auth; item errors: 429 retried, mapping errors logged', async () => {
  const es = await elasticsearchReceiver()
  receivers.push(es)
  register(pool, 'es', code('elasticsearch'), {network: [hostOf(es.url)], secrets: ['password', 'api_key']}, {password: 'pässword'})
  const docs = ['{"uuid":"a-1","scenario":"s1"}', '{"uuid":"a-2","scenario":"s2"}', '{"scenario":"no uuid"}']
  const text = docs.join('\n') + '\n'
  assert.equal(await notify(pool, 'es', {url: `${es.url}/`, username: 'elastic', index: 'crowd-%Y.%m.%d'}, text), {indexed: 3})
  const got = es.requests[0]!
  assert.is(got.path, '/_bulk')
  assert.is(got.headers['content-type'], 'application/x-ndjson')
  assert.is(got.headers.authorization, `Basic ${Buffer.from('elastic:pässword').toString('base64')}`)
  assert.is(got.body, [
    '{"index":{"_index":"crowd-2026.12.06","_id":"a-1"}}', docs[0], '{"index":{"_index":"crowd-2026.12.06","_id":"a-2"}}', docs[1], '{"index":{"_index":"crowd-2026.12.06"}}', docs[2], '',
  ].join('\n'))
  // a retried chunk indexes the same documents again, not new ones
  es.answers.push('item-429')
  assert.match(await failure(notify(pool, 'es', {url: es.url, username: 'elastic', index: 'crowd-%Y.%m.%d'}, text)), 'elasticsearch refused 1 of 3 document(s) for now (429 es_rejected_execution_exception')
  assert.equal(await notify(pool, 'es', {url: es.url, username: 'elastic', index: 'crowd-%Y.%m.%d'}, docs.slice(0, 2).join('\n')), {indexed: 2})
  assert.equal([...es.documents.get('crowd-2026.12.06')!.keys()].filter((k) => k.startsWith('a-')).sort(), ['a-1', 'a-2'])
  es.answers.push('item-400')
  assert.equal(await notify(pool, 'es', {url: es.url, username: 'elastic'}, docs[0]!), {indexed: 0})
  assert.ok(logs.some((l) => l.includes('elasticsearch refused 1 of 1 document(s): 400 mapper_parsing_exception')), logs.join('\n'))
  es.answers.push('429')
  assert.match(await failure(notify(pool, 'es', {url: es.url}, docs[0]!)), 'elasticsearch answered 429')
  register(pool, 'es-key', code('elasticsearch'), {network: [hostOf(es.url)], secrets: ['password', 'api_key']}, {api_key: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=='})
  await notify(pool, 'es-key', {url: es.url, index: 'k'}, docs[0]!)
  assert.is(es.requests.at(-1)!.headers.authorization, 'ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==')
  assert.match(await failure(notify(pool, 'es', {url: es.url}, 'not json\n')), 'line 1 of the rendered text is not a JSON document')
})

test('http: the configured method, headers and the text as body, nothing added; a non-2xx answer is logged and counts as delivered', async () => {
  const target = await httpReceiver()
  receivers.push(target)
  register(pool, 'http', code('http'), {network: [hostOf(target.url)]})
  const text = '{"alerts":1}'
  assert.equal(await notify(pool, 'http', {url: `${target.url}/services/x`, method: 'put', headers: {'X-Api-Key': 'k', 'Content-Type': 'application/json'}}, text), {status: 200})
  const got = target.requests[0]!
  assert.is(got.method, 'PUT')
  assert.is(got.headers['x-api-key'], 'k')
  assert.is(got.headers['content-type'], 'application/json')
  assert.is(got.body, text)
  await notify(pool, 'http', {url: `${target.url}/services/y`, method: 'POST'}, 'plain')
  assert.is(target.requests[1]!.headers['content-type'], undefined, 'no Content-Type unless configured')
  assert.equal(await notify(pool, 'http', {url: `${target.url}/missing`, method: 'POST'}, 'x'), {status: 404})
  assert.ok(logs.some((l) => l.includes('POST') && l.includes('/missing answered 404')), logs.join('\n'))
})

test('file: appends the text as it is, rotates past max_size keeping max_files', async () => {
  const file = path.join(tmp, 'alerts.ndjson')
  register(pool, 'file', code('file'), {files: {write: [file]}})
  await notify(pool, 'file', {log_path: file}, '{"a":1}\n')
  await notify(pool, 'file', {log_path: file}, '{"a":2}\n')
  assert.is(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"a":2}\n')
  const line = 'x'.repeat(600 * 1024) + '\n'
  for (let i = 0; i < 4; i++) await notify(pool, 'file', {log_path: file, rotate: {enabled: true, max_size: 1, max_files: 2}}, line)
  assert.equal(fs.readdirSync(tmp).sort(), ['alerts.ndjson', 'alerts.ndjson.1', 'alerts.ndjson.2'])
  assert.match(await failure(notify(pool, 'file', {log_path: path.join(tmp, 'elsewhere.log')}, 'x')), 'not declared')
})

test.run()
