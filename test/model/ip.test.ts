import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {
  addrEqual, addrPrefix, formatAddr, formatPrefix, ipNetContains, ipNetString, isV4Like, isV4Mapped, parseAddr, parseIP,
  parseCIDR, parseIPCached, parseIPv4, parsePrefix, prefixContains, prefixContainsV4,
} from '../../src/model/ip.js'

// [text, parseIPv4 value or -1]
const V4: [string, number][] = [
  ['1.2.3.4', 0x01020304], ['0.0.0.0', 0], ['255.255.255.255', 0xffffffff], ['10.0.0.1', 0x0a000001], ['192.168.100.200', 0xc0a864c8],
  ['01.2.3.4', -1], ['1.02.3.4', -1], ['1.2.3.00', -1], ['00.0.0.0', -1], ['256.1.1.1', -1], ['1.2.3.1000', -1],
  ['1.2.3', -1], ['1.2.3.4.5', -1], ['1.2.3.', -1], ['.1.2.3', -1], ['1..2.3', -1], ['', -1], [' 1.2.3.4', -1],
  ['1.2.3.4 ', -1], ['1.2.3.4%eth0', -1], ['1.2.3.4/32', -1], ['1.2.3.-4', -1], ['a.b.c.d', -1], ['１.2.3.4', -1],
]
for (const [text, want] of V4) test(`parseIPv4 ${JSON.stringify(text)} = ${want}`, () => assert.is(parseIPv4(text), want))

test('parseIPv4 reads a slice of the text', () => {
  assert.is(parseIPv4('x1.2.3.4y', 1, 8), 0x01020304)
  assert.is(parseIPv4('x1.2.3.4y', 0, 8), -1)
})

// [text, valid for netip.ParseAddr, is4, canonical text (zone dropped), zone]
const ADDRS: [string, boolean, boolean?, string?, string?][] = [
  ['1.2.3.4', true, true, '1.2.3.4'],
  ['::', true, false, '::'],
  ['::1', true, false, '::1'],
  ['0:0:0:0:0:0:0:1', true, false, '::1'],
  ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', true, false, '2001:db8:85a3::8a2e:370:7334'],
  ['2001:db8:0:0:1:0:0:1', true, false, '2001:db8::1:0:0:1'],
  ['1:2:3:4:5:6:7:0', true, false, '1:2:3:4:5:6:7:0'],
  ['1:2:3:4:5:6:7::', true, false, '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', true, false, '0:2:3:4:5:6:7:8'],
  ['ABCD:EF01::', true, false, 'abcd:ef01::'],
  ['::ffff:1.2.3.4', true, false, '::ffff:1.2.3.4'],
  ['::ffff:102:304', true, false, '::ffff:1.2.3.4'],
  ['64:ff9b::1.2.3.4', true, false, '64:ff9b::102:304'],
  ['1:2:3:4:5:6:1.2.3.4', true, false, '1:2:3:4:5:6:102:304'],
  ['::1.2.3.4', true, false, '::102:304'],
  ['fe80::1%eth0', true, false, 'fe80::1', 'eth0'],
  ['fe80::1%1%2', true, false, 'fe80::1', '1%2'],
  ['::ffff:1.2.3.4%x', true, false, '::ffff:1.2.3.4', 'x'],
  ['fe80::1%', false],
  ['%eth0', false],
  ['fe80%1::', false],
  ['1.2.3.4%eth0', false],
  ['1:2:3:4:5:6:7:8:9', false],
  ['1:2:3:4:5:6:7', false],
  ['1::2::3', false],
  [':::1', false],
  ['1:::2', false],
  [':1::2', false],
  ['1::2:', false],
  ['1:2:3:4:5:6:7:8::', false],
  ['::1:2:3:4:5:6:7:8', false],
  ['12345::1', false],
  ['00000::1', false],
  ['1.2.3.4::', false],
  ['1:2:3:4:5:6:7:1.2.3.4', false],
  ['1:2:3:4:5:1.2.3.4', false],
  ['::ffff:01.2.3.4', false],
  ['::ffff:1a.2.3.4', false],
  ['::ffff:1.2.3', false],
  ['::ffff:1.2.3.4:5', false],
  ['::g', false],
  ['[::1]', false],
  ['::1 ', false],
  ['', false],
  ['abc', false],
  ['1', false],
  [':', false],
  ['1:2:3:4:5:6:7:8'.repeat(20), false],
  ['0000:0000:0000:0000:0000:ffff:255.255.255.255', true, false, '::ffff:255.255.255.255'],
  ['0'.repeat(10000) + '::1', false],
  ['1.' + '1'.repeat(10000) + '.1.1', false],
]
for (const [text, ok, is4, canon, zone] of ADDRS) {
  test(`parseAddr ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '...' : text)}: ${ok}`, () => {
    const a = parseAddr(text)
    if (!ok) return assert.is(a, null)
    assert.ok(a !== null)
    assert.is(a.is4, is4)
    assert.is(formatAddr(a), canon)
    assert.is(a.zone, zone ?? '')
  })
}

