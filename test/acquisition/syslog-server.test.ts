import {test} from 'uvu'
import * as assert from 'uvu/assert'
import * as dgram from 'node:dgram'
import * as net from 'node:net'
import * as os from 'node:os'
import {execFile, execFileSync} from 'node:child_process'
import {CrowdError} from '../../src/model/errors.js'
import {
  startSyslogServer, syslogConfigFromAcquis, syslogRawLine, syslogServerOptions,
  type SyslogErrorReason, type SyslogFrameInfo, type SyslogMessage, type SyslogSender, type SyslogServer, type SyslogServerOptions,
} from '../../src/acquisition/syslog/index.js'

interface Got {
  msg: SyslogMessage
  sender: SyslogSender
  frame: SyslogFrameInfo
}

interface Harness {
  server: SyslogServer
  got: Got[]
  errors: [SyslogErrorReason, SyslogSender][]
  port(protocol: 'udp' | 'tcp'): number
}

const servers = new Set<SyslogServer>()

async function start(options: Partial<SyslogServerOptions> = {}): Promise<Harness> {
  const got: Got[] = []
  const errors: [SyslogErrorReason, SyslogSender][] = []
  const server = await startSyslogServer({
    host: '127.0.0.1', port: 0, protocols: ['udp', 'tcp'],
    onMessage: (msg, sender, frame) => got.push({msg, sender, frame}),
    onError: (reason, sender) => errors.push([reason, sender]),
    ...options,
  })
  servers.add(server)
  return {server, got, errors, port: (p) => server.addresses.find((a) => a.protocol === p)!.port}
}

async function stop(h: Harness): Promise<void> {
  await h.server.close()
  servers.delete(h.server)
}

/** Resolves once `cond` holds (checked every few ms); a guard rejects after 15 s so a bug cannot hang the suite. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function sendUdp(port: number, payloads: (string | Uint8Array)[]): Promise<void> {
  const sock = dgram.createSocket('udp4')
  return new Promise((resolve, reject) => {
    let left = payloads.length
    for (const p of payloads) {
      sock.send(typeof p === 'string' ? Buffer.from(p) : p, port, '127.0.0.1', (e) => {
        if (e) reject(e)
        if (--left === 0) sock.close(() => resolve())
      })
    }
  })
}

/** Opens a TCP connection, writes `data`, ends it; resolves when the server closed it too. */
function sendTcp(port: number, data: (string | Uint8Array)[]): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', async () => {
      for (const d of data) sock.write(d)
      sock.end()
    })
    sock.on('error', () => {}) // the server may reset it
    sock.on('close', () => resolve())
    sock.resume()
  })
}

test('UDP and TCP on the same port (port 0), both RFCs, sender and RawLine', async () => {
  const h = await start()
  assert.is(h.port('udp'), h.port('tcp'))
  assert.ok(h.port('udp') > 0)
  await sendUdp(h.port('udp'), ['<38>Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502'])
  await until(() => h.got.length === 1, 'the UDP message')
  await sendTcp(h.port('tcp'), ['<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - do-nuts\n'])
  await until(() => h.got.length === 2, 'the TCP message')
  const [u, t] = h.got
  assert.is(u!.msg.line, 'Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502')
  assert.equal([u!.sender.protocol, u!.sender.address, u!.frame.framing], ['udp', '127.0.0.1', 'datagram'])
  assert.is(t!.msg.line, 'Aug 24 05:14:15 192.0.2.1 myproc[8710]: do-nuts')
  assert.equal([t!.sender.protocol, t!.frame.framing], ['tcp', 'non-transparent'])
  const labels = {type: 'syslog'}
  assert.equal(syslogRawLine(u!.msg, u!.sender, labels, 7), {raw: u!.msg.line, src: '127.0.0.1', module: 'syslog', labels, lineNo: 7})
  const m = h.server.metrics()
  assert.equal([m.received, m.parsed, m.byFormat], [2, 2, {rfc5424: 1, rfc3164: 1}])
  await stop(h)
})

