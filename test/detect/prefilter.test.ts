import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {createDetector, loadScenarios} from '../../src/detect/index.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'
import {createHelperContext} from '../../src/parse/services.js'
import {analyseFilter, anyLiteralRegExp, foldedLiteralRegExp, usefulClauses, type AnalysisContext, type Clause} from '../../src/detect/prefilter.js'
import {goToLower, goToUpper} from '../../src/model/go-case.js'
import {Event, ExpectMode, newLogEvent} from '../../src/model/event.js'
import {alertSummary, loadHubDetectContent} from '../helpers/hub-content.js'
import {rng} from '../helpers/random.js'
import {SHARED} from '../helpers/run-cli.js'
import {firedScenarios, loadInline, metaEvent, trigger} from '../helpers/scenarios.js'

const FILES: Record<string, string[]> = {
  'x.txt': ['/a', '\u0131b'],
  'empty.txt': [],
  'blank.txt': ['x', ''],
  're.txt': ['abc+d', 'x[0-9]+\\.php'],
  'loose-re.txt': ['ab', '[a-z]+'],
  'bad-re.txt': ['ok', '('],
}
const CTX: AnalysisContext = {
  hasHelper: (name) => ['Upper', 'Lower', 'File', 'QueryUnescape', 'PathUnescape', 'Atof', 'RegexpInFile'].includes(name),
  fileLines: (name) => FILES[name],
  regexpLines: (name) => REGEXP_FILES[name],
}
const REGEXP_FILES: Record<string, string[]> = {'r.txt': ['abc+d', '(?i)x\\.php'], 'loose.txt': ['ab', '[a-z]+'], 'none.txt': []}

/** Clauses as text: `subject~literal` (strong) or `subject=literal` (weak), atoms joined by |. */
function show(clauses: Clause[]): string[] {
  return clauses.map((c) => c.map((a) => `${a.subject}${a.weak ? '=' : '~'}${a.literal}`).join(' | '))
}

