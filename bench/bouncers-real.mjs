// Bouncers against real targets (issue 17): crowd's firewall package with the real nft in a network
// namespace, side by side with Debian's crowdsec-firewall-bouncer (nftables mode, its own namespace),
// both pulling the same decision stream from the same `crowd lapi serve`; and crowd's custom package.
//   startup   --decisions decisions imported (IPv4 mostly, some IPv6 and ranges); each firewall bouncer
//             started in a fresh namespace, one after the other: time from spawn (namespace and relay
//             included, the same for both) to the nftables commit after which its sets hold every
//             value (commits seen on netlink, sets counted with `nft -j list set`); whether an address
//             inside a banned range is in its sets; peak RSS (VmHWM) of each bouncer process (crowd's
//             sandbox process apart); --rounds rounds, medians, crowd/Debian ratio
//   latency   with both firewalls and `crowd bouncer run custom` (feed_via_stdin, a script appending
//             to a file) running: `crowd decisions add --ip X` --samples times, 150-350ms after the
//             previous one returned, and the time until X is in each firewall's set (`nft monitor`)
//             or in the script's file; p50/p99 from the command's start (a Node CLI starting: about
//             a second here) and from its exit (the decision stored); each bouncer polls every
//             --update-frequency, which bounds the latency from below
// Root, ip, nft and crowdsec-firewall-bouncer needed (else "skipped: ..."); python3 for the commit
// watcher (else the sets are listed in a loop). Every process and namespace started is stopped and
// deleted, also on error (test/helpers/crowdsec.ts cleanup, its exit hooks as a last resort).
//   node --import tsx bench/bouncers-real.mjs [--decisions 100000] [--rounds 3] [--samples 30]
//     [--update-frequency 200ms] [--timeout 900]
import {spawn, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {arg, median, report, ROOT} from './lib.mjs'

const decisions = Number(arg('--decisions', '100000'))
const rounds = Number(arg('--rounds', '3'))
const samples = Number(arg('--samples', '30'))
const updateFrequency = arg('--update-frequency', '200ms')
const timeoutMs = Number(arg('--timeout', '900')) * 1000
const BIN = path.join(ROOT, 'bin', 'run.js')
const NFT = '/usr/sbin/nft' // what crowd's firewall package is granted (its manifest)

function skip(why) {
  console.log(`${'bouncers real'.padEnd(28)} skipped: ${why}`)
  process.exit(0)
}

if (typeof process.getuid === 'function' && process.getuid() !== 0) skip('needs root (network namespaces, nftables)')
const {Cleanup, makeTempDir, spawnManaged, startFirewallBouncerInNetns, which} = await import('../test/helpers/crowdsec.ts')
const {createNetns, forwardIntoNetns, netnsSupported, run} = await import('../test/helpers/netns.ts')
const {packPlugins} = await import('../src/hub/pack.ts')
for (const b of ['ip', 'crowdsec-firewall-bouncer']) if (!which(b)) skip(`${b} not on PATH`)
if (!fs.existsSync(NFT)) skip(`${NFT} missing (nftables)`)
if (!fs.existsSync(path.join(ROOT, 'dist', 'platform', 'regexp-guard.js'))) skip('dist/ not built (bin/run.js runs it)')
const ns0 = netnsSupported()
if (!ns0.ok) skip(ns0.reason)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const p99 = (sorted) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]

// ---------------------------------------------------------------------------------------------------
// The decisions: disjoint address spaces, values written canonically (as nft prints them)

