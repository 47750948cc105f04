import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {intervalContains, isAddressScope, normalizeScope, parseIpInterval, type IpInterval} from '../../src/store/ip-range.js'

const v4 = (start: string, end = start): IpInterval => ({ipSize: 4, start, end})
const v6 = (start: string, end = start): IpInterval => ({ipSize: 16, start, end})
const Z = '0'.repeat(32)
const F = 'f'.repeat(32)

// value -> interval (Go net.ParseIP / net.ParseCIDR; lapi.md §3.4, §6)
const INTERVALS: [string, IpInterval | null][] = [
  ['1.2.3.4', v4('01020304')],
  ['0.0.0.0', v4('00000000')],
  ['255.255.255.255', v4('ffffffff')],
  ['1.2.3.0/24', v4('01020300', '010203ff')],
  ['1.2.3.4/24', v4('01020300', '010203ff')], // host bits set: the network (Go ParseCIDR)
  ['4.4.4.2/28', v4('04040400', '0404040f')],
  ['4.4.0.0/16', v4('04040000', '0404ffff')],
  ['1.2.3.4/32', v4('01020304')],
  ['0.0.0.0/0', v4('00000000', 'ffffffff')],
  ['128.0.0.0/1', v4('80000000', 'ffffffff')],
  // IPv4-mapped IPv6 is IPv4
  ['::ffff:1.2.3.4', v4('01020304')],
  ['::ffff:102:304', v4('01020304')],
  ['::ffff:1.2.3.0/120', v4('01020300', '010203ff')],
  // IPv6: 32 lowercase hex digits
  ['2001:db8::1', v6('20010db8000000000000000000000001')],
  ['2001:DB8::1', v6('20010db8000000000000000000000001')],
  ['::1', v6('00000000000000000000000000000001')],
  ['::', v6(Z)],
  ['2001:db8::/32', v6('20010db8' + '0'.repeat(24), '20010db8' + 'f'.repeat(24))],
  ['2001:db8:1:2::/64', v6('20010db8000100020000000000000000', '20010db800010002ffffffffffffffff')],
  ['2001:db8::5/127', v6('20010db8000000000000000000000004', '20010db8000000000000000000000005')],
  ['::/0', v6(Z, F)],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', v6(F)],
  ['::1.2.3.4', v6('00000000000000000000000001020304')], // IPv4-compatible, not mapped: IPv6
  // not addresses
  ['', null],
  ['abc', null],
  ['1.2.3', null],
  ['1.2.3.256', null],
  ['01.2.3.4', null],
  [' 1.2.3.4', null],
  ['1.2.3.4 ', null],
  ['1.2.3.4/33', null],
  ['1.2.3.4/', null],
  ['1.2.3.4/-1', null],
  ['/24', null],
  ['2001:db8::/129', null],
  ['2001:db8:::1', null],
  ['fe80::1%eth0', null],
  ['fe80::1%eth0/64', null],
  ["' OR 1=1 --", null],
]

for (const [text, expected] of INTERVALS) {
  test(`parseIpInterval(${JSON.stringify(text)})`, () => {
    assert.equal(parseIpInterval(text), expected)
  })
}

test('interval bounds sort as numbers (fixed-width lowercase hex)', () => {
  const ips = ['9.0.0.0', '10.0.0.0', '100.0.0.0', '255.0.0.1', '1.2.3.4']
  const sorted = ips.map((ip) => parseIpInterval(ip)!.start).sort()
  assert.equal(sorted, ['01020304', '09000000', '0a000000', '64000000', 'ff000001'])
})

const SCOPES: [string, string][] = [
  ['ip', 'Ip'],
  ['IP', 'Ip'],
  ['iP', 'Ip'],
  ['Ip', 'Ip'],
  ['range', 'Range'],
  ['RANGE', 'Range'],
  ['Range', 'Range'],
  ['as', 'AS'],
  ['As', 'AS'],
  ['AS', 'AS'],
  ['country', 'Country'],
  ['COUNTRY', 'Country'],
  ['username', 'username'],
  ['Username', 'Username'],
  ['lists:firehol', 'lists:firehol'],
  ['crowdsecurity/community-blocklist', 'crowdsecurity/community-blocklist'],
  ['ips', 'ips'],
  ['', ''],
]

for (const [scope, expected] of SCOPES) {
  test(`normalizeScope(${JSON.stringify(scope)}) = ${JSON.stringify(expected)}`, () => {
    assert.is(normalizeScope(scope), expected)
  })
}

test('isAddressScope: Ip and Range in any case, nothing else', () => {
  for (const s of ['Ip', 'ip', 'IP', 'Range', 'range', 'RANGE']) assert.ok(isAddressScope(s), s)
  for (const s of ['AS', 'Country', 'username', '', 'ips', 'ranges', 'lists:ip']) assert.not.ok(isAddressScope(s), s)
})

test('intervalContains: same family, outer bounds around inner', () => {
  const i = (s: string) => parseIpInterval(s)!
  assert.ok(intervalContains(i('4.4.4.0/24'), i('4.4.4.3')))
  assert.ok(intervalContains(i('4.4.4.0/24'), i('4.4.4.2/28')))
  assert.ok(intervalContains(i('4.4.4.0/24'), i('4.4.4.0/24')))
  assert.not.ok(intervalContains(i('4.4.4.0/24'), i('4.4.0.0/16')))
  assert.ok(intervalContains(i('1.2.3.0/24'), i('::ffff:1.2.3.4')))
  assert.ok(intervalContains(i('2001:db8::/32'), i('2001:db8:1::5')))
  assert.not.ok(intervalContains(i('0.0.0.0/0'), i('::1')), 'IPv4 never contains IPv6')
  assert.not.ok(intervalContains(i('::/0'), i('1.2.3.4')), 'IPv6 never contains IPv4 (size differs)')
})

test.run()