// [filter, clauses, safe]
const ANALYSES: [string, string[], boolean][] = [
  ["evt.Meta.log_type in ['a', 'b'] && Upper(evt.Meta.http_path) contains 'X'", ['evt.Meta.log_type=a | evt.Meta.log_type=b', 'Upper(evt.Meta.http_path)~X'], true],
  // OR with an unsafe side: nothing
  ["Atof(evt.Meta.x) > 1 || evt.Meta.p contains 'zz'", [], false],
  // a conjunct that can fail before the literal test hides it; after it, the literal still counts
  ["Atof(evt.Meta.x) > 1 && evt.Meta.p contains 'zz'", [], false],
  ["evt.Meta.p contains 'zz' && Atof(evt.Meta.x) > 1", ['evt.Meta.p~zz'], false],
  ["not (evt.Meta.p contains 'zz')", [], true],
  ["!(evt.Meta.p contains 'zz') && evt.Meta.q startsWith 'yy'", ['evt.Meta.q~yy'], true],
  ["evt.Meta.p matches '(?i)ab'", ['evt.Meta.p~AB | evt.Meta.p~Ab | evt.Meta.p~aB | evt.Meta.p~ab'], true],
  ["evt.Meta.p matches '(?i)[a-z]+'", [], true],
  ["evt.Meta.p matches '('", [], false],
  ["evt.Meta.p matches Upper('/a/.*\\\\.php')", ['evt.Meta.p~.PHP'], true],
  ["any(File('empty.txt'), {evt.Meta.p contains #})", [''], true],
  ["any(File('blank.txt'), {evt.Meta.p contains #})", [], true],
  ["any(File('x.txt'), {Upper(evt.Meta.p) contains Upper(#)})", ['Upper(evt.Meta.p)~/A | Upper(evt.Meta.p)~IB'], true],
  ["any(File('x.txt'), {Lower(evt.Parsed.p) endsWith #})", ['Lower(evt.Parsed.p)~/a | Lower(evt.Parsed.p)~\u0131b'], true],
  ["any(File('x.txt'), {evt.Parsed.f == #})", ['evt.Parsed.f=/a | evt.Parsed.f=\u0131b'], true],
  ["any(File('x.txt'), {JsonExtract(#, 'u') contains evt.Meta.p})", [], false],
  ["any(File('missing.txt'), {evt.Meta.p contains #})", [], false],
  // matches: the union of the patterns' required literals, as RegexpInFile; f applies to the pattern
  ["any(File('re.txt'), {evt.Meta.p matches #})", ['evt.Meta.p~ab | evt.Meta.p~.php'], true],
  ["any(File('re.txt'), {Upper(evt.Meta.p) matches Upper(#)})", ['Upper(evt.Meta.p)~AB | Upper(evt.Meta.p)~.PHP'], true],
  ["any(File('loose-re.txt'), {evt.Meta.p matches #})", [], true],
  ["any(File('empty.txt'), {evt.Meta.p matches #})", [''], true],
  // a pattern that does not compile fails the filter when reached: never skipped
  ["any(File('bad-re.txt'), {evt.Meta.p matches #})", [], false],
  ["any(File('re.txt'), {# matches evt.Meta.p})", [], false],
  ["let r = Lower(evt.Parsed.request); r contains '/x' && r matches 'abc'", ['Lower(evt.Parsed.request)~/x', 'Lower(evt.Parsed.request)~abc'], true],
  ["let r = Atof(evt.Meta.x); evt.Meta.p contains 'zz'", [], false],
  ["let Upper = 'x'; Upper(evt.Meta.p) contains 'zz'", [], false],
  ["evt.SetMeta('a', 'b') && evt.Meta.p contains 'zz'", [], false],
  ["evt.Meta.p == 'abc' && evt.Parsed.f != nil", ['evt.Meta.p=abc'], true],
  ['false', [''], true],
  ["evt.Meta.p contains ''", [], true],
  ["Foo(evt.Meta.p) contains 'zz'", [], false],
  ["evt.Unmarshaled.x contains 'zz'", [], false],
  ["evt.Meta.p contains 'aa' or Lower(evt.Meta.q) == 'bb'", ['evt.Meta.p~aa | Lower(evt.Meta.q)=bb'], true],
  ["Upper(QueryUnescape(evt.Meta.p)) startsWith Upper('/x?y=')", ['Upper(QueryUnescape(evt.Meta.p))~/X?Y='], true],
  ["RegexpInFile(evt.Meta.p, 'r.txt') && evt.Meta.p contains 'zz'", ['evt.Meta.p~ab | evt.Meta.p~X.PHP | evt.Meta.p~X.PHp | evt.Meta.p~X.PhP | evt.Meta.p~X.Php | evt.Meta.p~X.pHP | evt.Meta.p~X.pHp | evt.Meta.p~X.phP | evt.Meta.p~X.php | evt.Meta.p~x.PHP | evt.Meta.p~x.PHp | evt.Meta.p~x.PhP | evt.Meta.p~x.Php | evt.Meta.p~x.pHP | evt.Meta.p~x.pHp | evt.Meta.p~x.phP | evt.Meta.p~x.php', 'evt.Meta.p~zz'], true],
  // a line without a required literal: no clause; an empty file: never true
  ["RegexpInFile(Lower(evt.Meta.p), 'loose.txt')", [], true],
  ["RegexpInFile(evt.Meta.p, 'none.txt')", [''], true],
  ["RegexpInFile(evt.Meta.p, 'unknown.txt') && evt.Meta.p contains 'zz'", [], false],
  ["RegexpInFile(Atof(evt.Meta.p), 'r.txt')", [], false],
]

for (const [filter, clauses, safe] of ANALYSES) {
  test(`analyseFilter: ${filter}`, () => {
    const got = analyseFilter(filter, CTX)
    assert.equal(show(got.clauses), clauses)
    assert.is(got.safe, safe)
  })
}

test('usefulClauses: drops weak-only and 1-character clauses, keeps the never-satisfied one, strongest first', () => {
  const a = (subject: string, literal: string, weak = false) => ({subject, literal, weak})
  const got = usefulClauses([[a('s', 'x', true)], [a('s', 'ab')], [a('s', 'a')], [a('s', 'abcd'), a('t', 'q', true)], [a('s', 'ab')], []])
  assert.equal(show(got), ['', 's~ab'])
})