test('garbage is counted by reason and reported, never delivered', async () => {
  const h = await start({protocols: ['tcp']})
  const garbage = ['hello', '<999>x', '<13>not a date', '<13>1 - h a - - x', '\u0000\u0001binary']
  await sendTcp(h.port('tcp'), [garbage.join('\n') + '\n', '<13>Feb 12 14:10:21 h t: fine\n'])
  await until(() => h.server.metrics().received === 6, 'six frames')
  const m = h.server.metrics()
  assert.is(m.parsed, 1)
  assert.equal(m.errors, {'missing-pri': 2, 'bad-pri': 1, 'bad-timestamp': 1, 'bad-structured-data': 1})
  assert.equal(h.errors.map((e) => e[0]), ['missing-pri', 'bad-pri', 'bad-timestamp', 'bad-structured-data', 'missing-pri'])
  assert.is(h.got[0]!.msg.message, 'fine')
  await stop(h)
})

test('garbage flood on UDP and TCP: counted, server keeps serving', async () => {
  const h = await start()
  let seed = 7
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256
  const junk = Array.from({length: 200}, () => Uint8Array.from({length: 1 + (rand() % 200)}, rand))
  await sendUdp(h.port('udp'), junk.slice(0, 50))
  await sendTcp(h.port('tcp'), junk)
  await sendTcp(h.port('tcp'), ['<13>Feb 12 14:10:21 h t: still alive\n'])
  await until(() => h.got.some((g) => g.msg.message === 'still alive'), 'the message after the flood')
  await until(() => h.server.metrics().connections.active === 0, 'the flood connection to close')
  const m = h.server.metrics()
  const errors = Object.values(m.errors).reduce((a, b) => a + b, 0)
  assert.ok(m.received > 50)
  assert.is(m.parsed + errors - (m.errors['bad-octet-count'] ?? 0) - (m.errors['absurd-octet-count'] ?? 0), m.received)
  assert.is(m.parsed, h.got.length)
  await stop(h)
})

test('oversized UDP datagram: cut to maxMessageLen, delivered, counted', async () => {
  const h = await start({protocols: ['udp'], maxMessageLen: 64})
  const big = '<13>Feb 12 14:10:21 h t: ' + 'z'.repeat(5000)
  await sendUdp(h.port('udp'), [big])
  await until(() => h.got.length === 1, 'the datagram')
  assert.is(h.got[0]!.msg.message, big.slice(0, 64).slice('<13>Feb 12 14:10:21 h t: '.length))
  assert.ok(h.got[0]!.frame.truncated)
  assert.equal([h.server.metrics().oversized, h.server.metrics().bytes], [1, big.length])
  await stop(h)
})

test('oversized TCP frame (default 2048): cut, the rest consumed, the next frame on the connection intact', async () => {
  const h = await start({protocols: ['tcp']})
  const big = '<13>1 - h app - - - ' + 'w'.repeat(1_000_000)
  const small = '<13>1 - h app - - - after'
  await sendTcp(h.port('tcp'), [`${big.length} ${big}`, `${small.length} ${small}`])
  await until(() => h.got.length === 2, 'two frames')
  assert.is(Buffer.byteLength(h.got[0]!.msg.message), 2048 - '<13>1 - h app - - - '.length)
  assert.equal(h.got.map((g) => [g.frame.truncated, g.frame.framing]), [[true, 'octet-counting'], [false, 'octet-counting']])
  assert.is(h.got[1]!.msg.message, 'after')
  assert.is(h.server.metrics().oversized, 1)
  await stop(h)
})

test('absurd or non-numeric octet count closes that connection only', async () => {
  const h = await start({protocols: ['tcp'], maxFrameLen: 100_000})
  await sendTcp(h.port('tcp'), ['99999999999999 <13>1 - h a - - - x'])
  await sendTcp(h.port('tcp'), ['200000 <13>1 - h a - - - x'])
  await sendTcp(h.port('tcp'), ['12ab <13>1 - h a - - - x'])
  await sendTcp(h.port('tcp'), ['<13>1 - h a - - - ok\n'])
  await until(() => h.got.length === 1, 'the good message')
  const m = h.server.metrics()
  assert.equal(m.errors, {'absurd-octet-count': 2, 'bad-octet-count': 1})
  assert.is(m.connections.active, 0)
  await stop(h)
})

test('per-sender rate: token bucket on a frozen clock lets exactly the burst through', async () => {
  const h = await start({protocols: ['tcp'], perSenderRate: 5, clock: () => 0})
  const frames = Array.from({length: 20}, (_, i) => `<13>Feb 12 14:10:21 h t: n${i}\n`)
  await sendTcp(h.port('tcp'), [frames.join('')])
  await until(() => h.server.metrics().received === 20, 'twenty frames')
  const m = h.server.metrics()
  assert.equal([m.parsed, m.droppedByRate], [5, 15])
  assert.equal(h.got.map((g) => g.msg.message), ['n0', 'n1', 'n2', 'n3', 'n4'])
  assert.equal(h.errors, [])
  await stop(h)
})

