/**
 * The builtin blocklist bouncer in-process (src/outputs/bouncers/blocklist.ts): its settings and
 * their errors, the three formats, every authentication type over real HTTP on a loopback port the
 * system picks, expiry between batches on a fake clock, startup replacement, and garbage requests
 * written on a raw socket. Every bouncer made here is closed by its test.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {blocklistBouncer, BlocklistLists, blocklistSettings, parseListenUri, renderList, routerOsDuration, type BlocklistBouncer} from '../../../src/outputs/bouncers/blocklist.js'
import {BouncerRunner, parseBouncerConfig, type Decision, type DecisionBatch, type StreamDecision} from '../../../src/outputs/bouncers/index.js'
import {CrowdError, CrowdErrorList} from '../../../src/model/errors.js'

const PACKAGE = {name: 'crowd/bouncer-blocklist'}
const FILE = 'bouncers/blocklist.yaml'
const T0 = Date.parse('2026-12-07T00:00:00Z')
/** Where the runner test writes its status file. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-blocklist-'))
test.after(() => fs.rmSync(dataDir, {recursive: true, force: true}))

function config(yaml: string, env: Record<string, string> = {}) {
  return parseBouncerConfig(yaml, 'blocklist', FILE, {env})
}

function decision(value: string, ttlMs: number, extra: Partial<Decision> = {}): Decision {
  return {value, scope: value.includes('/') ? 'Range' : 'Ip', type: 'ban', origin: 'cscli', scenario: 'manual ban', ttlMs, ...extra}
}

const startup = (...added: Decision[]): DecisionBatch => ({startup: true, added, deleted: []})

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function get(url: string, path: string, options: {method?: string; headers?: Record<string, string>} = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), {method: options.method ?? 'GET', headers: options.headers, agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Writes `bytes` on a fresh connection and returns everything the server sends until it closes. */
function raw(url: string, bytes: string): Promise<string> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname)
    let out = ''
    socket.setEncoding('latin1').on('data', (c: string) => (out += c))
    socket.on('error', (e) => (out === '' ? reject(e) : resolve(out)))
    socket.on('close', () => resolve(out))
    socket.on('connect', () => socket.end(bytes))
  })
}

/** A bouncer on a free loopback port with these lists; closed by `use`'s end. */
async function withBouncer(lists: string, use: (b: BlocklistBouncer, url: string, clock: {now: number}) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const clock = {now: T0}
  const b = blocklistBouncer(config(`listen_uri: 127.0.0.1:0\n${lists}`, env), PACKAGE, {dataDir: '', now: () => clock.now})
  try {
    const url = await b.listening()
    await use(b, url, clock)
  } finally {
    await b.close()
  }
}

// ---- settings

test('settings: defaults are one plain_text list at /security/blocklist on 127.0.0.1:41412, no authentication', () => {
  // the settings alone: a bouncer would listen on that fixed port
  assert.equal(blocklistSettings(config('api_key: k\n')), {host: '127.0.0.1', port: 41412, listenUri: '127.0.0.1:41412', lists: [{format: 'plain_text', endpoint: '/security/blocklist', auth: {type: 'none', trusted: []}}]})
})

test('settings: listen_uri forms', () => {
  assert.equal(parseListenUri('127.0.0.1:41412'), {host: '127.0.0.1', port: 41412})
  assert.equal(parseListenUri('[::1]:8081'), {host: '::1', port: 8081})
  assert.equal(parseListenUri(':41412'), {host: '', port: 41412})
  assert.equal(parseListenUri('localhost:1'), {host: 'localhost', port: 1})
  for (const bad of ['41412', '127.0.0.1', '127.0.0.1:99999', '[nope]:1', 'http://x:1', '::1:80', 'a b:1']) assert.is(parseListenUri(bad), undefined, bad)
})

