import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {goSort, scenarioResults} from '../../src/hubtest/scenario-results.js'
import {Alert, RuntimeAlert, Source} from '../../src/model/alert.js'
import {Event, EventType} from '../../src/model/event.js'

function overflow(scenario: string, ip: string, tag = ''): Event {
  const evt = new Event()
  evt.Type = EventType.overflow
  const r = new RuntimeAlert()
  r.Sources[ip] = new Source({Scope: 'Ip', Value: ip, IP: ip})
  r.Alert = new Alert()
  r.Alert.Scenario = scenario
  r.Alert.Message = tag
  evt.Overflow = r as unknown as Event['Overflow']
  return evt
}
const tagOf = (e: Event): string => (e.Overflow as unknown as RuntimeAlert).Alert!.Message

test('descending scenario+source: ssh-bf_user-enum before ssh-bf', () => {
  const out = scenarioResults([overflow('crowdsecurity/ssh-bf', '35.188.49.176'), overflow('crowdsecurity/ssh-bf_user-enum', '35.188.49.176')])
  assert.equal(out.map((e) => (e.Overflow as unknown as RuntimeAlert).Alert!.Scenario), ['crowdsecurity/ssh-bf_user-enum', 'crowdsecurity/ssh-bf'])
})

test('overflows without an Alert are left out', () => {
  const empty = new Event()
  empty.Type = EventType.overflow
  empty.Overflow = new RuntimeAlert() as unknown as Event['Overflow']
  assert.is(scenarioResults([empty, overflow('a', '1.1.1.1')]).length, 1)
})

test('up to 12 elements: insertion sort keeps emission order of ties', () => {
  const input = [overflow('s', '1.1.1.1', 'first'), overflow('s', '2.2.2.2', 'x'), overflow('s', '1.1.1.1', 'second')]
  assert.equal(scenarioResults(input).map(tagOf), ['x', 'first', 'second'])
})

function lcg(seed: number): () => number {
  let s = seed
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648
}

for (const n of [13, 28, 50, 51, 200, 1000]) {
  test(`goSort sorts ${n} elements with duplicates (pdqsort paths)`, () => {
    const rnd = lcg(n)
    const a = Array.from({length: n}, () => Math.floor(rnd() * n / 3))
    goSort(n, (i, j) => a[i]! > a[j]!, (i, j) => ([a[i], a[j]] = [a[j]!, a[i]!]))
    for (let i = 1; i < n; i++) assert.ok(a[i - 1]! >= a[i]!, `position ${i}`)
  })
}

test('goSort on already sorted, reversed and equal input', () => {
  for (const make of [(i: number) => i, (i: number) => 1000 - i, () => 7]) {
    const a = Array.from({length: 300}, (_, i) => make(i))
    goSort(a.length, (i, j) => a[i]! < a[j]!, (i, j) => ([a[i], a[j]] = [a[j]!, a[i]!]))
    for (let i = 1; i < a.length; i++) assert.ok(a[i - 1]! <= a[i]!)
  }
})

test.run()