const nRanges = Math.max(1, Math.floor(decisions / 50))
const nIpv6 = Math.max(1, Math.floor(decisions / 12))
const nIpv4 = decisions - nRanges - nIpv6
const rows = []
for (let i = 0; i < nIpv4; i++) rows.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},Ip`)
for (let i = 0; i < nIpv6; i++) rows.push(`2001:db8::${(i + 1).toString(16)},Ip`)
for (let i = 0; i < nRanges; i++) {
  // half IPv4 /24s in 100.64.0.0/10, half IPv6 /64s in 2001:db8:ffff::/48
  if (i % 2 === 0) rows.push(`100.${64 + ((i >> 9) & 63)}.${(i >> 1) & 255}.0/24,Range`)
  else rows.push(`2001:db8:ffff:${((i >> 1) + 1).toString(16)}::/64,Range`)
}

/** [family, table, set] of each bouncer's sets (both use CrowdSec's names; crowd adds `-ranges` interval sets). */
const DEBIAN_SETS = [['ip', 'crowdsec', 'crowdsec-blacklists'], ['ip6', 'crowdsec6', 'crowdsec6-blacklists']]
const CROWD_SETS = [...DEBIAN_SETS, ['ip', 'crowdsec', 'crowdsec-blacklists-ranges'], ['ip6', 'crowdsec6', 'crowdsec6-blacklists-ranges']]

/** Elements in each set (0 while a set does not exist yet), listed inside the namespace. */
async function countElements(ns, sets) {
  const counts = []
  for (const [family, table, set] of sets) {
    const r = await ns.exec('nft', ['-j', 'list', 'set', family, table, set], {timeoutMs: 120_000})
    if (r.code !== 0) {
      counts.push(0)
      continue
    }
    const doc = JSON.parse(r.stdout)
    counts.push(doc.nftables.find((e) => e.set)?.set.elem?.length ?? 0)
  }
  return {total: counts.reduce((a, b) => a + b, 0), counts}
}

/**
 * Watches nftables commits inside a namespace: a python3 netlink socket on the NFNLGRP_NFTABLES group
 * printing a line per NFT_MSG_NEWGEN (one per committed transaction; element events are skipped
 * unparsed, so a 100,000-element commit costs it little, unlike `nft monitor` which prints each).
 * Returns {gens, lastAt, stop} (gens counts commits seen), or undefined without python3.
 */
const GEN_WATCHER = `
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
try:
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
except OSError:
    pass
s.bind((0, 0))
s.setsockopt(270, 1, 7)  # SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTABLES
print('ready', flush=True)
while True:
    try:
        data = s.recv(1 << 20)
    except OSError as e:
        if e.errno == 105:  # ENOBUFS: events lost, something was committed
            print('gen', flush=True)
            continue
        raise
    off = 0
    gen = False
    while off + 16 <= len(data):
        length, kind = struct.unpack_from('=IH', data, off)
        if kind == (10 << 8) | 15:  # NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN
            gen = True
        if length < 16:
            break
        off += (length + 3) & ~3
    if gen:
        print('gen', flush=True)