test('settings: every bad key is a config CrowdError naming the file and the key line', () => {
  const yaml = [
    'api_key: k',                       // 1
    'listen_uri: nowhere',              // 2
    'blocklists:',                      // 3
    '  - format: csv',
    '    endpoint: /a',
    '  - format: json',
    '    endpoint: no-slash',
    '  - endpoint: /b',
    '    authentication: {type: kerberos}',
    '  - endpoint: /c',
    '    authentication: {type: basic, user: u}',
    '  - endpoint: /d',
    '    authentication: {type: api_key, api_key: "${BLOCKLIST_KEY}"}',
    '  - endpoint: /e',
    '    authentication: {type: ip_based, trusted_ips: [10.0.0.0/33]}',
    '  - endpoint: /e',
    '    authentication: {type: ip_based}',
  ].join('\n')
  let error: unknown
  try {
    blocklistBouncer(config(yaml), PACKAGE, {dataDir: ''})
  } catch (e) {
    error = e
  }
  assert.instance(error, CrowdErrorList)
  const errors = (error as CrowdErrorList).errors
  const lines = errors.map((e) => `${e.file}:${e.line} ${e.reason}`)
  assert.equal(lines, [
    `${FILE}:2 listen_uri: "nowhere" is not host:port (127.0.0.1:41412, [::1]:41412, or :41412 for every address)`,
    `${FILE}:3 blocklists: blocklists[0].format: must be one of plain_text, json, mikrotik, not "csv"`,
    `${FILE}:3 blocklists: blocklists[1].endpoint: must be a path such as /security/blocklist (no query, at most 256 characters), not "no-slash"`,
    `${FILE}:3 blocklists: blocklists[2].authentication.type: must be one of none, ip_based, basic, api_key, not "kerberos"`,
    `${FILE}:3 blocklists: blocklists[3].authentication.password: needed by authentication type basic`,
    `${FILE}:3 blocklists: blocklists[4].authentication.api_key: \${BLOCKLIST_KEY} is not set in the environment`,
    `${FILE}:3 blocklists: blocklists[5].authentication.trusted_ips: "10.0.0.0/33" is not an address or CIDR range`,
    `${FILE}:3 blocklists: blocklists[6].endpoint: /e is served by another list already`,
    `${FILE}:3 blocklists: blocklists[6].authentication.trusted_ips: ip_based needs the addresses or ranges let in`,
  ])
  assert.ok(errors.every((e) => e.code === 'config'))
  // one error alone is thrown as itself
  assert.throws(() => blocklistBouncer(config('listen_uri: 1.2.3.4\n'), PACKAGE, {dataDir: ''}), (e: unknown) => e instanceof CrowdError && e.line === 1 && e.message.includes(`(${FILE}:1)`))
  // a variable that is set is the secret
  const ok = blocklistSettings(config('blocklists:\n  - authentication: {type: api_key, api_key: "${BLOCKLIST_KEY}"}\n', {BLOCKLIST_KEY: 's3cret-key'}))
  assert.is(ok.lists[0]!.auth.apiKey, 's3cret-key')
})

// ---- formats

