/**
 * The LAPI's other listeners: a unix socket (its callers count as 127.0.0.1 and as trusted, lapi.md §1) and TLS
 * (a certificate made here with openssl), next to plain TCP.
 */
import {execFileSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_CONFIG, type LapiConfig} from '../../src/config/config.js'
import {signJwt} from '../../src/lapi/auth.js'
import {LapiProfiles} from '../../src/lapi/profiles.js'
import {LapiServer} from '../../src/lapi/server.js'
import {silentLogger} from '../../src/model/logger.js'
import {openStore} from '../../src/store/index.js'

const secret = Buffer.alloc(64, 7)

function request(options: http.RequestOptions & {tls?: boolean; ca?: Buffer}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = (options.tls ? https : http).request(options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('error', reject)
    req.end()
  })
}

test('a unix socket listener answers, and its callers may delete alerts although trusted_ips is empty', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-lapi-sock-'))
  const store = await openStore({engine: 'sqlite', target: ':memory:'})
  const config: LapiConfig = {...DEFAULT_CONFIG.lapi, trustedIps: [], listenSocket: path.join(dir, 'lapi.sock')}
  const server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config, logger: silentLogger, jwtSecret: secret})
  try {
    const addresses = await server.listen('127.0.0.1:0')
    await store.addMachine({machineId: 'm', passwordHash: 'x', isValidated: true}, Date.now())
    const now = Math.floor(Date.now() / 1000)
    const auth = {Authorization: `Bearer ${signJwt({id: 'm', exp: now + 600, orig_iat: now}, secret)}`}
    const viaSocket = await request({socketPath: addresses.socket!, path: '/v1/alerts', method: 'DELETE', headers: auth})
    assert.is(viaSocket.status, 200)
    assert.equal(JSON.parse(viaSocket.body), {nbDeleted: '0'})
    const port = new URL(addresses.url!).port
    const viaTcp = await request({host: '127.0.0.1', port, path: '/v1/alerts', method: 'DELETE', headers: auth})
    assert.is(viaTcp.status, 403)
    assert.equal(JSON.parse(viaTcp.body), {message: 'access forbidden from this IP (127.0.0.1)'})
  } finally {
    await server.close()
    await store.close()
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test('with tls_cert and tls_key the LAPI serves HTTPS', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-lapi-tls-'))
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  const store = await openStore({engine: 'sqlite', target: ':memory:'})
  const config: LapiConfig = {...DEFAULT_CONFIG.lapi, tlsCert: cert, tlsKey: key}
  const server = new LapiServer({store, profiles: new LapiProfiles(undefined, silentLogger), config, logger: silentLogger, jwtSecret: secret})
  try {
    const addresses = await server.listen('127.0.0.1:0')
    assert.match(addresses.url!, /^https:\/\/127\.0\.0\.1:\d+\/$/)
    const r = await request({tls: true, host: '127.0.0.1', port: new URL(addresses.url!).port, path: '/health', ca: fs.readFileSync(cert)})
    assert.equal([r.status, JSON.parse(r.body)], [200, {status: 'up'}])
  } finally {
    await server.close()
    await store.close()
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test.run()
