/**
 * Lexing and parsing: Go's message shapes (`template: NAME:LINE: ...`), the file line of the
 * CrowdError, trim markers and comments. Expected texts follow text/template/parse's rules
 * (cited per case).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {CrowdError} from '../../src/model/errors.js'
import {compileTemplate} from '../../src/template/index.js'
import {render} from './helpers.js'

const errors: [string, string][] = [
  // newlines are allowed inside actions since Go 1.16: only the end of the text leaves one unclosed
  ['{{ if 1 }}\n{{ else if 2 }}{{ end', 'template: t:2: unclosed action'],
  ['a\n{{ .X', 'template: t:2: unclosed action'],
  ['{{ .X }', 'template: t:1: unexpected "}" in operand'],
  ['{{ foo }}', 'template: t:1: function "foo" not defined'],
  ['{{ $x }}', 'template: t:1: undefined variable "$x"'],
  ['{{ if 1 }}x', 'template: t:1: unexpected EOF'],
  ['x\n{{ end }}', 'template: t:2: unexpected {{end}}'],
  ['{{ else }}', 'template: t:1: unexpected {{else}}'],
  ['{{ if }}{{ end }}', 'template: t:1: missing value for if'],
  ['{{ break }}', 'template: t:1: {{break}} outside {{range}}'],
  ['{{ range . }}{{ define "x" }}{{ end }}{{ end }}', 'template: t:1: unexpected <define> in command'],
  ['{{/* a comment }}', 'template: t:1: unclosed comment'],
  ['{{/* a */ }}', 'template: t:1: comment ends before closing delimiter'],
  ['{{ .A | "x" }}', 'template: t:1: non executable command in pipeline stage 2'],
  ['{{ 1x }}', 'template: t:1: bad number syntax: "1x"'],
  ['{{ "abc }}', 'template: t:1: unterminated quoted string'],
  ['{{ .A@ }}', "template: t:1: bad character U+0040 '@'"],
  ['{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}', 'template: t:1: template: multiple definition of template "a"'],
  ['{{ (1 }}', 'template: t:1: unclosed left paren'],
  ['{{ 1) }}', 'template: t:1: unexpected right paren'],
  ['{{ "x".A }}', 'template: t:1: unexpected . after term "\\"x\\""'],
  ['{{ range $a, $b, $c := . }}{{ end }}', 'template: t:1: too many declarations in range'],
  ['{{ range $a, 3 }}{{ end }}', 'template: t:1: range can only initialize variables'],
  ['{{ 99999999999999999999 }}', 'template: t:1: integer overflow: "99999999999999999999"'],
  ["{{ 'ab' }}", "template: t:1: malformed character constant: 'ab'"],
  ['{{ template .X }}', 'template: t:1: unexpected ".X" in template clause'],  // a field is not a keyword: %q,
  ['{{ if 1 }}{{ else }}{{ else }}{{ end }}', 'template: t:1: expected end; found {{else}}'],
]

for (const [text, message] of errors) {
  test(`parse error: ${JSON.stringify(text)}`, () => {
    assert.is(render(text), 'ERR ' + message)
  })
}

test('a parse error is a CrowdError naming the file line (template start + template line - 1)', () => {
  try {
    compileTemplate('ok\n{{ .X', {name: 'slack_default', file: 'notifications/slack.yaml', line: 20})
    assert.unreachable()
  } catch (error) {
    assert.instance(error, CrowdError)
    const e = error as CrowdError
    assert.is(e.code, 'config')
    assert.is(e.file, 'notifications/slack.yaml')
    assert.is(e.line, 21)
    assert.is(e.reason, 'template: slack_default:2: unclosed action')
  }
})

const outputs: [string, string][] = [
  // trim markers eat all ASCII white space (space, tab, CR, LF) on their side
  ['a  \n\t{{- "b" -}}\r\n  c', 'abc'],
  // "{{-3}}" is the number -3, not a trim marker (the dash must be followed by a space)
  ['{{-3}}', '-3'],
  ['x {{- 3 }} y', 'x3 y'],
  // comments print nothing, and trim like actions
  ['a {{- /* note */ -}} b', 'ab'],
  ['a{{/* multi\nline */}}b', 'ab'],
  // newlines are allowed inside actions (Go 1.16+)
  ['{{ print\n1\n2 }}', '1 2'],
  // string, raw string, char (an int), numbers
  ['{{ "a\\tb\\u00e9" }}|{{ `raw\\n` }}|{{ \'a\' }}|{{ 0x1F }}|{{ 1_000 }}|{{ 1.5e3 }}|{{ 0o17 }}|{{ 017 }}', 'a\tbé|raw\\n|97|31|1000|1500|15|15'],
  ['{{ true }} {{ false }} {{ . | len }}', 'true false 1'],
]

for (const [text, want] of outputs) {
  test(`lexing: ${JSON.stringify(text)}`, () => {
    assert.is(render(text), want)
  })
}

test('the template set lists the main template and each define/block', () => {
  const t = compileTemplate('{{ define "a" }}A{{ end }}{{ block "b" . }}B{{ end }}main', {name: 'n'})
  assert.equal([...t.templates].sort(), ['a', 'b', 'n'])
})

test('nesting is bounded: deep parentheses and deep blocks are parse errors, not stack overflows', () => {
  assert.is(render('{{ ' + '('.repeat(200) + '1' + ')'.repeat(200) + ' }}'), 'ERR template: t:1: max expression depth exceeded')
  assert.is(render('{{ if 1 }}'.repeat(200) + '{{ end }}'.repeat(200)), 'ERR template: t:1: blocks nested deeper than 100')
  assert.is(render('{{ ' + '('.repeat(50) + '1' + ')'.repeat(50) + ' }}'), '1')
})

test.run()