test('usefulClauses: a weak-only clause is kept when it is a list of 8+ values of 4+ characters (a data file of names)', () => {
  const a = (literal: string) => ({subject: 'f', literal, weak: true})
  const names = ['c99.php', 'r57.php', 'wso.php', 'shell.php', 'b374k.php', 'fx29sh.php', 'mini.php', 'up.php']
  assert.equal(show(usefulClauses([names.map(a)])), [names.map((n) => `f=${n}`).join(' | ')])
  assert.equal(usefulClauses([names.slice(1).map(a)]), [], '7 values')
  assert.equal(usefulClauses([[...names.slice(1), 'GET'].map(a)]), [], 'a short value')
})

const evt = (meta: Record<string, unknown>): Event => metaEvent(meta)

/** A deterministic random integer in [0, n), from `seed`. */
function seeded(seed: number): (n: number) => number {
  const next = rng(seed)
  return (n) => Math.floor(next() * n)
}
const fired = firedScenarios

test('scenarios with a prefilter are skipped (counted) and alerts do not change', () => {
  const s = loadInline([trigger('a', "Upper(evt.Meta.k) contains 'ZZ'"), trigger('b', "evt.Meta.k == 'x'"), trigger('c', "evt.Meta.k matches 'xy[0-9]+z'")].join('---\n'))
  assert.equal(s.map((x) => x.prefilter !== undefined), [true, false, true])
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    d.pour(evt({k: 'x', source_ip: '1.2.3.4'}))
    d.pour(evt({k: 'azz', source_ip: '1.2.3.4'}))
    d.pour(evt({k: 'xy1z', source_ip: '1.2.3.4'}))
    assert.equal(fired(d), ['b', 'a', 'c'])
    assert.is(d.metrics.prefilterSkipped, prefilter ? 4 : 0)
  }
})

test('Upper/Lower subjects: ASCII text is pre-tested ignoring case, other text is folded the Go way', () => {
  const s = loadInline([trigger('up', "Upper(evt.Meta.k) contains 'IS'"), trigger('low', "Lower(evt.Meta.k) contains 'kk'")].join('---\n'))
  assert.equal(s.map((x) => x.prefilter !== undefined), [true, true])
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    const fires = (k: string): string[] => {
      d.pour(evt({k, source_ip: '1.2.3.4'}))
      return fired(d)
    }
    assert.equal(fires('xis'), ['up'], 'xis')
    assert.equal(fires('xIz'), [], 'xIz')
    // Go: ToUpper('ı') = 'I', ToUpper('ſ') = 'S', ToLower('K' Kelvin sign) = 'k'
    assert.equal(fires('x\u0131\u017f'), ['up'], 'dotless i, long s')
    assert.equal(fires('\u212aK'), ['low'], 'Kelvin sign')
    assert.equal(fires('KK'), ['low'], 'KK')
    assert.equal(fires('Kx'), [], 'Kx')
  }
})

test('foldedLiteralRegExp: on ASCII text, matches exactly when a literal occurs in the folded text', () => {
  const alphabet = ['a', 'B', 'k', 'K', 's', 'S', '.', '*', '$', '(', '|', '/', 'é', '\u0131', '\u212a', '']
  const rnd = seeded(11)
  const word = (max: number, ascii: boolean): string => Array.from({length: rnd(max + 1)}, () => alphabet[rnd(ascii ? 12 : alphabet.length)]).join('')
  for (const [fold, map] of [['upper', goToUpper], ['lower', goToLower]] as const) {
    for (let round = 0; round < 300; round++) {
      const literals = Array.from({length: 1 + rnd(4)}, () => word(3, false))
      const re = foldedLiteralRegExp(fold, literals)
      for (let k = 0; k < 10; k++) {
        const text = word(16, true)
        const want = literals.some((l) => map(text).includes(l))
        const got = re === 'never' ? false : re === null ? true : re.test(text)
        assert.is(got, want, `${fold} ${JSON.stringify(literals)} in ${JSON.stringify(text)}`)
      }
    }
  }
  assert.is(foldedLiteralRegExp('upper', ['ab', 'é']), 'never')
  assert.is(foldedLiteralRegExp('lower', ['x', '']), null)
})

type Scenarios = ReturnType<typeof loadScenarios>['scenarios']