`
async function watchCommits(cleanup, ns) {
  if (!which('python3')) return undefined
  const state = {gens: 0, lastAt: undefined, ready: false}
  let readyResolve
  const ready = new Promise((r) => (readyResolve = r))
  const stop = watchLines(cleanup, ns.argv('python3', ['-c', GEN_WATCHER]), (line, at) => {
    if (line === 'ready') {
      state.ready = true
      readyResolve(true)
    } else if (line === 'gen') {
      state.gens++
      state.lastAt = at
    }
  })
  const ok = await Promise.race([ready, sleep(10_000).then(() => false)])
  if (!ok) {
    await stop()
    return undefined
  }
  state.stop = stop
  return state
}

/**
 * Waits until the sets hold `expected` elements. With a commit watcher: lists the sets after each
 * commit (never more than a quarter of the time: listing 100,000 elements costs ~1 s of CPU) and
 * returns the time of the last commit seen before the complete listing began (the one completing
 * the sets). Without: lists in a loop and returns when the complete listing began.
 */
async function waitForElements(cleanup, what, ns, sets, expected, proc, watcher) {
  const deadline = performance.now() + timeoutMs
  let last
  try {
    for (;;) {
      const ex = proc.exitInfo()
      if (ex) throw new Error(`${what} exited (${ex.signal ?? ex.code}):\n${proc.output().slice(-3000)}`)
      const seen = watcher?.gens ?? 0
      const commitAt = watcher?.lastAt
      const listAt = performance.now()
      last = await countElements(ns, sets)
      const listMs = performance.now() - listAt
      if (last.total >= expected) return {at: commitAt ?? listAt, counts: last.counts, commitTimed: commitAt !== undefined}
      if (performance.now() > deadline) throw new Error(`${what}: ${last.total}/${expected} elements after ${timeoutMs} ms (${last.counts.join('/')}):\n${proc.output().slice(-3000)}`)
      if (!watcher) {
        await sleep(Math.max(50, listMs))
        continue
      }
      await sleep(Math.max(20, 3 * listMs))
      const until = performance.now() + 2000
      while (watcher.gens === seen && performance.now() < until && !proc.exitInfo()) await sleep(5)
    }
  } finally {
    await watcher?.stop()
  }
}

/** The pids under `pid` (crowd's sandbox process, the programs it runs). */
function descendantsOf(pid) {
  const children = new Map()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(name))
    } catch {
      /* gone */
    }
  }
  const out = []
  const stack = [...(children.get(pid) ?? [])]
  while (stack.length > 0) {
    const p = stack.pop()
    out.push(p)
    stack.push(...(children.get(p) ?? []))
  }
  return out
}

/** Peak RSS in MB (VmHWM) of `pid`, and the sum over its descendants (crowd's sandbox process). */
function peakRss(pid) {
  const hwm = (p) => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))
      return m ? Number(m[1]) / 1024 : 0
    } catch {
      return 0
    }
  }
  return {self: hwm(pid), descendants: descendantsOf(pid).reduce((sum, p) => sum + hwm(p), 0)}
}

let clockTicks
/** CPU seconds used so far by `pid`, its reaped children and its live descendants. */
function cpuSeconds(pid) {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'})
    clockTicks = Number(r.stdout) > 0 ? Number(r.stdout) : 100
  }
  let ticks = 0
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) // utime stime cutime cstime
    } catch {
      /* gone */
    }
  }
  return ticks / clockTicks
}

/** `fn` registered with the cleanup and runnable once, early: returns the early runner. */
function track(cleanup, label, fn) {
  let done = false
  const once = async () => {
    if (done) return
    done = true
    await fn()
  }
  const unregister = cleanup.add(label, once)
  return async () => {
    unregister()
    await once()
  }
}

/** Lines of a long-running command inside a namespace, each with the time it arrived. */
function watchLines(cleanup, argv, onLine) {
  const child = spawn(argv[0], argv[1], {stdio: ['ignore', 'pipe', 'ignore']})
  let rest = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const at = performance.now()
    const lines = (rest + chunk).split('\n')
    rest = lines.pop()
    for (const line of lines) onLine(line, at)
  })
  return track(cleanup, `stop ${argv[1].join(' ')}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
  })
}

// ---------------------------------------------------------------------------------------------------