test('parseIP (net.ParseIP) rejects zones, keeps the rest of parseAddr', () => {
  assert.is(parseIP('fe80::1%eth0'), null)
  assert.ok(parseIP('fe80::1') !== null)
  assert.ok(parseIP('1.2.3.4') !== null)
  assert.is(parseIP('01.2.3.4'), null)
})

test('parseIPCached returns the same answers as parseIP, also after a change of text', () => {
  for (const text of ['1.2.3.4', '1.2.3.4', '::1', 'bad', 'bad', '', '1.2.3.4', 'fe80::1%x']) {
    const a = parseIPCached(text)
    const b = parseIP(text)
    assert.is(a === null, b === null, text)
    if (a !== null && b !== null) assert.ok(addrEqual(a, b), text)
  }
})

// [text, IPv4-like (net To4 != nil), IPv4-mapped]
const FAMILY: [string, boolean, boolean][] = [
  ['1.2.3.4', true, false], ['::ffff:1.2.3.4', true, true], ['::ffff:0:0', true, true], ['::1', false, false], ['::fffe:1.2.3.4', false, false],
  ['0:0:0:0:1:ffff:1.2.3.4', false, false],
]
for (const [text, like, mapped] of FAMILY) {
  test(`isV4Like/isV4Mapped ${text}`, () => {
    const a = parseAddr(text)!
    assert.is(isV4Like(a), like)
    assert.is(isV4Mapped(a), mapped)
  })
}

test('addrEqual: IPv4 and IPv4-mapped differ, zones matter, spellings do not', () => {
  assert.is(addrEqual(parseAddr('1.2.3.4')!, parseAddr('::ffff:1.2.3.4')!), false)
  assert.is(addrEqual(parseAddr('::1')!, parseAddr('0:0:0:0:0:0:0:1')!), true)
  assert.is(addrEqual(parseAddr('fe80::1%a')!, parseAddr('fe80::1%b')!), false)
  assert.is(addrEqual(parseAddr('fe80::1%a')!, parseAddr('fe80::1%a')!), true)
  assert.is(addrEqual(parseAddr('1.2.3.4')!, parseAddr('1.2.3.5')!), false)
})

// [text, valid, canonical prefix text (netip), net IPNet.String]
const PREFIXES: [string, boolean, string?, string?][] = [
  ['10.0.0.0/8', true, '10.0.0.0/8', '10.0.0.0/8'],
  ['10.1.2.3/8', true, '10.0.0.0/8', '10.0.0.0/8'],
  ['91.121.79.195/21', true, '91.121.72.0/21', '91.121.72.0/21'],
  ['1.2.3.4/0', true, '0.0.0.0/0', '0.0.0.0/0'],
  ['1.2.3.4/32', true, '1.2.3.4/32', '1.2.3.4/32'],
  ['255.255.255.255/31', true, '255.255.255.254/31', '255.255.255.254/31'],
  ['::/0', true, '::/0', '::/0'],
  ['2001:db8:85a3::8a2e:370:7334/64', true, '2001:db8:85a3::/64', '2001:db8:85a3::/64'],
  ['2001:0db8:0000:0000:0001:0000:0000:0001/128', true, '2001:db8::1:0:0:1/128', '2001:db8::1:0:0:1/128'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127', true, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127'],
  ['fe80::/10', true, 'fe80::/10', 'fe80::/10'],
  ['fe80::1/33', true, 'fe80::/33', 'fe80::/33'],
  ['::ffff:1.2.3.4/120', true, '::ffff:1.2.3.0/120', '1.2.3.0/24'],
  ['::ffff:0:0/96', true, '::ffff:0.0.0.0/96', '0.0.0.0/0'],
  ['1.2.3.4/33', false], ['::/129', false], ['1.2.3.4', false], ['1.2.3.4/', false], ['/8', false], ['x/8', false],
  ['10.0.0.0/08', false], ['10.0.0.0/-1', false], ['10.0.0.0/+8', false], ['10.0.0.0/ 8', false], ['10.0.0.0/0008', false],
  ['fe80::1%eth0/64', false], ['01.0.0.0/8', false], ['10.0.0.0/8/8', false],
]
for (const [text, ok, canon, net] of PREFIXES) {
  test(`parsePrefix ${text}: ${ok}`, () => {
    const p = parsePrefix(text)
    if (!ok) return assert.is(p, null)
    assert.ok(p !== null)
    assert.is(formatPrefix(p), canon)
    assert.is(ipNetString(p), net)
  })
}