test('connection flood: at most maxConnections open, the rest refused and counted', async () => {
  const h = await start({protocols: ['tcp'], maxConnections: 3})
  const clients: net.Socket[] = []
  const closed: Promise<void>[] = []
  for (let i = 0; i < 10; i++) {
    const c = net.connect(h.port('tcp'), '127.0.0.1')
    c.on('error', () => {})
    closed.push(new Promise((r) => c.on('close', () => r())))
    clients.push(c)
  }
  await until(() => {
    const m = h.server.metrics().connections
    return m.accepted + m.rejected === 10
  }, 'ten connections')
  let m = h.server.metrics()
  assert.equal([m.connections.accepted, m.connections.rejected, m.connections.active], [3, 7, 3])
  assert.is(m.errors['too-many-connections'], 7)
  for (const c of clients) c.end()
  await until(() => h.server.metrics().connections.active === 0, 'connections to close')
  // room again
  await sendTcp(h.port('tcp'), ['<13>1 - h a - - - again\n'])
  await until(() => h.got.length === 1, 'a message after the flood')
  for (const c of clients) c.destroy()
  await Promise.all(closed)
  await stop(h)
})

test('close() ends open connections; a throwing callback is counted, not fatal', async () => {
  const h = await start({protocols: ['tcp'], onMessage: () => { throw new Error('boom') }})
  const c = net.connect(h.port('tcp'), '127.0.0.1')
  c.on('error', () => {})
  const closed = new Promise<void>((r) => c.on('close', () => r()))
  c.write('<13>1 - h a - - - x\n')
  await until(() => h.server.metrics().callbackErrors === 1, 'the callback error')
  assert.is(h.server.metrics().connections.active, 1)
  await stop(h)
  await closed
  assert.is(c.destroyed, true)
})

test('a port in use is a CrowdError; bad options are config errors', async () => {
  const h = await start({protocols: ['tcp']})
  try {
    await startSyslogServer({host: '127.0.0.1', port: h.port('tcp'), protocols: ['tcp'], onMessage: () => {}})
    assert.unreachable('should not listen twice')
  } catch (e) {
    assert.instance(e, CrowdError)
    assert.match((e as CrowdError).message, /EADDRINUSE/)
  }
  for (const bad of [{host: 'localhost'}, {port: 70000}, {maxMessageLen: 0}, {protocols: ['sctp' as 'udp']}]) {
    try {
      await startSyslogServer({host: '127.0.0.1', port: 0, onMessage: () => {}, ...bad})
      assert.unreachable(JSON.stringify(bad))
    } catch (e) {
      assert.is((e as CrowdError).code, 'config', JSON.stringify(bad))
    }
  }
  await stop(h)
})

test('acquis.yaml keys: CrowdSec defaults and checks', () => {
  assert.equal(syslogConfigFromAcquis({source: 'syslog', labels: {type: 'syslog'}}), {
    host: '127.0.0.1', port: 514, maxMessageLen: 2048, protocols: ['udp'], labels: Object.assign(Object.create(null), {type: 'syslog'}),
  })
  const c = syslogConfigFromAcquis({source: 'syslog', listen_addr: '0.0.0.0', listen_port: 4242, max_message_len: 8192, protocol: 'udp,tcp', labels: {type: 'syslog'}, mode: 'tail'})
  assert.equal([c.host, c.port, c.maxMessageLen, c.protocols], ['0.0.0.0', 4242, 8192, ['udp', 'tcp']])
  const opts = syslogServerOptions(c, {onMessage: () => {}, perSenderRate: 100})
  assert.equal([opts.host, opts.port, opts.protocols, opts.maxMessageLen, opts.perSenderRate], ['0.0.0.0', 4242, ['udp', 'tcp'], 8192, 100])
  const bad: [Record<string, unknown>, RegExp][] = [
    [{source: 'syslog', listen_port: 70000}, /invalid port/],
    [{source: 'syslog', listen_addr: 'example.com'}, /invalid listen IP/],
    [{source: 'syslog', max_message_len: -1}, /max_message_len/],
    [{source: 'syslog', protocol: 'quic'}, /invalid protocol/],
    [{source: 'syslog', listen_prot: 514}, /unknown key "listen_prot"/],
    [{source: 'file'}, /not syslog/],
  ]
  for (const [doc, re] of bad) {
    try {
      syslogConfigFromAcquis(doc, 'acquis.yaml')
      assert.unreachable(JSON.stringify(doc))
    } catch (e) {
      assert.instance(e, CrowdError)
      assert.is((e as CrowdError).code, 'config')
      assert.match((e as CrowdError).message, re)
      assert.match((e as CrowdError).message, /acquis\.yaml/)
    }
  }
})