const cleanup = new Cleanup()
let failed = false
try {
  const home = makeTempDir('bench-bouncers')
  cleanup.add('remove the crowd home', () => home.remove())
  const dir = home.dir
  const env = {...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CROWD_HOME: dir, CROWD_CONFIG: path.join(dir, 'crowd.toml'), CROWD_LOG_LEVEL: '', CROWD_STORE_URL: '', XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data')}
  fs.writeFileSync(env.CROWD_CONFIG, '')
  const crowd = async (args) => {
    const r = await run(process.execPath, [BIN, ...args], {env, timeoutMs: 300_000})
    if (r.code !== 0) throw new Error(`crowd ${args.join(' ')}: exit ${r.code}\n${r.stderr}`)
    return r.stdout
  }

  // crowd's bouncer packages from this checkout, packed into a directory source and installed (grants recorded)
  const plugins = path.join(dir, 'src', 'plugins')
  for (const name of ['bouncer-firewall', 'bouncer-custom']) fs.cpSync(path.join(ROOT, 'plugins', 'crowd', name), path.join(plugins, 'crowd', name), {recursive: true})
  packPlugins({pluginsDir: plugins, outDir: path.join(dir, 'src', 'dist'), indexFile: path.join(dir, 'src', 'hub-index.json')})
  await crowd(['hub', 'install', 'crowd/bouncer-firewall', 'crowd/bouncer-custom', '--source', path.join(dir, 'src'), '--yes'])

  const csv = path.join(dir, 'decisions.csv')
  fs.writeFileSync(csv, 'value,scope\n' + rows.join('\n') + '\n')
  let t = performance.now()
  await crowd(['decisions', 'import', csv, '--format', 'csv', '--duration', '4h', '--reason', 'bench'])
  const importMs = performance.now() - t
  const keys = {}
  for (const name of ['debian-firewall', 'firewall', 'custom']) keys[name] = JSON.parse(await crowd(['bouncers', 'add', name, '--json'])).api_key

  const lapi = spawnManaged('crowd lapi serve', process.execPath, [BIN, 'lapi', 'serve', '--listen', '127.0.0.1:0'], {cwd: ROOT, env, cleanup})
  const url = (await lapi.waitForOutput(/crowd lapi listening on (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1]
  const port = Number(new URL(url).port)
  report('bouncers real setup', {decisions, ipv4: nIpv4, ipv6: nIpv6, ranges: nRanges, importMs, updateFrequency})

  const bouncersDir = path.join(dir, 'bouncers')
  fs.mkdirSync(bouncersDir)
  fs.writeFileSync(path.join(bouncersDir, 'firewall.yaml'), `api_url: ${url}\napi_key: ${keys.firewall}\nupdate_frequency: ${updateFrequency}\nmode: nftables\nnft_path: ${NFT}\n`)

  const startDebian = async () => {
    const t0 = performance.now()
    const fw = await startFirewallBouncerInNetns({url, apiKey: keys['debian-firewall'], updateFrequency, cleanup})
    // (its first commits, the table, are before the watcher: the harness returns once the table exists)
    const watcher = await watchCommits(cleanup, fw.netns)
    const done = await waitForElements(cleanup, 'crowdsec-firewall-bouncer', fw.netns, DEBIAN_SETS, debianExpected, fw.process, watcher)
    return {ms: done.at - t0, timedBy: done.commitTimed ? 'commit' : 'listing', counts: done.counts, rss: peakRss(fw.process.pid), netns: fw.netns, stop: () => fw.stop(), proc: fw.process}
  }
  const startCrowd = async () => {
    const t0 = performance.now()
    const ns = await createNetns()
    const destroy = track(cleanup, 'delete the namespace', () => ns.destroy())
    const relay = await forwardIntoNetns(ns, {host: '127.0.0.1', port})
    const unrelay = track(cleanup, 'stop the relay', () => relay.stop())
    // the watcher's start (Debian's starts after spawn) is left out of crowd's time
    const w0 = performance.now()
    const watcher = await watchCommits(cleanup, ns)
    const watcherMs = performance.now() - w0
    const setupMs = performance.now() - t0 - watcherMs
    const proc = spawnManaged(`crowd bouncer run firewall in ${ns.name}`, 'ip', ['netns', 'exec', ns.name, process.execPath, BIN, 'bouncer', 'run', 'firewall', '--log-level', 'info'], {cwd: ROOT, env})
    const stopProc = track(cleanup, 'stop crowd bouncer run firewall', () => proc.stop())
    // milestones of its log (a startup above one chunk, 10,000): the stream read, the sets listed (resync)
    const marks = {}
    for (const [k, re] of [['readMs', /decisions read from the LAPI/], ['resyncMs', /resync: the target holds/]]) {
      proc.waitForOutput(re, timeoutMs).then(() => (marks[k] = performance.now() - t0), () => {})
    }
    const done = await waitForElements(cleanup, 'crowd bouncer run firewall', ns, CROWD_SETS, decisions, proc, watcher)
    for (const k of Object.keys(marks)) marks[k] -= watcherMs
    return {ms: done.at - t0 - watcherMs, timedBy: done.commitTimed ? 'commit' : 'listing', setupMs, marks, counts: done.counts, rss: peakRss(proc.pid), netns: ns, proc, stop: async () => {
      await stopProc()
      await unrelay()
      await destroy()
    }}
  }

  // Debian's bouncer (0.0.25) adds a range as the address before its '/' (sets without intervals):
  // one element per decision for both, but only crowd's block the rest of a range (rangeBlocked)
  const debianExpected = decisions
  /** Whether an address inside the first banned IPv4 range (100.64.0.0/24) is in one of the sets. */
  const rangeBlocked = async (ns, sets) => {
    for (const [family, table, set] of sets) {
      if (family === 'ip' && (await ns.exec('nft', ['get', 'element', family, table, set, '{ 100.64.0.1 }'])).code === 0) return 'yes'
    }
    return 'no'
  }
  const results = {debian: [], crowd: []}
  let debian
  let crowdFw
  for (let r = 0; r < rounds; r++) {
    const last = r === rounds - 1
    for (const side of r % 2 === 0 ? ['debian', 'crowd'] : ['crowd', 'debian']) {
      const res = side === 'debian' ? await startDebian() : await startCrowd()
      res.rangeBlocked = await rangeBlocked(res.netns, side === 'debian' ? DEBIAN_SETS : CROWD_SETS)
      results[side].push(res)
      if (last) side === 'debian' ? (debian = res) : (crowdFw = res)
      else await res.stop()
    }
  }
  const med = (list, f) => median(list.map(f))
  const dMs = med(results.debian, (x) => x.ms)
  const cMs = med(results.crowd, (x) => x.ms)
  report('firewall startup debian', {decisions, elements: results.debian[0].counts.reduce((a, b) => a + b, 0), rounds, timedBy: results.debian.map((x) => x.timedBy).join(','), rangeBlocked: results.debian[0].rangeBlocked, ms: dMs, perSecond: decisions / (dMs / 1000), rssMb: med(results.debian, (x) => x.rss.self)})
  report('firewall startup crowd', {decisions, elements: decisions, rounds, timedBy: results.crowd.map((x) => x.timedBy).join(','), rangeBlocked: results.crowd[0].rangeBlocked, ms: cMs, perSecond: decisions / (cMs / 1000), rssMb: med(results.crowd, (x) => x.rss.self), sandboxRssMb: med(results.crowd, (x) => x.rss.descendants), netnsSetupMs: med(results.crowd, (x) => x.setupMs), streamReadAtMs: med(results.crowd, (x) => x.marks.readMs ?? NaN), resyncAtMs: med(results.crowd, (x) => x.marks.resyncMs ?? NaN)})
  report('firewall startup ratio', {crowdOverDebian: cMs / dMs, all: results.crowd.map((x, i) => `${Math.round(x.ms)}/${Math.round(results.debian[i].ms)}`).join(',')})

  // ---- latency: both firewalls running, and crowd's custom bouncer
  const recorded = path.join(dir, 'custom.out')
  const script = path.join(dir, 'record.sh')
  fs.writeFileSync(script, `#!/bin/sh\ncat >> '${recorded}'\n`, {mode: 0o755})
  fs.writeFileSync(path.join(bouncersDir, 'custom.yaml'), `api_url: ${url}\napi_key: ${keys.custom}\nupdate_frequency: ${updateFrequency}\nbin_path: ${script}\nfeed_via_stdin: true\n`)
  const seen = {debian: new Map(), crowd: new Map(), custom: new Map()}
  // the custom script's file: read as it grows (stat every 5 ms), one JSON line per decision
  let offset = 0
  let rest = ''
  let customLines = 0
  const readRecorded = () => {
    let size
    try {
      size = fs.statSync(recorded).size
    } catch {
      return
    }
    if (size <= offset) return
    const at = performance.now()
    const fd = fs.openSync(recorded, 'r')
    const buf = Buffer.alloc(size - offset)
    fs.readSync(fd, buf, 0, buf.length, offset)
    fs.closeSync(fd)
    offset = size
    const lines = (rest + buf.toString('utf8')).split('\n')
    rest = lines.pop()
    customLines += lines.length
    for (const line of lines) {
      if (!line.includes('"add"')) continue
      const value = JSON.parse(line).value
      if (!seen.custom.has(value)) seen.custom.set(value, at)
    }
  }
  const tail = setInterval(readRecorded, 5)
  cleanup.add('stop reading the custom file', () => clearInterval(tail))
  t = performance.now()
  const custom = spawnManaged('crowd bouncer run custom', process.execPath, [BIN, 'bouncer', 'run', 'custom', '--log-level', 'info'], {cwd: ROOT, env, cleanup})
  const customDeadline = performance.now() + timeoutMs
  while (customLines < decisions) {
    if (custom.exitInfo() || performance.now() > customDeadline) throw new Error(`crowd bouncer run custom: ${customLines}/${decisions} lines:\n${custom.output().slice(-3000)}`)
    await sleep(20)
  }
  report('custom startup crowd', {decisions, ms: performance.now() - t, rssMb: peakRss(custom.pid).self, sandboxRssMb: peakRss(custom.pid).descendants})

  // `nft monitor` in each firewall namespace: the moment an element is added, without polling
  const monitor = (fw, into) =>
    watchLines(cleanup, ['ip', ['netns', 'exec', fw.netns.name, 'nft', 'monitor']], (line, at) => {
      const m = /^add element \S+ \S+ \S+ \{ (.*) \}/.exec(line)
      if (!m) return
      for (const el of m[1].split(',')) {
        const value = el.trim().split(' ')[0]
        if (!into.has(value)) into.set(value, at)
      }
    })
  const stopMonitors = [monitor(debian, seen.debian), monitor(crowdFw, seen.crowd)]
  await sleep(500)

  const pids = {debian: debian.proc.pid, crowd: crowdFw.proc.pid, custom: custom.pid}
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const added = []
  for (let i = 0; i < samples; i++) {
    const value = `198.18.${(i >> 8) & 255}.${(i & 255) + 1}`
    const start = performance.now()
    await crowd(['decisions', 'add', '--ip', value, '--duration', '1h', '--reason', 'bench latency'])
    added.push({value, start, stored: performance.now()})
    await sleep(150 + Math.random() * 200)
  }
  const waitUntil = performance.now() + 60_000 // Debian's bouncer re-reads its whole set per update: seconds at 100,000
  while (performance.now() < waitUntil && !Object.values(seen).every((m) => added.every((a) => m.has(a.value)))) await sleep(50)
  for (const stop of stopMonitors) await stop()
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - cpu0[k]]))
  const cliMs = median(added.map((a) => a.stored - a.start))
  for (const [name, label] of [['crowd', 'latency firewall crowd'], ['debian', 'latency firewall debian'], ['custom', 'latency custom crowd']]) {
    const got = added.filter((a) => seen[name].has(a.value))
    const fromStart = got.map((a) => seen[name].get(a.value) - a.start).sort((x, y) => x - y)
    const fromStored = got.map((a) => seen[name].get(a.value) - a.stored).sort((x, y) => x - y)
    report(label, {samples, seen: got.length, updateFrequency, p50Ms: median(fromStart), p99Ms: p99(fromStart), storedP50Ms: median(fromStored), storedP99Ms: p99(fromStored), addCliMs: cliMs, cpuS: cpu[name]})
  }
  const end = {debian: peakRss(debian.proc.pid), crowd: peakRss(crowdFw.proc.pid), custom: peakRss(custom.pid)}
  report('rss at end', {debianFirewallMb: end.debian.self, crowdFirewallMb: end.crowd.self, crowdFirewallSandboxMb: end.crowd.descendants, crowdCustomMb: end.custom.self, crowdCustomSandboxMb: end.custom.descendants})
} catch (e) {
  failed = true
  console.error(`bouncers-real failed: ${e.stack ?? e}`)
} finally {
  try {
    await cleanup.run()
  } catch (e) {
    failed = true
    console.error(`bouncers-real cleanup: ${e.message}`)
  }
}
process.exit(failed ? 1 : 0)