/** Runs `body` with a loader of one inline scenario document whose data files are `files`, in a temp data dir. */
function withDataFiles(files: Record<string, string>, body: (load: (yaml: string) => Scenarios) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-prefilter-'))
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
    const helpers = createHelperContext({dataDir: dir, logger: silentLogger, now: () => GoTime.now(UTC)})
    body((yaml) => {
      const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': yaml}, helpers})
      assert.equal(r.errors.map((e) => e.message), [])
      return r.scenarios
    })
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * One event per value of Meta[field], poured with the prefilter on and off: the values whose
 * event fires (asserted the same both ways) and the scenarios skipped with the prefilter on.
 */
function firingValues(scenarios: Scenarios, field: string, values: string[]): {fires: string[]; skipped: number} {
  const [on, off] = [true, false].map((prefilter) => {
    const d = createDetector(scenarios, {prefilter})
    const fires = values.filter((v) => {
      d.pour(evt({[field]: v, source_ip: '1.2.3.4'}))
      return fired(d).length > 0
    })
    return {fires, skipped: d.metrics.prefilterSkipped}
  })
  assert.equal(on!.fires, off!.fires, 'the same with the prefilter on and off')
  assert.is(off!.skipped, 0)
  return on!
}

test('RegexpInFile filters get the lines\' required literals: skipped exactly when no line can match', () => {
  withDataFiles({'ua.txt': '(?i)sqlmap\n\\bNikto\\b\ncurl/[0-9]+\n'}, (load) => {
    const s = load(`${trigger('ua', "RegexpInFile(evt.Meta.k, 'ua.txt')")}data:\n  - dest_file: ua.txt\n    type: regexp\n`)
    assert.ok(s[0]!.prefilter !== undefined)
    const {fires, skipped} = firingValues(s, 'k', ['x SQLMap/1.0', 'Mozilla', 'curl/7.1', 'curl/x', 'aNikto', 'a Nikto/2'])
    assert.equal(fires, ['x SQLMap/1.0', 'curl/7.1', 'a Nikto/2'])
    assert.is(skipped, 1) // only 'Mozilla' holds no required literal
  })
})

test('any(File(..), {X matches f(#)}) filters are skipped exactly when no pattern can match', () => {
  // thinkphp-cve-2018-20062's shape: Upper of the pattern, backslashes escaped in the file (a
  // (?i) line would not do: Upper makes it (?I), which does not compile, and the filter fails)
  withDataFiles({'tp.txt': 'index/\\\\think\\\\app/invokefunction\nx[0-9]+\\.php\nwp-[a-z]+\n'}, (load) => {
    const s = load(`${trigger('tp', "any(File('tp.txt'), {Upper(evt.Meta.k) matches Upper(#)})")}data:\n  - dest_file: tp.txt\n    type: string\n`)
    assert.ok(s[0]!.prefilter !== undefined)
    const texts = ['/index/\\think\\app/invokefunction&x=1', '/index/think/app', '/x12.PHP', '/x.php', '/WP-LOGIN', '/wp-', '/', '\u0131ndex']
    const {fires, skipped} = firingValues(s, 'k', texts)
    assert.equal(fires, ['/index/\\think\\app/invokefunction&x=1', '/x12.PHP', '/WP-LOGIN'])
    assert.is(skipped, 3, 'skipped') // '/index/think/app', '/', '\u0131ndex'
  })
})

test('subjects over one base share a pre-test: the same scenarios fire as without the prefilter, on random texts', () => {
  const s = loadInline([
    trigger('up', "Upper(evt.Meta.k) contains 'AB'"),
    trigger('low', "Lower(evt.Meta.k) contains 'b/x'"),
    trigger('plain', "evt.Meta.k contains 'xa' || evt.Meta.k endsWith 'Kk'"),
    trigger('query', "Upper(QueryUnescape(evt.Meta.k)) contains 'A B'"),
    trigger('path', "Upper(PathUnescape(evt.Meta.k)) startsWith '/X'"),
    trigger('decoded', "Lower(QueryUnescape(evt.Meta.k)) contains '\u00e9/'"),
    trigger('other', "Upper(evt.Meta.j) contains 'AB'"),
  ].join('---\n'))
  assert.ok(s.every((x) => x.prefilter !== undefined))
  const on = createDetector(s, {prefilter: true})
  const off = createDetector(s, {prefilter: false})
  assert.is((on as unknown as {pre: {groupedSubjectCount: number}}).pre.groupedSubjectCount, 6)
  const alphabet = ['a', 'A', 'b', 'B', 'x', 'X', 'k', 'K', '/', ' ', '+', '%', '2', 'B', 'C', '3', 'A', '9', '\u00e9', '\u0131', '\u212a']
  const rnd = seeded(5)
  const word = (max: number, letters: number): string => Array.from({length: rnd(max + 1)}, () => alphabet[rnd(letters)]).join('')
  const seen = new Set<string>()
  const fixed = ['x%C3%A9/', 'a+b', 'A%20b', '/x%41', '%2Fxyz', 'ab%zz', 'xa', 'kK', '\u212ak']
  for (let round = 0; round < 3000 + fixed.length; round++) {
    // a third of the random texts ASCII without '%' or '+' (the shared pre-test's case), the rest anything
    const k = round < fixed.length ? fixed[round]! : round % 3 === 0 ? word(8, 10) : word(10, alphabet.length)
    const meta = {k, j: word(4, 10), source_ip: '1.2.3.4'}
    on.pour(evt(meta))
    off.pour(evt(meta))
    const got = fired(on)
    assert.equal(got, fired(off), JSON.stringify(k))
    for (const name of got) seen.add(name)
  }
  assert.equal([...seen].sort(), ['decoded', 'low', 'other', 'path', 'plain', 'query', 'up'])
  assert.is(JSON.stringify({...on.metrics, prefilterSkipped: 0}), JSON.stringify({...off.metrics, prefilterSkipped: 0}))
  assert.ok(on.metrics.prefilterSkipped > 3000, `skipped ${on.metrics.prefilterSkipped}`)
})

test('any(File(..), {X == #}) over a list of names: skipped when no name occurs in X, an equal X still fires', () => {
  withDataFiles({'names.txt': 'c99.php\nr57.php\nwso.php\nshell.php\nb374k.php\nfx29sh.php\nmini.php\nup.php\n'}, (load) => {
    const yaml = `${trigger('bd', "evt.Meta.k == 'x' || any(File('names.txt'), {evt.Meta.f == #})")}data:\n  - dest_file: names.txt\n    type: string\n`
    assert.ok(load(yaml)[0]!.prefilter === undefined, "'x' (one character) joins the clause: too common to scan for")
    const only = load(yaml.replace("evt.Meta.k == 'x' || ", ''))
    assert.ok(only[0]!.prefilter !== undefined)
    const {fires, skipped} = firingValues(only, 'f', ['wso.php', 'index.php', 'xwso.php', 'UP.PHP', 'up.php', ''])
    assert.equal(fires, ['wso.php', 'up.php'])
    assert.is(skipped, 3, 'skipped') // index.php, UP.PHP, ''
  })
})

test('a scenario that changes the event makes later prefilters look again', () => {
  const s = loadInline([
    trigger('first', "evt.Meta.k contains 'zz'"),
    trigger('changer', "evt.SetMeta('k', 'zz')"),
    trigger('last', "evt.Meta.k contains 'zz'"),
  ].join('---\n'))
  assert.equal(s.map((x) => x.prefilter !== undefined), [true, false, true])
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    d.pour(evt({k: 'a', source_ip: '1.2.3.4'}))
    assert.equal(fired(d), ['changer', 'last'])
  }
})

