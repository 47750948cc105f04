import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'

const h = createHelpers(createHelperContext())

const SQLI: string[] = [
  "' or 1=1--",
  '1 OR 1=1',
  "admin'--",
  "admin' #",
  "' UNION SELECT password FROM users--",
  '-1 union all select 1,2,3',
  '1;DROP TABLE users',
  "'; exec xp_cmdshell('dir')--",
  "' or ''='",
  '" or ""="',
  "' OR 'a'='a",
  "1' and sleep(5)#",
  '1 AND SLEEP(5)',
  '1) or (1=1',
  "1' ORDER BY 1--+",
  'select * from users',
  "1' AND extractvalue(1,concat(0x7e,version()))--",
  '1 and 1=2 union select null,null',
  "1'/**/UNION/**/SELECT/**/1,2--",
  "1 /*!UNION*/ /*!SELECT*/ 1",
  "'-sleep(3)-'",
]

const NOT_SQLI: string[] = [
  "O'Reilly",
  "It's a nice day",
  'hello world',
  'john@example.com',
  '100',
  'a-b',
  'SELECT is a word',
  'Tom & Jerry',
  'I love rock and roll',
  'order by price',
  '1 or 2',
  'search for union jobs',
  'the select committee met',
  "don't stop",
  '5 - 3',
  '/index.php?id=12',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  "user said 'hello' and left",
  "what's up? it's me",
  "rock'n'roll",
  '2024-01-01 12:00:00',
  '',
]

for (const s of SQLI) {
  test(`LibInjectionIsSQLI(${JSON.stringify(s)}) is true`, () => {
    assert.is(h.LibInjectionIsSQLI!(s), true)
  })
}

for (const s of NOT_SQLI) {
  test(`LibInjectionIsSQLI(${JSON.stringify(s)}) is false`, () => {
    assert.is(h.LibInjectionIsSQLI!(s), false)
  })
}

const XSS: string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(1)",
  '<a href="javascript:alert(1)">x</a>',
  '<iframe src="//evil"></iframe>',
  '<body onload=alert(1)>',
  "<IMG SRC=JaVaScRiPt:alert('XSS')>",
  '<div style="background:url(javascript:alert(1))">',
  '<a href=" &#14; javascript:alert(1)">',
  'x onerror=alert(1)',
  '<svg/onload=alert(1)>',
  '<math><mi xlink:href="javascript:alert(1)">',
  '<object data="data:text/html,<script>alert(1)</script>">',
  '<input autofocus onfocus=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<a href="jav&#x09;ascript:alert(1)">',
  '<?php system($_GET[1]); ?>',
]

const NOT_XSS: string[] = [
  '<b>hello</b>',
  'a < b and c > d',
  'x=1&y=2',
  'Tom & Jerry',
  '<p class="x">hi</p>',
  'I <3 you',
  'email me at a@b.c',
  '<a href="https://example.com">link</a>',
  'I am online now',
  'it\'s "quoted" text',
  'call me on monday',
  'javascript is fun',
  '<img src="cat.png" alt="cat">',
  '',
]

for (const s of XSS) {
  test(`LibInjectionIsXSS(${JSON.stringify(s)}) is true`, () => {
    assert.is(h.LibInjectionIsXSS!(s), true)
  })
}

for (const s of NOT_XSS) {
  test(`LibInjectionIsXSS(${JSON.stringify(s)}) is false`, () => {
    assert.is(h.LibInjectionIsXSS!(s), false)
  })
}

test('libinjection helpers panic on non-strings', () => {
  assert.throws(() => h.LibInjectionIsSQLI!(null), /not string/)
  assert.throws(() => h.LibInjectionIsXSS!(1), /not string/)
})

test.run()
