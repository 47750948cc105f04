import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BASE_PATTERNS, createBaseLibrary, loadPatternLibrary} from '../../src/grok/index.js'
import {compileRe2} from '../../src/regex/index.js'
import {SHARED} from '../helpers/run-cli.js'

// CrowdSec's built-in base, read from the reference data (not shipped): crowd's own base must
// define the same names in the same order, with the same fields, the same capture-group layout
// and the same match results, group by group.
const reference = loadPatternLibrary([path.join(SHARED, 'crowdsec-hub', 'patterns-builtin')], undefined, {base: false})
const mine = createBaseLibrary()

const SAMPLES = [
  'user.name-1', 'a+b=c:d@mail.example.com', 'host-1.example.org.', '-12', '+3.14', '.5', '0x1F', 'deadbeef.8', '42', '007',
  'hello_world', 'x y', '"quoted \\" str" rest', "'it''s'", '`tick`', '""', '550e8400-e29b-41d4-a716-446655440000',
  '0123.4567.89ab', '00-11-22-33-44-55', '00:11:22:33:44:55', '2001:db8::1', 'fe80::1%eth0', '::ffff:192.168.1.1',
  '1:2:3:4:5:6:7:8', '1::', '::', '10.0.0.255', '256.1.1.1', '/var/log/x\\ y/z.log', '/dev/pts/3', '/dev/ttyp0',
  'C:\\Windows\\sys*', 'https://user:pw@example.com:8443/a/b?c=d&e[]=f', 'git+ssh://host/path', 'January', 'Mär', 'Mai',
  'Okt', 'Dec', 'Sept', '12', '1', '31', '2023', 'Mon', 'Tuesday', '23:59:60.123', '09:05:03,5', '12/31/2023', '31.12.2023',
  '2023/12/31', '2023-12-31T23:59:59.123+01:00', '2023-12-31 23:59Z', 'ABC', '+0100', 'Mon Jan  2 15:04:05 MST 2006',
  'Mon, 02 Jan 2006 15:04:05 -0700', '3:04PM', 'Jan  2 15:04:05', 'sshd[123]', '<34.5>', '<13>', '10/Oct/2000:13:55:36 -0700',
  'WARNING', 'err', 'Emergency', 'CRIT', 'Oct 11 22:14:15 mymachine su[77]: hi',
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://r" "Moz"',
  '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied',
  '[Wed Oct 11 14:32:52 2000] [core:error] [pid 35708:tid 4328636416] (70007)The timeout specified has expired: [client 72.15.99.187:1234] AH00574: x',
  'Mon Jan _2 15:04:05 2006"', 'abc', '', 'über straße', '2003-10-11T22:14:15.003Z',
]

test('same names, same order', () => {
  assert.equal(BASE_PATTERNS.map(([n]) => n), reference.names())
  assert.is(BASE_PATTERNS.length, 88)
})

for (const name of reference.names()) {
  test(`base pattern ${name} behaves like the reference`, () => {
    const a = mine.expand(`%{${name}}`, undefined, 0)
    const b = reference.expand(`%{${name}}`, undefined, 0)
    assert.is(a.groups, b.groups, 'capture group count')
    assert.equal([...a.sem], [...b.sem], 'field numbering')
    const ma = compileRe2(a.regex)
    const mb = compileRe2(b.regex)
    for (const s of SAMPLES) {
      const ra = ma.exec(s)
      const rb = mb.exec(s)
      assert.equal(ra && Array.from(ra), rb && Array.from(rb), JSON.stringify(s))
    }
  })
}

test('patterns without references are written in crowd\'s own text', () => {
  const same = BASE_PATTERNS.filter(([n, d]) => !d.includes('%{') && reference.definition(n) === d)
  assert.equal(same.map(([n]) => n), [])
})

test.run()
