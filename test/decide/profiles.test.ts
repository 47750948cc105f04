import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {Alert, Source} from '../../src/model/alert.js'
import {CrowdError, CrowdErrorList} from '../../src/model/errors.js'
import {DEFAULT_PROFILES_YAML, parseProfiles} from '../../src/decide/profile-config.js'
import {applyProfiles, compileProfiles, routeProfiles, type CompileFn} from '../../src/decide/profiles.js'

// A stand-in for the expression engine: each known source maps to a closure over Alert.
type A = Alert
const EXPRS: Record<string, (a: A) => unknown> = {
  'Alert.Remediation == true && Alert.GetScope() == "Ip"': (a) => a.Remediation && a.GetScope() === 'Ip',
  'Alert.Remediation == true && Alert.GetScope() == "Range"': (a) => a.Remediation && a.GetScope() === 'Range',
  'Alert.GetScenario() == "x/ssh-bf"': (a) => a.GetScenario() === 'x/ssh-bf',
  'true': () => true,
  'false': () => false,
  'boom()': () => {
    throw new Error('boom')
  },
  '"not a bool"': () => 'not a bool',
  'Sprintf("%dh", 2)': () => '2h',
  '"garbage"': () => 'garbage',
}
const compile: CompileFn = (source, options) => {
  const fn = EXPRS[source]
  if (fn === undefined) throw new CrowdError('expr-compile', `unknown expression ${source}`, options.location)
  return {source, run: (vars) => fn(vars.Alert as A)}
}

function alert(init: {scope?: string; value?: string; scenario?: string; remediation?: boolean} = {}): Alert {
  const a = new Alert()
  a.Scenario = init.scenario ?? 'x/ssh-bf'
  a.Remediation = init.remediation ?? true
  a.StopAt = '2026-03-02T06:10:00Z'
  a.Source = new Source({Scope: init.scope ?? 'Ip', Value: init.value ?? '203.0.113.7', IP: init.value ?? '203.0.113.7'})
  return a
}

const profiles = (yaml: string) => compileProfiles(parseProfiles(yaml, 'profiles.yaml'), compile)

test('default profiles: Ip alert with remediation -> one 4h ban, until = stop_at + 4h', () => {
  const a = alert()
  const out = applyProfiles(a, profiles(DEFAULT_PROFILES_YAML))
  assert.equal(out.matched, ['default_ip_remediation'])
  assert.equal(a.Decisions!.map((d) => d.toJSON()), [
    {duration: '4h', origin: 'crowdsec', scenario: 'x/ssh-bf', scope: 'Ip', type: 'ban', until: '2026-03-02T10:10:00Z', value: '203.0.113.7'},
  ])
})

test('default profiles: Range alert -> range ban', () => {
  const a = alert({scope: 'Range', value: '203.0.113.0/24'})
  applyProfiles(a, profiles(DEFAULT_PROFILES_YAML))
  assert.equal(a.Decisions!.map((d) => [d.Scope, d.Value]), [['Range', '203.0.113.0/24']])
})

test('no remediation -> no decision, no match', () => {
  const a = alert({remediation: false})
  const out = applyProfiles(a, profiles(DEFAULT_PROFILES_YAML))
  assert.equal(out.matched, [])
  assert.is(a.Decisions, null)
})

const yamlCases: {name: string; yaml: string; matched: string[]; decisions: string[]; errors?: number}[] = [
  {
    name: 'two matching filters duplicate decisions (CrowdSec quirk)',
    yaml: 'name: p\nfilters: ["true", "true"]\ndecisions: [{type: ban, duration: 1h}]\non_success: break\n',
    matched: ['p'], decisions: ['ban 1h', 'ban 1h'],
  },
  {
    name: 'first matching profile with decisions supplies them; continue goes on',
    yaml: 'name: a\nfilters: ["true"]\ndecisions: [{type: captcha, duration: 1h}]\n---\nname: b\nfilters: ["true"]\ndecisions: [{type: ban, duration: 2h}]\n',
    matched: ['a', 'b'], decisions: ['captcha 1h'],
  },
  {
    name: 'a matching profile without decisions does not block the next',
    yaml: 'name: a\nfilters: ["true"]\n---\nname: b\nfilters: ["true"]\ndecisions: [{type: ban, duration: 2h, scope: Range, origin: custom}]\n',
    matched: ['a', 'b'], decisions: ['ban 2h'],
  },
  {
    name: 'on_error apply: matched without decisions',
    yaml: 'name: a\nfilters: ["boom()"]\ndecisions: [{type: ban, duration: 1h}]\non_error: apply\non_success: break\n---\nname: b\nfilters: ["true"]\ndecisions: [{type: ban, duration: 2h}]\n',
    matched: ['a'], decisions: [], errors: 1,
  },
  {
    name: 'on_error continue: not matched',
    yaml: 'name: a\nfilters: ["boom()"]\ndecisions: [{type: ban, duration: 1h}]\non_error: continue\n---\nname: b\nfilters: ["true"]\ndecisions: [{type: ban, duration: 2h}]\n',
    matched: ['b'], decisions: ['ban 2h'], errors: 1,
  },
  {
    name: 'on_error unset: alert refused (no decisions)',
    yaml: 'name: a\nfilters: ['+'"\\"not a bool\\""'+']\ndecisions: [{type: ban, duration: 1h}]\n---\nname: b\nfilters: ["true"]\ndecisions: [{type: ban, duration: 2h}]\n',
    matched: [], decisions: [], errors: 1,
  },
  {
    name: 'duration_expr overrides the static duration',
    yaml: 'name: a\nfilters: ["true"]\ndecisions: [{type: ban, duration: 4h}]\nduration_expr: Sprintf("%dh", 2)\n',
    matched: ['a'], decisions: ['ban 2h'],
  },
  {
    name: 'duration_expr giving garbage keeps the static duration',
    yaml: 'name: a\nfilters: ["true"]\ndecisions: [{type: ban, duration: 4h}]\nduration_expr: \'"garbage"\'\n',
    matched: ['a'], decisions: ['ban 4h'], errors: 1,
  },
  {
    name: 'days in durations',
    yaml: 'name: a\nfilters: ["true"]\ndecisions: [{type: ban, duration: 1d12h}]\n',
    matched: ['a'], decisions: ['ban 1d12h'],
  },
]

