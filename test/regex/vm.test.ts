import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createBaseLibrary} from '../../src/grok/index.js'
import {compileRe2} from '../../src/regex/compile.js'
import {CASES} from './re2-cases.js'

const vmExec = (re: string, text: string) => {
  const m = compileRe2(re, {forceVm: true}).exec(text)
  return m === null ? null : Array.from(m)
}

for (const [re, text, want] of CASES) {
  test(`vm: ${re} on ${JSON.stringify(text)}`, () => {
    assert.equal(vmExec(re, text), want)
  })
}

test('vm test() agrees with exec() on every case', () => {
  for (const [re, text, want] of CASES) assert.is(compileRe2(re, {forceVm: true}).test(text), want !== null, `${re} on ${text}`)
  const re = compileRe2('^a+b', {forceVm: true})
  assert.equal([re.test('aab'), re.test('xaab'), re.test('aa'), re.test('aab')], [true, false, false, true]) // buffers reused
})

test('the engine is chosen by analysis: VM only where JS differs', () => {
  assert.is(compileRe2('(?:(a)|b)+').engine, 'vm')
  assert.is(compileRe2('(a|b)+', {guard: false}).engine, 'js')
  assert.equal(Array.from(compileRe2('(?:(a)|b)+').exec('ab') ?? []), ['ab', 'a'])
})

// The VM and native RegExp agree wherever the translation is exact: every base pattern
// (IPV6, QUOTEDSTRING, LOGLEVEL...) on a set of lines.
const SAMPLES = [
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://r" "Moz"',
  'fe80::1%eth0 2001:db8::1 ::ffff:192.168.1.1 1:2:3:4:5:6:7:8',
  'Oct 11 22:14:15 mymachine su[77]: hello',
  '"quoted \\" str" and \'single\' and `tick`',
  '/var/log/x\\ y/z.log C:\\Windows\\sys 2023-12-31T23:59:59.123+01:00',
  'WARNING err Emergency CRIT über straße 3:04PM',
  '',
]

test('VM matches native RegExp on every base pattern where translation is exact', () => {
  const lib = createBaseLibrary()
  let compared = 0
  for (const name of lib.names()) {
    const {regex} = lib.expand(`%{${name}}`, undefined, 0)
    const js = compileRe2(regex)
    if (js.engine !== 'js') continue
    const vm = compileRe2(regex, {forceVm: true})
    for (const line of SAMPLES) {
      const a = js.exec(line)
      const b = vm.exec(line)
      assert.equal(b && Array.from(b), a && Array.from(a), `${name} on ${line}`)
      compared++
    }
  }
  assert.ok(compared >= 80 * SAMPLES.length)
})

test.run()