// net.ParseCIDR reads the length with dtoi: leading zeros are fine there, not in netip.ParsePrefix
const NET_CIDRS: [string, string | null][] = [
  ['10.0.0.0/08', '10.0.0.0/8'], ['10.0.0.0/0008', '10.0.0.0/8'], ['10.1.2.3/032', '10.1.2.3/32'], ['10.0.0.0/00', '0.0.0.0/0'],
  ['::1/0128', '::1/128'], ['10.0.0.0/8', '10.0.0.0/8'], ['10.0.0.0/033', null], ['10.0.0.0/', null], ['10.0.0.0/+8', null],
  ['10.0.0.0/-8', null], ['10.0.0.0/8 ', null], ['10.0.0.0/8/8', null], ['10.0.0.0/99999999999999999999', null],
  ['fe80::1%eth0/64', null], ['10.0.0.0', null], ['/8', null],
]
for (const [text, want] of NET_CIDRS) {
  test(`parseCIDR (net) ${text} = ${want}`, () => {
    const p = parseCIDR(text)
    assert.is(p === null ? null : formatPrefix(p), want)
  })
}

// [prefix, address, netip Prefix.Contains, net IPNet.Contains as IpInRange uses it]
const CONTAINS: [string, string, boolean, boolean][] = [
  ['10.0.0.0/8', '10.255.1.2', true, true],
  ['10.0.0.0/8', '11.0.0.1', false, false],
  ['10.0.0.0/8', '9.255.255.255', false, false],
  ['10.1.2.3/8', '10.9.9.9', true, true],
  ['10.0.0.0/8', '::ffff:10.0.0.1', false, true],
  ['::ffff:0:0/96', '10.0.0.1', false, true], // net: a mapped /96 network is IPv4 0.0.0.0/0
  ['0.0.0.0/0', '1.2.3.4', true, true],
  ['0.0.0.0/0', '255.255.255.255', true, true],
  ['0.0.0.0/0', '::1', false, false],
  ['::/0', '1.2.3.4', false, false],
  ['::/0', '2001:db8::1', true, true],
  ['1.2.3.4/32', '1.2.3.4', true, true],
  ['1.2.3.4/32', '1.2.3.5', false, false],
  ['128.0.0.0/1', '200.0.0.1', true, true],
  ['128.0.0.0/1', '127.255.255.255', false, false],
  ['172.16.0.0/12', '172.31.255.255', true, true],
  ['172.16.0.0/12', '172.32.0.1', false, false],
  ['fe80::/10', 'fe80::1', true, true],
  ['fe80::/10', 'febf::1', true, true],
  ['fe80::/10', 'fec0::1', false, false],
  ['fe80::/10', 'fe80::1%eth0', false, true],
  ['fc00::/7', 'fdff::1', true, true],
  ['::1/128', '::1', true, true],
  ['::1/128', '::2', false, false],
  ['2001:db8::/32', '2001:db8:ffff::1', true, true],
  ['2001:db8::/32', '2001:db9::1', false, false],
  ['2001:db8::1:0/112', '2001:db8::1:ffff', true, true],
  ['2001:db8::1:0/112', '2001:db8::2:0', false, false],
  ['2001:db8::/127', '2001:db8::1', true, true],
  ['2001:db8::/127', '2001:db8::2', false, false],
]
for (const [prefix, addr, strict, net] of CONTAINS) {
  test(`${prefix} contains ${addr}: netip ${strict}, net ${net}`, () => {
    const p = parsePrefix(prefix)!
    const a = parseAddr(addr)!
    assert.is(prefixContains(p, a), strict)
    assert.is(ipNetContains(p, a), net)
    const v4 = parseIPv4(addr)
    if (v4 >= 0) assert.is(prefixContainsV4(p, v4), strict)
  })
}

// netip Addr.Prefix, as IpToRange uses it
const ADDR_PREFIX: [string, number, string | null][] = [
  ['192.168.1.77', 24, '192.168.1.0/24'], ['192.168.1.77', 0, '0.0.0.0/0'], ['192.168.1.77', 32, '192.168.1.77/32'],
  ['192.168.1.77', 33, null], ['192.168.1.77', -1, null], ['2001:db8::1', 128, '2001:db8::1/128'], ['2001:db8::1', 129, null],
  ['::ffff:1.2.3.4', 120, '::ffff:1.2.3.0/120'], ['fe80::1%eth0', 64, 'fe80::/64'],
]
for (const [addr, bits, want] of ADDR_PREFIX) {
  test(`addrPrefix(${addr}, ${bits}) = ${want}`, () => {
    const p = addrPrefix(parseAddr(addr)!, bits)
    assert.is(p === null ? null : formatPrefix(p), want)
  })
}

test.run()
