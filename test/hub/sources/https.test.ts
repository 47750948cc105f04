import * as fs from 'node:fs'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {hubInstall, hubUpdate} from '../../../src/hub/operations.js'
import {makeDirectoryHub, snapshotTree, tempDir} from '../fixtures/make-hub.js'

interface Served {
  url: string
  requests: {path: string; ifNoneMatch?: string; status: number}[]
  close(): Promise<void>
}

/** A loopback server for a directory hub, with an ETag on hub-index.json. */
async function serve(root: string): Promise<Served> {
  const requests: Served['requests'] = []
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/hub\//, '')
    const file = path.join(root, rel)
    const ifNoneMatch = req.headers['if-none-match']
    if (!file.startsWith(root) || !fs.existsSync(file)) {
      res.writeHead(404).end()
      requests.push({path: rel, status: 404})
      return
    }
    const body = fs.readFileSync(file)
    const etag = `"${body.length}-${body[body.length - 3]}"`
    if (rel === 'hub-index.json' && ifNoneMatch === etag) {
      res.writeHead(304).end()
      requests.push({path: rel, ifNoneMatch, status: 304})
      return
    }
    res.writeHead(200, rel === 'hub-index.json' ? {etag} : {}).end(body)
    requests.push({path: rel, ifNoneMatch, status: 200})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {url: `http://127.0.0.1:${port}/hub/`, requests, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

const PKGS = [
  {name: 'crowd/syslog-logs', version: '1.0.0', stage: 's00-raw'},
  {name: 'crowd/sshd-logs', version: '1.0.0', deps: {'crowd/syslog-logs': '^1.0.0'}},
]
const http0 = {retries: 0, timeoutMs: 2000}

test('https: update downloads the index, then revalidates with the ETag', async () => {
  const server = await serve(makeDirectoryHub(PKGS))
  const data = tempDir('https')
  try {
    const first = await hubUpdate({dataDir: data, sources: [server.url], http: http0})
    assert.equal(first.sources.map((s) => [s.kind, s.refresh, s.packages]), [['https', 'downloaded', 2]])
    const second = await hubUpdate({dataDir: data, sources: [server.url], http: http0})
    assert.equal(second.sources.map((s) => s.refresh), ['not-modified'])
    const etag = fs.readFileSync(path.join(data, 'cache/hub/index', fs.readdirSync(path.join(data, 'cache/hub/index'))[0], 'etag'), 'utf8')
    assert.match(etag, /^"\d+-\d+"$/)
    assert.equal(server.requests.map((r) => `${r.status} ${r.path} ${r.ifNoneMatch ?? '-'}`), ['200 hub-index.json -', `304 hub-index.json ${etag}`])
  } finally {
    await server.close()
  }
})

test('https: install fetches and verifies tarballs, and caches them', async () => {
  const root = makeDirectoryHub(PKGS)
  const server = await serve(root)
  const data = tempDir('https')
  try {
    const result = await hubInstall({dataDir: data, sources: [server.url], names: ['crowd/sshd-logs'], http: http0})
    assert.is(result.steps.length, 2)
    assert.ok(fs.existsSync(path.join(data, 'hub/parsers/s01-parse/crowd/sshd-logs.yaml')))
    assert.equal(server.requests.map((r) => r.path).sort(), ['dist/crowd/sshd-logs/sshd-logs-1.0.0.tgz', 'dist/crowd/syslog-logs/syslog-logs-1.0.0.tgz', 'hub-index.json'])
    assert.is(fs.readdirSync(path.join(data, 'cache/hub/tarballs')).length, 2)
  } finally {
    await server.close()
  }
})

test('https: a network failure is a clear error and leaves the installed state alone', async () => {
  const root = makeDirectoryHub(PKGS)
  const server = await serve(root)
  const data = tempDir('https')
  await hubInstall({dataDir: data, sources: [server.url], names: ['crowd/syslog-logs'], http: http0})
  await server.close()
  const before = snapshotTree(path.join(data, 'hub'))
  for (const run of [
    () => hubUpdate({dataDir: data, sources: [server.url], http: http0}),
    () => hubInstall({dataDir: data, sources: [server.url], names: ['crowd/sshd-logs'], http: http0}),
  ]) {
    try {
      await run()
      assert.unreachable('should fail')
    } catch (error) {
      assert.match((error as Error).message, /^cannot reach hub source http:\/\/127\.0\.0\.1:\d+\/hub\/(hub-index\.json|dist\/crowd\/sshd-logs\/sshd-logs-1\.0\.0\.tgz): ECONN(REFUSED|RESET)/)
    }
  }
  assert.equal(snapshotTree(path.join(data, 'hub')), before)
})

test('https: plain http to a non-loopback host is refused', async () => {
  try {
    await hubUpdate({dataDir: tempDir('https'), sources: ['http://hub.invalid/'], http: http0})
    assert.unreachable()
  } catch (error) {
    assert.is((error as Error).message, 'hub sources must use https (plain http only for loopback): http://hub.invalid/')
  }
})

test.run()
