import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {addrEqual, parseAddr, parsePrefix, prefixContains} from '../../src/parse/whitelist.js'

const ADDRS: Array<[string, boolean]> = [
  ['1.2.3.4', true], ['01.2.3.4', false], [' 1.2.3.4', false], ['1.2.3.4/32', false], ['::1', true],
  ['fe80::1%eth0', true], ['fe80::1%', false], ['::ffff:1.2.3.4', true], ['1.2.3', false], ['1.2.3.4%eth0', false],
]
for (const [text, ok] of ADDRS) test(`parseAddr ${JSON.stringify(text)}`, () => assert.is(parseAddr(text) !== undefined, ok))

const PREFIXES: Array<[string, boolean]> = [['10.0.0.0/8', true], ['10.1.2.3/8', true], ['10.0.0.1', false], ['10.0.0.0/33', false], ['::/0', true], ['fe80::/10', true], ['fe80::1%eth0/64', false], ['10.0.0.0/08', false]]
for (const [text, ok] of PREFIXES) test(`parsePrefix ${JSON.stringify(text)}`, () => assert.is(parsePrefix(text) !== undefined, ok))

const CONTAINS: Array<[string, string, boolean]> = [
  ['10.0.0.0/8', '10.255.1.2', true], ['10.0.0.0/8', '11.0.0.1', false], ['10.1.2.3/8', '10.9.9.9', true],
  ['10.0.0.0/8', '::ffff:10.0.0.1', false], ['::ffff:0:0/96', '10.0.0.1', false], ['fe80::/10', 'fe80::1', true],
  ['fe80::/10', 'fe80::1%eth0', false], ['0.0.0.0/0', '1.2.3.4', true],
]
for (const [prefix, addr, want] of CONTAINS) {
  test(`${prefix} contains ${addr}: ${want}`, () => assert.is(prefixContains(parsePrefix(prefix)!, parseAddr(addr)!), want))
}

test('IPv4 and IPv4-mapped IPv6 are different addresses; zones matter', () => {
  assert.is(addrEqual(parseAddr('1.2.3.4')!, parseAddr('::ffff:1.2.3.4')!), false)
  assert.is(addrEqual(parseAddr('::1')!, parseAddr('0:0:0:0:0:0:0:1')!), true)
  assert.is(addrEqual(parseAddr('fe80::1%a')!, parseAddr('fe80::1%b')!), false)
})

test.run()
