import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {networkOf} from '../../../src/parse/enrich/geoip.js'

// [ip, prefix length from the ASN database, SourceRange]: the masked network, IPv6 in RFC 5952 text
const CASES: [string, number, string | undefined][] = [
  ['1.2.3.4', 24, '1.2.3.0/24'],
  ['1.2.3.4', 0, '0.0.0.0/0'],
  ['1.2.3.4', 32, '1.2.3.4/32'],
  ['2001:db8:0:0:1:0:0:1', 128, '2001:db8::1:0:0:1/128'],
  ['2001:db8::1', 32, '2001:db8::/32'],
  ['2001:db8:0:0:1:0:0:1', 64, '2001:db8::/64'],
  ['::1', 128, '::1/128'],
  ['::', 0, '::/0'],
  ['fe80::1:2:3:4', 10, 'fe80::/10'],
  ['::ffff:1.2.3.4', 120, '::ffff:102:300/120'],
  // two equal runs of zeros: the first one is shortened
  ['2001:db8:1:0:0:1::', 128, '2001:db8:1::1:0:0/128'],
  ['x', 3, undefined],
]

for (const [ip, prefix, want] of CASES) {
  test(`networkOf(${ip}, ${prefix}) = ${want}`, () => {
    assert.is(networkOf(ip, prefix), want)
  })
}

test.run()
