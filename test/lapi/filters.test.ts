/** Query strings to store filters (lapi.md §4.2, §4.5, §5.1): CrowdSec's names, defaults and 500s. */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {alertFilter, bouncerDecisionFilter, deleteDecisionFilter, parseGoBool} from '../../src/lapi/filters.js'
import {ApiError} from '../../src/lapi/wire.js'
import {parseIpInterval} from '../../src/store/ip-range.js'

const NOW = Date.parse('2026-03-02T10:00:00Z')
const H = 3600_000
const q = (s: string): URLSearchParams => new URLSearchParams(s)

function status500(fn: () => unknown, text: string): void {
  try {
    fn()
  } catch (error) {
    assert.instance(error, ApiError)
    assert.is((error as ApiError).status, 500)
    assert.match((error as ApiError).message, text)
    return
  }
  assert.unreachable(`expected a 500 (${text})`)
}

test('parseGoBool: exactly strconv.ParseBool forms', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.is(parseGoBool(t, 'x'), true, t)
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.is(parseGoBool(f, 'x'), false, f)
  for (const bad of ['yes', 'no', 'tRUE', 'truE', '', ' true', '2']) status500(() => parseGoBool(bad, 'contains'), 'strconv.ParseBool')
})

test('alertFilter: defaults (include_capi, limit 100) and every parameter', () => {
  assert.equal(JSON.parse(JSON.stringify(alertFilter(q(''), NOW))), {includeCapi: true, limit: 100})
  const f = alertFilter(q('scope=ip&value=192.0.2.7&scenario=a/b&ip=192.0.2.7&contains=false&since=1d12h&until=2h&created_before=30m' +
    '&decision_type=ban&include_capi=false&has_active_decision=true&simulated=false&kind=cscli&limit=0&sort=asc&with_decisions=0'), NOW)
  assert.is(f.scope, 'Ip')
  assert.is(f.value, '192.0.2.7')
  assert.is(f.scenario, 'a/b')
  assert.equal(f.ip, parseIpInterval('192.0.2.7')!)
  assert.is(f.contains, false)
  assert.is(f.startedAfter, NOW - 36 * H)
  assert.is(f.startedBefore, NOW - 2 * H)
  assert.is(f.createdBefore, NOW - H / 2)
  assert.is(f.decisionType, 'ban')
  assert.is(f.includeCapi, false)
  assert.is(f.hasActiveDecision, true)
  assert.is(f.includeSimulated, false)
  assert.is(f.kind, 'cscli')
  assert.is(f.limit, 0)
  assert.is(f.sort, 'ASC')
  assert.is(f.withDecisions, false)
  assert.is(alertFilter(q('scope=RANGE'), NOW).scope, 'Range')
  assert.is(alertFilter(q('range=10.0.0.0/8'), NOW).ip!.ipSize, 4)
})

test('alertFilter: origin implies include_capi; simulated other than "false" includes them', () => {
  const f = alertFilter(q('origin=CAPI&include_capi=false'), NOW)
  assert.is(f.origin, 'CAPI')
  assert.is(f.includeCapi, true)
  for (const s of ['true', '1', 'no', '']) assert.is(alertFilter(q(`simulated=${s}`), NOW).includeSimulated, undefined, s)
})

test('alertFilter: unknown parameter, bad bool, bad IP, bad duration, bad limit => 500', () => {
  status500(() => alertFilter(q('alert_source=x'), NOW), "filter parameter 'alert_source' is unknown")
  status500(() => alertFilter(q('foo=bar'), NOW), "filter parameter 'foo' is unknown (=bar)")
  status500(() => alertFilter(q('contains=maybe'), NOW), 'ParseBool')
  status500(() => alertFilter(q('has_active_decision=yes'), NOW), 'ParseBool')
  status500(() => alertFilter(q('ip=999.1.1.1'), NOW), "unable to convert '999.1.1.1'")
  status500(() => alertFilter(q('range=1.2.3.0/40'), NOW), 'invalid ip address / range')
  status500(() => alertFilter(q('since=yesterday'), NOW), 'yesterday')
  status500(() => alertFilter(q('limit=ten'), NOW), 'limit')
})

test('bouncerDecisionFilter: scope(s) normalised, lists split, simulated excluded unless asked, unknown ignored', () => {
  const f = bouncerDecisionFilter(q('scopes=ip,RANGE,country,as,custom&origins=cscli,crowdsec&scenarios_containing=ssh,http&scenarios_not_containing=probe' +
    '&value=v&type=ban&limit=5&offset=2&whatever=1'))
  assert.equal(f.scopes, ['Ip', 'Range', 'Country', 'AS', 'custom'])
  assert.equal(f.origins, ['cscli', 'crowdsec'])
  assert.equal(f.scenariosContaining, ['ssh', 'http'])
  assert.equal(f.scenariosNotContaining, ['probe'])
  assert.is(f.value, 'v')
  assert.is(f.type, 'ban')
  assert.is(f.limit, 5)
  assert.is(f.offset, 2)
  assert.is(f.includeSimulated, false)
  assert.equal(bouncerDecisionFilter(q('scope=Ip')).scopes, ['Ip'])
  assert.is(bouncerDecisionFilter(q('')).scopes, undefined)
  assert.equal(bouncerDecisionFilter(q(''), ['ip', 'range']).scopes, ['Ip', 'Range'], 'stream default')
  assert.equal(bouncerDecisionFilter(q('scopes=country'), ['ip', 'range']).scopes, ['Country'])
  assert.is(bouncerDecisionFilter(q('simulated=false')).includeSimulated, false)
  for (const s of ['true', '1', 'yes', '']) assert.is(bouncerDecisionFilter(q(`simulated=${s}`)).includeSimulated, true, s)
  assert.is(bouncerDecisionFilter(q('ip=192.0.2.7&contains=f')).contains, false)
  status500(() => bouncerDecisionFilter(q('ip=bad')), "unable to convert 'bad'")
  status500(() => bouncerDecisionFilter(q('contains=nope')), 'ParseBool')
})

test('deleteDecisionFilter: `scopes` (one exact scope) works, `scope` and unknown names are 500; uuid repeatable; simulated included', () => {
  status500(() => deleteDecisionFilter(q('scope=Ip')), "'scope' doesn't exist")
  status500(() => deleteDecisionFilter(q('decision_type=ban')), 'invalid filter')
  const f = deleteDecisionFilter(q('scopes=ip&value=v&type=ban&origin=cscli&scenario=s&uuid=a&uuid=b&range=10.0.0.0/8&contains=false'))
  assert.equal(f.scopes, ['Ip'])
  assert.equal(f.origins, ['cscli'])
  assert.equal(f.uuids, ['a', 'b'])
  assert.is(f.scenario, 's')
  assert.is(f.contains, false)
  assert.is(f.includeSimulated, true)
  assert.equal(deleteDecisionFilter(q('')), {includeSimulated: true})
})

test.run()