test('a non-string subject value makes its scenarios candidates (the filter error still aborts the loop)', () => {
  const s = loadInline([trigger('one', "evt.Meta.k contains 'zz'"), trigger('two', "evt.Meta.j contains 'a'")].join('---\n'))
  for (const prefilter of [true, false]) {
    const d = createDetector(s, {prefilter})
    d.pour(evt({k: 5, j: 'a', source_ip: '1.2.3.4'}))
    assert.is(d.metrics.exprErrors, 1)
    assert.equal(fired(d), [])
    d.pour(evt({k: 'x', j: 'a', source_ip: '1.2.3.4'}))
    assert.equal(fired(d), ['two'])
  }
})

test('the literal test after a failing conjunct never skips the failure', () => {
  const s = loadInline([trigger('one', "Atof(evt.Meta.n) > 1 && evt.Meta.k contains 'zz'"), trigger('two', "evt.Meta.k contains 'a'")].join('---\n'))
  assert.is(s[0]!.prefilter, undefined)
  const d = createDetector(s)
  d.pour(evt({n: 'x', k: 'a', source_ip: '1.2.3.4'}))
  assert.equal(fired(d), ['two'])
})

test('loadScenarios(.., {prefilter: false}) attaches none', () => {
  const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': trigger('a', "evt.Meta.k contains 'zz'")}, prefilter: false})
  assert.is(r.scenarios[0]!.prefilter, undefined)
})