// A real sender: util-linux logger.
let hasLogger = false
try {
  hasLogger = /util-linux/.test(execFileSync('logger', ['--version'], {encoding: 'utf8'}))
} catch {
  hasLogger = false
}

function logger(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('logger', args, (e) => (e ? reject(e) : resolve()))
  })
}

const host = os.hostname()
const shortHost = host.split('.')[0]!
const loggerCases: {name: string; args: string[]; proto: 'udp' | 'tcp'; format: string; hostname: string; procId?: string; msgId?: string; framing: SyslogFrameInfo['framing']; sd?: string}[] = [
  {name: 'UDP RFC 3164', args: ['--udp', '--rfc3164', '-i'], proto: 'udp', format: 'rfc3164', hostname: shortHost, procId: 'pid', framing: 'datagram'},
  {name: 'UDP RFC 5424 with msgid', args: ['--udp', '--rfc5424', '--msgid', 'ID47'], proto: 'udp', format: 'rfc5424', hostname: host, msgId: 'ID47', framing: 'datagram'},
  {name: 'TCP RFC 3164 (LF framing)', args: ['--tcp', '--rfc3164'], proto: 'tcp', format: 'rfc3164', hostname: shortHost, framing: 'non-transparent'},
  {name: 'TCP RFC 5424 (LF framing)', args: ['--tcp', '--rfc5424'], proto: 'tcp', format: 'rfc5424', hostname: host, framing: 'non-transparent'},
  {name: 'TCP RFC 5424 octet counting, structured data', args: ['--tcp', '--rfc5424', '--octet-count', '--sd-id', 'zoo@123', '--sd-param', 'tiger="hungry"'], proto: 'tcp', format: 'rfc5424', hostname: host, framing: 'octet-counting', sd: 'zoo@123'},
  {name: 'TCP RFC 3164 octet counting', args: ['--tcp', '--rfc3164', '--octet-count'], proto: 'tcp', format: 'rfc3164', hostname: shortHost, framing: 'octet-counting'},
]

for (const c of loggerCases) {
  test(`logger --server: ${c.name}`, async () => {
    // a real sender is the point of these tests: `logger` (util-linux, Debian's bsdutils) must be there
    assert.ok(hasLogger, 'util-linux logger is not installed (.ci/run installs bsdutils)')
    const h = await start({protocols: [c.proto]})
    const text = `Invalid user pascal from 35.188.49.176 port 53502 (${c.name})`
    await logger(['--server', '127.0.0.1', '--port', String(h.port(c.proto)), '-t', 'sshd', '-p', 'auth.info', ...c.args, text])
    await until(() => h.got.length === 1 || h.errors.length > 0, 'the logger message')
    assert.equal(h.errors, [])
    const {msg, sender, frame} = h.got[0]!
    assert.is(msg.format, c.format)
    assert.is(msg.hostname, c.hostname)
    assert.is(msg.appName, 'sshd')
    assert.is(msg.message, text)
    assert.equal([msg.facility, msg.severity], [4, 6])
    assert.is(frame.framing, c.framing)
    assert.is(sender.address, '127.0.0.1')
    if (c.procId === 'pid') assert.match(msg.procId ?? '', /^\d+$/)
    if (c.msgId !== undefined) assert.is(msg.msgId, c.msgId)
    if (c.sd !== undefined) assert.equal(msg.structuredData.find((e) => e.id === c.sd)?.params, [['tiger', 'hungry']])
    assert.ok(msg.timestamp !== undefined)
    const pid = msg.procId === undefined ? '' : `[${msg.procId}]`
    assert.match(msg.line, new RegExp(`^[A-Z][a-z]{2} \\d{1,2} \\d\\d:\\d\\d:\\d\\d ${c.hostname.replace(/\./g, '\\.')} sshd${pid.replace(/[[\]]/g, '\\$&')}: ${text.replace(/[()]/g, '\\$&')}$`))
    await stop(h)
  })
}

test('every server was closed', () => {
  assert.is(servers.size, 0)
})

test.run()