for (const c of yamlCases) {
  test(c.name, () => {
    const a = alert()
    const out = applyProfiles(a, profiles(c.yaml))
    assert.equal(out.matched, c.matched)
    assert.equal((a.Decisions ?? []).map((d) => `${d.Type} ${d.Duration}`), c.decisions)
    assert.is(out.errors.length, c.errors ?? 0)
  })
}

test('origin and scope from the template', () => {
  const a = alert()
  applyProfiles(a, profiles('name: a\nfilters: ["true"]\ndecisions: [{type: ban, duration: 1h, scope: Range, origin: custom}]\n'))
  assert.equal([a.Decisions![0]!.Origin, a.Decisions![0]!.Scope], ['crowdsec/custom', 'Range'])
})

test('1d12h until', () => {
  const a = alert()
  applyProfiles(a, profiles('name: a\nfilters: ["true"]\ndecisions: [{type: ban, duration: 1d12h}]\n'))
  assert.is(a.Decisions![0]!.Until, '2026-03-03T18:10:00Z')
})

const bad: {name: string; yaml: string; message: RegExp}[] = [
  {name: 'unknown key', yaml: 'name: a\nfilterz: ["true"]\n', message: /unknown field 'filterz' in profile \(profiles\.yaml:2\)/},
  {name: 'no name', yaml: 'filters: ["true"]\n', message: /a profile needs a name \(profiles\.yaml:1\)/},
  {name: 'bad on_success', yaml: 'name: a\non_success: stop\n', message: /on_success must be one of break, continue/},
  {name: 'decision without type', yaml: 'name: a\ndecisions: [{duration: 1h}]\n', message: /a decision needs a type/},
  {name: 'empty file', yaml: '', message: /no profile defined/},
  {name: 'filter that does not compile', yaml: 'name: a\nfilters:\n - nope\n', message: /unknown expression nope \(profiles\.yaml:3\)/},
  {name: 'bad duration', yaml: 'name: a\ndecisions: [{type: ban, duration: 4x}]\n', message: /invalid decision duration '4x'/},
  {name: 'missing duration', yaml: 'name: a\ndecisions: [{type: ban}]\n', message: /has no duration and no duration_expr/},
]
for (const c of bad) {
  test(`invalid profiles: ${c.name}`, () => {
    try {
      profiles(c.yaml)
      assert.unreachable()
    } catch (error) {
      assert.ok(error instanceof CrowdError || error instanceof CrowdErrorList)
      assert.match((error as Error).message, c.message)
    }
  })
}

test('all errors of a file at once', () => {
  try {
    profiles('name: a\nbogus: 1\n---\nname: b\nother: 2\n')
    assert.unreachable()
  } catch (error) {
    assert.instance(error, CrowdErrorList)
    assert.is((error as CrowdErrorList).errors.length, 2)
  }
})

test('attachedAt: the index in matched of the profile whose decisions were attached (notification copies)', () => {
  const ps = profiles(`name: first\nfilters: [ "true" ]\n---\nname: decides\nfilters: [ "true" ]\ndecisions: [ {type: ban, duration: 4h} ]\n---\nname: later\nfilters: [ "true" ]\ndecisions: [ {type: captcha, duration: 1h} ]\n`)
  const out = applyProfiles(alert(), ps)
  assert.equal([out.matched, out.attachedAt], [['first', 'decides', 'later'], 1])
  assert.is(applyProfiles(alert(), profiles('name: none\nfilters: [ "true" ]\n')).attachedAt, -1)
})

test('routeProfiles (alerts that came with decisions): matching profiles in order, break stops, a failing profile is skipped whatever on_error', () => {
  const ps = profiles(`name: failing\nfilters: [ "true", "boom()" ]\non_error: apply\n---\nname: no\nfilters: [ "false" ]\n---\nname: yes\nfilters: [ "false", "true" ]\ndecisions: [ {type: ban, duration: 4h} ]\non_success: break\n---\nname: after_break\nfilters: [ "true" ]\n`)
  const a = alert()
  const out = routeProfiles(a, ps)
  assert.equal(out.matched, ['yes'])
  assert.equal(out.errors, ["profile 'failing': filter 'boom()': boom"])
  assert.is(a.Decisions, null, 'decisions are not touched')
})

test.run()