test('linux + nginx + base-http-scenarios on genlogs nginx lines: same alerts and metrics with the prefilter on and off', () => {
  const content = loadHubDetectContent(['crowdsecurity/linux', 'crowdsecurity/nginx', 'crowdsecurity/base-http-scenarios'])
  const loadedParsers = content.parsers
  const files = content.scenarioFiles
  const {helpers, dataDir, hubIndex: index} = content.scenarioOptions
  const loaded = loadScenarios(files, {helpers, dataDir, hubIndex: index})
  assert.equal(loaded.errors, [])
  const prefiltered = loaded.scenarios.filter((s) => s.prefilter !== undefined).length
  assert.ok(prefiltered >= 35, `only ${prefiltered} scenarios with a prefilter`)
  const plain = loadScenarios(files, {helpers, dataDir, hubIndex: index, prefilter: false, shareSubexpressions: false})

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-prefilter-'))
  try {
    const log = path.join(dir, 'nginx.log')
    const r = spawnSync(process.execPath, [path.join(SHARED, 'bench', 'genlogs.mjs'), 'nginx', '--lines', '6000', '--seed', '11',
      '--hours', '1', '--attack-ratio', '0.3', '--out', log])
    assert.is(r.status, 0)
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')
    const run = (prefilter: boolean, list = loaded.scenarios) => {
      const d = createDetector(list, {mode: 'replay', prefilter})
      for (const raw of lines) {
        const e = newLogEvent({raw, src: log, module: 'file', labels: {type: 'nginx'}})
        e.ExpectMode = ExpectMode.timeMachine
        if (loadedParsers.parse(e).parsed) d.pour(e)
      }
      const skipped = d.metrics.prefilterSkipped
      const metrics = JSON.stringify({...d.metrics, prefilterSkipped: 0, dispatchSkipped: 0})
      return {alerts: d.takeOverflows().map(alertSummary), metrics, open: d.flush(), skipped, dispatched: d.metrics.dispatchSkipped}
    }
    const on = run(true)
    const off = run(false)
    const none = run(true, plain.scenarios)
    assert.ok(on.alerts.length > 5, `only ${on.alerts.length} alerts`)
    assert.ok(on.skipped > lines.length * 20, `skipped ${on.skipped}`)
    assert.is(off.skipped, 0)
    assert.is(none.skipped, 0)
    // the sshd scenarios of the linux collection open with a log type test nginx lines fail
    assert.ok(on.dispatched >= lines.length * 5, `dispatched ${on.dispatched}`)
    assert.is(off.dispatched, 0)
    for (const other of [off, none]) {
      assert.equal(on.alerts, other.alerts)
      assert.is(on.metrics, other.metrics)
      assert.is(on.open, other.open)
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
})

test('anyLiteralRegExp: matches exactly when one literal is a substring (regex syntax in literals is literal)', () => {
  const alphabet = ['a', 'b', '.', '*', '\\', '$', '(', ')', '[', ']', '{', '}', '|', '?', '+', '^', '/', '\n', 'é', '\ud83d']
  const rnd = seeded(7)
  const word = (max: number): string => Array.from({length: 1 + rnd(max)}, () => alphabet[rnd(alphabet.length)]).join('')
  for (let round = 0; round < 300; round++) {
    const literals = Array.from({length: 1 + rnd(6)}, () => word(4))
    const re = anyLiteralRegExp(literals)!
    for (let k = 0; k < 10; k++) {
      const text = word(24)
      assert.is(re.test(text), literals.some((l) => text.includes(l)), `${JSON.stringify(literals)} in ${JSON.stringify(text)}`)
    }
  }
  assert.is(anyLiteralRegExp(['x', '']), null)
  assert.is(anyLiteralRegExp([]), null)
})

test.run()
