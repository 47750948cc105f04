import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {isStringSlice} from '../../../src/model/go-values.js'

const h = createHelpers(createHelperContext({dns: {lookupHost: (name) => (name === 'localhost' ? ['127.0.0.1', '::1'] : undefined)}}))

// [input, IsIP, IsIPV4, IsIPV6]
const PARSE: [string, boolean, boolean, boolean][] = [
  ['1.2.3.4', true, true, false],
  ['255.255.255.255', true, true, false],
  ['0.0.0.0', true, true, false],
  ['256.1.1.1', false, false, false],
  ['01.2.3.4', false, false, false],
  ['1.2.3', false, false, false],
  ['1.2.3.4.5', false, false, false],
  ['1.2.3.', false, false, false],
  [' 1.2.3.4', false, false, false],
  ['::1', true, false, true],
  ['::', true, false, true],
  ['2001:db8::1', true, false, true],
  ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', true, false, true],
  ['::ffff:1.2.3.4', true, true, false],
  ['::ffff:102:304', true, true, false],
  ['64:ff9b::1.2.3.4', true, false, true],
  ['fe80::1%eth0', false, false, false],
  ['[::1]', false, false, false],
  ['1:2:3:4:5:6:7:8:9', false, false, false],
  ['1::2::3', false, false, false],
  ['12345::1', false, false, false],
  ['1:2:3:4:5:6:7::', true, false, true],
  ['', false, false, false],
  ['abc', false, false, false],
]

for (const [input, ip, v4, v6] of PARSE) {
  test(`IsIP/IsIPV4/IsIPV6(${JSON.stringify(input)}) = ${ip}/${v4}/${v6}`, () => {
    assert.is(h.IsIP!(input), ip)
    assert.is(h.IsIPV4!(input), v4)
    assert.is(h.IsIPV6!(input), v6)
  })
}

const RANGES: [string, string, boolean][] = [
  ['192.168.1.5', '192.168.1.0/24', true],
  ['192.168.2.5', '192.168.1.0/24', false],
  ['192.168.1.5', '192.168.1.77/24', true],
  ['10.0.0.1', '0.0.0.0/0', true],
  ['::ffff:192.168.1.5', '192.168.1.0/24', true],
  ['192.168.1.5', '::ffff:192.168.1.0/120', true], // Go: a mapped network is an IPv4 one
  ['192.168.2.5', '::ffff:192.168.1.0/120', false],
  ['::1', '::ffff:0:0/64', true], // the masked network is ::/64, an IPv6 one
  ['10.1.2.3', '::ffff:0:0/80', false],
  ['10.1.2.3', '::ffff:0:0/96', true],
  ['2001:db8::1', '2001:db8::/32', true],
  ['2001:db9::1', '2001:db8::/32', false],
  ['1.2.3.4', '1.2.3.4/32', true],
  ['1.2.3.4', '1.2.3.4/33', false],
  ['1.2.3.4', '1.2.3.4', false],
  ['garbage', '1.2.3.0/24', false],
  ['1.2.3.4', 'garbage', false],
  ['2001:db8::1', '1.2.3.0/24', false],
  ['1.2.3.4', '::/0', false],
  ['172.16.5.4', '172.16.0.0/12', true],
  ['172.32.0.1', '172.16.0.0/12', false],
  ['10.1.2.3', '10.0.0.0/08', true],
  ['fe80::1%eth0', 'fe80::/10', false],
  ['01.2.3.4', '0.0.0.0/0', false],
]

for (const [ip, cidr, want] of RANGES) {
  test(`IpInRange(${ip}, ${cidr}) = ${want}`, () => {
    assert.is(h.IpInRange!(ip, cidr), want)
  })
}

const TO_RANGE: [string, string, string][] = [
  ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '/64', '2001:db8:85a3::/64'],
  ['192.168.1.77', '/24', '192.168.1.0/24'],
  ['192.168.1.77', '24', '192.168.1.0/24'],
  ['192.168.1.77', '32', '192.168.1.77/32'],
  ['192.168.1.77', '0', '0.0.0.0/0'],
  ['192.168.1.77', '/33', ''],
  ['192.168.1.77', 'x', ''],
  ['bad', '/24', ''],
  ['::ffff:1.2.3.4', '/120', '::ffff:1.2.3.0/120'],
  ['2001:db8::1', '/128', '2001:db8::1/128'],
  ['1:0:0:2:0:0:0:3', '/128', '1:0:0:2::3/128'],
  ['1:0:0:2:0:0:3:4', '/128', '1::2:0:0:3:4/128'],
]

for (const [ip, mask, want] of TO_RANGE) {
  test(`IpToRange(${ip}, ${mask}) = ${JSON.stringify(want)}`, () => {
    assert.is(h.IpToRange!(ip, mask), want)
  })
}

test('LookupHost uses the DNS backend; failure is []', () => {
  const r = h.LookupHost!('localhost')
  assert.ok(isStringSlice(r))
  assert.equal(r, ['127.0.0.1', '::1'])
  assert.equal(h.LookupHost!('nowhere.invalid'), [])
  const none = createHelpers(createHelperContext())
  assert.equal(none.LookupHost!('localhost'), [])
})

test('GeoIP helpers are nil / "" without databases', () => {
  assert.is(h.GeoIPEnrich!('1.2.3.4'), null)
  assert.is(h.GeoIPASNEnrich!('1.2.3.4'), null)
  assert.is(h.GeoIPRangeEnrich!('1.2.3.4'), null)
  assert.is(h.IPToCountry!('1.2.3.4'), '')
})

test('IP helpers panic on non-strings', () => {
  assert.throws(() => h.IsIP!(null), /is nil, not string/)
  assert.throws(() => h.IpInRange!('1.2.3.4', 5), /is int, not string/)
})

test.run()
