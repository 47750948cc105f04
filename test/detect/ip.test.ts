import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {isValidIP, normalizeCidr} from '../../src/detect/ip.js'

const ips: [string, boolean][] = [
  ['35.188.49.176', true], ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', true], ['::1', true], ['::ffff:1.2.3.4', true],
  ['01.2.3.4', false], ['256.1.1.1', false], ['1.2.3', false], ['', false], ['fe80::1%eth0', false], ['1::2::3', false],
  ['abc', false], [' 1.2.3.4', false], ['1.2.3.4::', false], ['1::1.2.3.4', true], ['0:0:0:0:0:ffff:1.2.3.4', true],
]
for (const [ip, ok] of ips) test(`isValidIP ${JSON.stringify(ip)}`, () => assert.is(isValidIP(ip), ok))

const cidrs: [string, string | null][] = [
  ['91.121.79.195/21', '91.121.72.0/21'], ['10.0.0.1/32', '10.0.0.1/32'], ['10.1.2.3/0', '0.0.0.0/0'],
  ['2001:db8:85a3::8a2e:370:7334/64', '2001:db8:85a3::/64'], ['2001:0db8:0000:0000:0001:0000:0000:0001/128', '2001:db8::1:0:0:1/128'],
  ['1.2.3.4/33', null], ['1.2.3.4', null], ['x/8', null], ['10.1.2.3/08', '10.0.0.0/8'],
  // Go's IPNet.String prints an IPv4-mapped network as IPv4 with the IPv4 part of the mask
  ['::ffff:1.2.3.4/120', '1.2.3.0/24'], ['::ffff:0:0/96', '0.0.0.0/0'],
]
for (const [cidr, want] of cidrs) test(`normalizeCidr ${cidr}`, () => assert.is(normalizeCidr(cidr), want))

test.run()