test('formats: plain_text, json and mikrotik in address order, IPv4 first', () => {
  const lists = new BlocklistLists(() => T0)
  assert.is(lists.render('plain_text'), undefined, 'nothing before the startup batch')
  lists.apply(startup(
    decision('2001:db8::7', 3_600_000, {origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf'}),
    decision('10.0.0.1', 60_000),
    decision('9.9.9.9', 90_061_000, {scenario: 'bad "quoted" $name\\'}),
    decision('192.0.2.0/24', 120_000, {origin: 'CAPI', scenario: 'crowdsecurity/http-probing'}),
    decision('2001:db8::/32', 1),
  ))
  assert.is(lists.render('plain_text')!.body.toString(), '9.9.9.9\n10.0.0.1\n192.0.2.0/24\n2001:db8::/32\n2001:db8::7\n')
  assert.is(lists.render('plain_text', {family: 'ipv6'})!.body.toString(), '2001:db8::/32\n2001:db8::7\n')
  assert.is(lists.render('json', {family: 'ipv4'})!.body.toString(), [
    '[',
    '{"value":"9.9.9.9","scope":"Ip","type":"ban","origin":"cscli","scenario":"bad \\"quoted\\" $name\\\\","until":"2026-12-08T01:01:01Z"},',
    '{"value":"10.0.0.1","scope":"Ip","type":"ban","origin":"cscli","scenario":"manual ban","until":"2026-12-07T00:01:00Z"},',
    '{"value":"192.0.2.0/24","scope":"Range","type":"ban","origin":"CAPI","scenario":"crowdsecurity/http-probing","until":"2026-12-07T00:02:00Z"}',
    ']',
    '',
  ].join('\n'))
  const rendered = lists.render('json')!
  assert.equal(JSON.parse(rendered.body.toString()).map((d: {value: string}) => d.value), ['9.9.9.9', '10.0.0.1', '192.0.2.0/24', '2001:db8::/32', '2001:db8::7'])
  assert.is(rendered.contentType, 'application/json; charset=utf-8')
  assert.is(lists.render('mikrotik', {listName: 'bad-guys'})!.body.toString(), [
    '# crowd blocklist for RouterOS: 5 entries (3 IPv4, 2 IPv6), address-list bad-guys',
    '/ip firewall address-list remove [find where list="bad-guys"]',
    '/ip firewall address-list add list=bad-guys address=9.9.9.9 timeout=1d1h1m1s comment="crowd cscli bad _quoted_ _name_"',
    '/ip firewall address-list add list=bad-guys address=10.0.0.1 timeout=1m comment="crowd cscli manual ban"',
    '/ip firewall address-list add list=bad-guys address=192.0.2.0/24 timeout=2m comment="crowd CAPI crowdsecurity/http-probing"',
    '/ipv6 firewall address-list remove [find where list="bad-guys"]',
    '/ipv6 firewall address-list add list=bad-guys address=2001:db8::/32 timeout=1s comment="crowd cscli manual ban"',
    '/ipv6 firewall address-list add list=bad-guys address=2001:db8::7 timeout=1h comment="crowd crowdsec crowdsecurity/ssh-bf"',
    '',
  ].join('\n'))
  assert.is(lists.render('mikrotik', {family: 'ipv6'})!.body.toString().split('\n').filter((l) => l.startsWith('/ip ')).length, 0)
  assert.is(renderList('json', [], T0), '[]\n')
  assert.is(renderList('plain_text', [], T0), '')
  assert.is(routerOsDuration(0), '1s')
  assert.is(routerOsDuration(86400 * 3 + 5), '3d5s')
})

test('expiry: an entry leaves the lists when its ttl ends, between batches, and Last-Modified moves', () => {
  const clock = {now: T0}
  const lists = new BlocklistLists(() => clock.now)
  lists.apply(startup(decision('192.0.2.1', 10_000), decision('192.0.2.2', 60_000)))
  const first = lists.render('plain_text')!
  assert.is(first.body.toString(), '192.0.2.1\n192.0.2.2\n')
  assert.is(first.lastModified, T0)
  clock.now = T0 + 9_999
  assert.is(lists.render('plain_text'), first, 'unchanged: the same rendering (cached)')
  clock.now = T0 + 10_000
  const second = lists.render('plain_text')!
  assert.is(second.body.toString(), '192.0.2.2\n')
  assert.is(second.lastModified, T0 + 10_000)
  assert.is.not(second.etag, first.etag)
  // a later batch's ttl counts from when it arrives
  clock.now = T0 + 20_000
  lists.apply({startup: false, added: [decision('192.0.2.3', 5_000)], deleted: [decision('192.0.2.2', 1)]})
  assert.is(lists.render('plain_text')!.body.toString(), '192.0.2.3\n')
  clock.now = T0 + 25_000
  assert.is(lists.render('plain_text')!.body.toString(), '')
  assert.is(lists.size, 0)
})

test('startup batches replace the whole list; an added value already listed is updated', () => {
  const clock = {now: T0}
  const lists = new BlocklistLists(() => clock.now)
  lists.apply(startup(decision('192.0.2.1', 10_000), decision('192.0.2.2', 10_000)))
  lists.apply({startup: false, added: [decision('192.0.2.1', 3_600_000, {scenario: 'longer'})], deleted: []})
  clock.now = T0 + 10_000
  assert.is(lists.render('json')!.body.toString(), '[\n{"value":"192.0.2.1","scope":"Ip","type":"ban","origin":"cscli","scenario":"longer","until":"2026-12-07T01:00:00Z"}\n]\n')
  lists.apply(startup(decision('2001:db8::1', 10_000)))
  assert.is(lists.render('plain_text')!.body.toString(), '2001:db8::1\n')
  lists.apply(startup())
  assert.is(lists.render('plain_text')!.body.toString(), '', 'an empty startup empties the list (and it is known: 200, not 503)')
})

test('with the runner: a restart bigger than one chunk never serves half a list (resync: deletions, then additions)', async () => {
  await withBouncer('', async (b, url, clock) => {
    const item = (id: number): StreamDecision => ({id, value: `192.0.2.${id}`, scope: 'Ip', type: 'ban', origin: 'cscli', scenario: 's', duration: '1h'})
    let delta: {new?: StreamDecision[]; deleted?: StreamDecision[]} = {}
    let fail = false
    const seen: string[] = []
    const plugin = {
      ...b,
      apply: async (batch: DecisionBatch) => {
        if (fail) {
          fail = false
          throw new Error('refused once')
        }
        const stats = await b.apply(batch)
        seen.push((await get(url, '/security/blocklist')).body.trim().split('\n').join(' '))
        return stats
      },
    }
    const runner = new BouncerRunner({config: config('listen_uri: 127.0.0.1:0\n'), plugin, dataDir, chunkSize: 2, now: () => clock.now,
      source: async (isStartup) => (isStartup ? {new: [1, 2, 3, 4, 5].map(item)} : delta)})
    assert.ok(await runner.syncOnce())
    assert.equal(seen, ['192.0.2.1 192.0.2.2', '192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4', '192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5'], 'the first startup fills the list chunk by chunk')
    // the plugin fails: the runner sends the whole state again, bigger than a chunk
    fail = true
    delta = {new: [item(6)], deleted: [item(1)]}
    assert.not.ok(await runner.syncOnce())
    delta = {}
    seen.length = 0
    assert.ok(await runner.syncOnce())
    assert.equal(seen, [
      '192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5',
      '192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5',
      '192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5',
      '192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6',
    ])
  })
})

// ---- HTTP

test('http: 503 before the first batch, then the list with Content-Length, ETag, Last-Modified; HEAD; 304; 404; 405', async () => {
  await withBouncer('blocklists:\n  - {format: plain_text, endpoint: /security/blocklist}\n  - {format: mikrotik, endpoint: /mt.rsc}\n', async (b, url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    assert.equal([b.packageName, b.batches], ['crowd/bouncer-blocklist', 'changes'])
    assert.is(await b.resync!(), undefined, 'nothing to keep before the first startup')
    const early = await get(url, '/security/blocklist')
    assert.is(early.status, 503)
    assert.is(early.headers['retry-after'], '5')
    const stats = await b.apply(startup(decision('192.0.2.1', 60_000), decision('2001:db8::1', 60_000)))
    assert.equal(await b.resync!(), ['192.0.2.1', '2001:db8::1'])
    assert.is(stats.listening, url)
    assert.is(stats.entries, 2)
    const r = await get(url, '/security/blocklist')
    assert.is(r.status, 200)
    assert.is(r.body, '192.0.2.1\n2001:db8::1\n')
    assert.is(r.headers['content-type'], 'text/plain; charset=utf-8')
    assert.is(r.headers['content-length'], String(r.body.length))
    assert.is(r.headers['last-modified'], new Date(T0).toUTCString())
    assert.match(r.headers.etag ?? '', /^"[A-Za-z0-9_-]{32}"$/)
    const head = await get(url, '/security/blocklist', {method: 'HEAD'})
    assert.is(head.status, 200)
    assert.is(head.body, '')
    assert.is(head.headers['content-length'], String(r.body.length))
    assert.is(head.headers.etag, r.headers.etag)
    const again = await get(url, '/security/blocklist', {headers: {'If-None-Match': r.headers.etag!}})
    assert.is(again.status, 304)
    assert.is(again.body, '')
    assert.is((await get(url, '/security/blocklist?ipv6only')).body, '2001:db8::1\n')
    assert.is((await get(url, '/security/blocklist?ipv4only&ipv6only')).status, 400)
    assert.match((await get(url, '/mt.rsc?listname=edge')).body, 'address-list add list=edge address=192.0.2.1 timeout=1m')
    assert.is((await get(url, '/mt.rsc?listname=a%22b')).status, 400)
    assert.is((await get(url, '/security/blocklist/')).status, 404)
    assert.is((await get(url, '/')).status, 404)
    const post = await get(url, '/security/blocklist', {method: 'POST'})
    assert.is(post.status, 405)
    assert.is(post.headers.allow, 'GET, HEAD')
    assert.is((await get(url, '/security/blocklist', {method: 'DELETE'})).status, 405)
  })
})

test('http: basic authentication: 401 with WWW-Authenticate without or with wrong credentials', async () => {
  const lists = 'blocklists:\n  - endpoint: /l\n    authentication: {type: basic, user: fw, password: "${PW}"}\n'
  await withBouncer(lists, async (b, url) => {
    await b.apply(startup(decision('192.0.2.1', 60_000)))
    const basic = (text: string): Record<string, string> => ({Authorization: `Basic ${Buffer.from(text).toString('base64')}`})
    const none = await get(url, '/l')
    assert.is(none.status, 401)
    assert.is(none.headers['www-authenticate'], 'Basic realm="crowd blocklist", charset="UTF-8"')
    assert.is(none.body, 'unauthorized\n')
    for (const wrong of ['fw:nope', 'fw:pa55-word-', 'fx:pa55-word', 'fw', ':', 'fw:pa55-word:']) assert.is((await get(url, '/l', {headers: basic(wrong)})).status, 401, wrong)
    assert.is((await get(url, '/l', {headers: {Authorization: 'Bearer pa55-word'}})).status, 401)
    const ok = await get(url, '/l', {headers: basic('fw:pa55-word')})
    assert.is(ok.status, 200)
    assert.is(ok.body, '192.0.2.1\n')
    // the 401 of a HEAD has no body either
    const head = await get(url, '/l', {method: 'HEAD'})
    assert.is(head.status, 401)
    assert.is(head.body, '')
  }, {PW: 'pa55-word'})
})

test('http: api_key authentication: X-Api-Key or Authorization: Bearer', async () => {
  const lists = 'blocklists:\n  - endpoint: /k\n    format: json\n    authentication: {type: api_key, api_key: k3y-0123456789}\n'
  await withBouncer(lists, async (b, url) => {
    await b.apply(startup(decision('192.0.2.1', 60_000)))
    assert.is((await get(url, '/k')).status, 401)
    assert.is((await get(url, '/k', {headers: {'X-Api-Key': 'k3y-012345678'}})).status, 401)
    assert.is((await get(url, '/k', {headers: {'X-Api-Key': 'k3y-0123456789x'}})).status, 401)
    assert.is((await get(url, '/k', {headers: {Authorization: 'Bearer wrong'}})).status, 401)
    const ok = await get(url, '/k', {headers: {'X-Api-Key': 'k3y-0123456789'}})
    assert.is(ok.status, 200)
    assert.is(JSON.parse(ok.body)[0].value, '192.0.2.1')
    assert.is((await get(url, '/k', {headers: {Authorization: 'Bearer k3y-0123456789'}})).status, 200)
    assert.is((await get(url, '/k?api_key=k3y-0123456789')).status, 401, 'never from the URL (logged by proxies)')
  })
})

test('http: ip_based: the socket address against trusted_ips (403 outside); trusted_ips let in without credentials for other types', async () => {
  const lists = [
    'blocklists:',
    '  - endpoint: /local',
    '    authentication: {type: ip_based, trusted_ips: [127.0.0.0/8, "::1"]}',
    '  - endpoint: /elsewhere',
    '    authentication: {type: ip_based, trusted_ips: [10.0.0.0/8, "2001:db8::/32"]}',
    '  - endpoint: /forged',
    '    authentication: {type: ip_based, trusted_ips: [198.51.100.7]}',
    '  - endpoint: /basic-or-local',
    '    authentication: {type: basic, user: u, password: p, trusted_ips: [127.0.0.1]}',
    '',
  ].join('\n')
  await withBouncer(lists, async (b, url) => {
    await b.apply(startup(decision('192.0.2.1', 60_000)))
    assert.is((await get(url, '/local')).status, 200)
    assert.is((await get(url, '/elsewhere')).status, 403)
    assert.is((await get(url, '/forged', {headers: {'X-Forwarded-For': '198.51.100.7', 'X-Real-Ip': '198.51.100.7'}})).status, 403, 'headers are not the peer')
    assert.is((await get(url, '/basic-or-local')).status, 200)
  })
})

test('http: garbage on a raw socket is a 400 (or 414), never a crash; the server answers afterwards', async () => {
  await withBouncer('', async (b, url) => {
    await b.apply(startup(decision('192.0.2.1', 60_000)))
    const garbage = [
      'GARBAGE\r\n\r\n',
      '\x00\x01\x02\xff\r\n\r\n',
      'GET /security/blocklist HTTP/9.9\r\n\r\n',
      'GET /security/blocklist HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET /security/blocklist HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n',
      'GET http://example.invalid/security/blocklist HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /security/blocklist?' + 'a'.repeat(4000) + ' HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /security/blocklist?%zz%&ipv4only HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]
    const statuses: string[] = []
    for (const bytes of garbage) {
      const answer = await raw(url, bytes)
      statuses.push(answer.slice(0, 12))
    }
    assert.equal(statuses, [
      'HTTP/1.1 400', 'HTTP/1.1 400', 'HTTP/1.1 400', 'HTTP/1.1 400', 'HTTP/1.1 400',
      'HTTP/1.1 400', 'HTTP/1.1 400', 'HTTP/1.1 414', 'HTTP/1.1 200',
    ])
    // half a request, then the client goes away
    await raw(url, 'GET /security/bl')
    const pipelined = await raw(url, 'GET /security/blocklist HTTP/1.1\r\nHost: x\r\n\r\nHEAD /security/blocklist HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.is(pipelined.match(/HTTP\/1\.1 200 OK/g)?.length, 2)
    assert.is((await get(url, '/security/blocklist')).body, '192.0.2.1\n')
  })
})

test('startup errors: a port in use is a config CrowdError naming listen_uri\'s line; apply reports it; close stops the server', async () => {
  await withBouncer('', async (_b, url) => {
    const port = new URL(url).port
    const second = blocklistBouncer(config(`api_key: k\nlisten_uri: 127.0.0.1:${port}\n`), PACKAGE, {dataDir: ''})
    try {
      const error = await second.listening().then(() => undefined, (e: unknown) => e)
      assert.instance(error, CrowdError)
      assert.is((error as CrowdError).code, 'config')
      assert.is((error as CrowdError).message, `listen_uri: 127.0.0.1:${port} is in use (another program listens there) (${FILE}:2)`)
      const applied = await second.apply(startup()).then(() => undefined, (e: unknown) => e)
      assert.instance(applied, CrowdError, 'apply tries again, and fails the same way')
    } finally {
      await second.close()
    }
  })
  // closed: nothing listens there any more, and a new bouncer can take the port
  const first = blocklistBouncer(config('listen_uri: 127.0.0.1:0\n'), PACKAGE, {dataDir: ''})
  const url = await first.listening()
  await first.close()
  const refused = await get(url, '/security/blocklist').then(() => 'answered', (e: NodeJS.ErrnoException) => e.code)
  assert.is(refused, 'ECONNREFUSED')
  const again = blocklistBouncer(config(`listen_uri: 127.0.0.1:${new URL(url).port}\n`), PACKAGE, {dataDir: ''})
  try {
    assert.is(await again.listening(), url)
  } finally {
    await again.close()
  }
})

test.run()
