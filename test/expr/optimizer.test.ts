import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BUILTIN_NAMES} from '../../src/expr/builtins.js'
import {check} from '../../src/expr/check.js'
import {ENVS} from '../../src/expr/envs.js'
import {FileDataStore} from '../../src/expr/helpers/data-files.js'
import {createHelperContext, createHelpers} from '../../src/expr/helpers/index.js'
import {HELPER_NAMES} from '../../src/expr/helper-names.js'
import {compileExpr, type HelperTable} from '../../src/expr/index.js'
import {optimize, type Optimizations} from '../../src/expr/optimizer.js'
import {parse} from '../../src/expr/parser.js'
import {print} from '../../src/expr/print.js'
import {Event, newLogEvent} from '../../src/model/event.js'
import {SHARED} from '../helpers/run-cli.js'
import {describe} from './eval-table.js'

const ctx = createHelperContext({})
const store = ctx.data as FileDataStore
store.addText('list.txt', 'string', ['/etc/passwd', 'UNION', '.PHP', 'wp-', 'straße', 'ıd', '<script'].join('\n'))
store.addText('empty.txt', 'string', '# nothing\n')
store.addText('one.txt', 'string', 'a\n')
store.addText('cves.json', 'string', ['{"cve":"CVE-1","uri":"/global-protect/login.esp"}', '{"cve":"CVE-2","uri":"/cgi-bin/nas"}', 'not json'].join('\n'))
store.addText('agents.regex', 'regexp', ['\\bsqlmap\\b', '\\bGo!Zilla\\b', '\\b.NET CLR\\b', '(?i)nikto', '^curl/', '\\bBlack\\ Hole\\b'].join('\n'))
const helpers = createHelpers(ctx)

function event(meta: Record<string, string>, parsed: Record<string, string> = {}, unmarshaled: Record<string, unknown> = {}): Event {
  const evt = newLogEvent({raw: 'x', src: 'test', module: 'file', labels: {type: 'nginx'}})
  Object.assign(evt.Meta, meta)
  Object.assign(evt.Parsed, parsed)
  Object.assign(evt.Unmarshaled, unmarshaled)
  return evt
}

function run(source: string, evt: Event, optimized: boolean, table: HelperTable = helpers): unknown {
  try {
    return describe(compileExpr(source, {env: 'event', helperTable: table, optimize: optimized}).run({evt}))
  } catch (error) {
    return `error: ${(error as Error).message}`
  }
}

function optimizationsOf(source: string): Optimizations {
  const ast = parse(source, BUILTIN_NAMES)
  const env = ENVS.event
  check(ast, {env, isFunction: (name) => HELPER_NAMES.has(name)})
  return optimize(ast, {env, helpers, evaluate: () => {
    throw new Error('not folded in this test')
  }})
}

const EVENTS: Event[] = [
  event({http_path: '/index.php?id=1', http_verb: 'GET', log_type: 'http_access-log'}, {request: '/index.php', file_name: 'index.php', http_args: 'id=1', http_user_agent: 'Mozilla/5.0'}),
  event({http_path: '/../../etc/passwd', http_verb: 'post', log_type: 'http_access-log'}, {request: '/wp-login.php', file_name: '.PHP', http_args: 'a=1 union select', http_user_agent: 'sqlmap/1.0'}),
  event({http_path: '/STRASSE/straße/IDx', http_verb: 'GET'}, {request: '', file_name: '', http_args: '<SCRIPT>', http_user_agent: 'Mozilla/4.0 (.NET CLR 1.1)'}),
  event({http_path: '/global-protect/login.esp', http_verb: 'HEAD'}, {request: '/cgi-bin/nas', http_user_agent: 'Go!Zilla 3'}, {n: 5, s: 'x'}),
  event({}, {}, {n: 5}),
]

// Every expression is evaluated on every event, optimised and plain: results (or errors) must be equal.
const SAME: string[] = [
  // membership over File(): contains / startsWith / endsWith / ==, with and without Upper/Lower
  "any(File('list.txt'), {Upper(evt.Meta.http_path) contains Upper(#)})",
  "any(File('list.txt'), {Lower(evt.Meta.http_path) contains Lower(#)})",
  "any(File('list.txt'), {evt.Meta.http_path contains #})",
  "any(File('list.txt'), {evt.Parsed.request endsWith #})",
  "any(File('list.txt'), {Upper(evt.Parsed.request) endsWith Upper(#)})",
  "any(File('list.txt'), {evt.Parsed.request startsWith #})",
  "any(File('list.txt'), {evt.Parsed.file_name == #})",
  "any(File('list.txt'), {# == evt.Parsed.file_name})",
  "any(File('list.txt'), {Upper(evt.Parsed.http_args) contains Upper(#)})",
  "any(File('one.txt'), {evt.Meta.missing contains #})",
  // errors and laziness: a hoisted part fails only when the loop reaches it
  "any(File('empty.txt'), {Upper(evt.Unmarshaled.missing) contains #})",
  "any(File('list.txt'), {Upper(evt.Unmarshaled.missing) contains #})",
  "any(File('list.txt'), {false && Upper(evt.Unmarshaled.missing) contains #})",
  "any(File('list.txt'), {evt.Unmarshaled.n contains #})",
  "any(File('list.txt'), {evt.Unmarshaled.n == #})",
  "any(File('empty.txt'), {evt.Unmarshaled.n contains #})",
  "any(File('list.txt'), {evt.Unmarshaled.s startsWith #})",
  "any(File('missing.txt'), {evt.Meta.http_path contains #})",
  // other predicates over File(), per-element caches
  "filter(File('list.txt'), {Lower(#) startsWith '.'})",
  "map(File('list.txt'), {Upper(#) + evt.Meta.http_verb})",
  "count(File('list.txt'), {len(Upper(#)) > #index})",
  "all(File('list.txt'), {Upper(#) != Upper(evt.Meta.http_path)})",
  "none(File('list.txt'), {Upper(evt.Meta.http_path) contains Upper(#) && #index > 2})",
  "any(File('cves.json'), {evt.Meta.http_path contains JsonExtract(#, 'uri')})",
  "map(File('cves.json'), {JsonExtract(#, 'cve')})",
  "any(File('list.txt'), {let u = Upper(#); any(Split(evt.Meta.http_path, '/'), {Upper(#) == u})})",
  "any(File('list.txt'), {any(File('list.txt'), {Upper(#) contains evt.Meta.http_verb})})",
  // a predicate called again after a side effect: its per-call caches start empty
  "map(['/ETC/PASSWD', '/x', '/etc/passwd'], {evt.SetMeta('p', #) && any(File('list.txt'), {Upper(evt.Meta.p) contains Upper(#)})})",
  "map(['/ETC/PASSWD', '/x'], {evt.SetMeta('p', #) && any(File('list.txt'), {Lower(evt.Meta.p) contains Lower(#) && Upper(evt.Meta.p) != ''})})",
  // constant folding
  "Upper(evt.Meta.http_path) contains Upper('/global-protect/')",
  "evt.Meta.http_verb == Upper('post')",
  "Upper(evt.Meta.http_verb) != Lower('POST')",
  "Upper(evt.Meta.http_path) matches Upper('^/glob.*esp$')",
  "evt.Meta.http_path matches Upper('[')",
  "evt.Meta.http_path matches Upper(evt.Meta.http_verb)",
  "Upper(evt.Meta.http_path) startsWith Upper('/dana-na/') || 1 + 2 * 3 == 7",
  "7 % 0 == 1",
  "Split('a,b', ',')[0] == evt.Meta.http_verb",
  // common sub-expressions
  "Upper(PathUnescape(evt.Meta.http_path)) contains 'ETC' or Upper(PathUnescape(evt.Meta.http_path)) contains 'STRASSE'",
  "let uri = Lower(evt.Meta.http_path); uri contains '/global' or uri == '/nwa' or uri contains 'passwd'",
  "Upper(evt.Unmarshaled.missing) == 'A' || Upper(evt.Unmarshaled.missing) == 'B'",
  "evt.Meta.http_verb == 'GET' ? Lower(evt.Meta.http_path) : Upper(evt.Meta.http_path) + Lower(evt.Meta.http_path)",
  // RegexpInFile (literal words + combined alternation)
  "RegexpInFile(evt.Parsed.http_user_agent, 'agents.regex')",
  "RegexpInFile(Lower(evt.Meta.http_path), 'agents.regex')",
]

for (const source of SAME) {
  test(`optimised == plain: ${source}`, () => {
    for (const evt of EVENTS) assert.equal(run(source, evt, true), run(source, evt, false), `${source} on ${JSON.stringify(evt.Meta)}`)
  })
}

test('side effects in a predicate body: nothing hoisted, same metas set', () => {
  const source = "any(File('cves.json'), {evt.Meta.http_path contains JsonExtract(#, 'uri') ? evt.SetMeta('cve', JsonExtract(#, 'cve')) : false})"
  for (const optimized of [true, false]) {
    const evt = event({http_path: '/x/cgi-bin/nas/y'})
    assert.is(run(source, evt, optimized), true)
    assert.is(evt.Meta.cve, 'CVE-2')
  }
  const o = optimizationsOf(source)
  assert.is(o.memberships.size, 0)
  assert.is([...o.hoisted.values()].filter((h) => h.owner === undefined).length, 0)
})

// [expression, what the passes must find]
const FOUND: [string, (o: Optimizations) => boolean][] = [
  ["any(File('list.txt'), {Upper(evt.Meta.http_path) contains Upper(#)})", (o) => o.memberships.size === 1 && o.perElement.size === 1],
  ["any(File('list.txt'), {evt.Parsed.file_name == #})", (o) => [...o.memberships.values()][0]?.op === '=='],
  ["any(File('list.txt'), {evt.Parsed.request endsWith #})", (o) => [...o.memberships.values()][0]?.op === 'endsWith'],
  ["any(File('list.txt'), {# contains evt.Meta.http_path})", (o) => o.memberships.size === 0],
  ["any(Split(evt.Meta.http_path, '/'), {Upper(evt.Meta.x) contains Upper(#)})", (o) => o.memberships.size === 0 && o.perElement.size === 0 && o.hoisted.size === 1],
  ["Upper(evt.Meta.http_path) contains 'A' or Upper(evt.Meta.http_path) contains 'B'", (o) => o.hoisted.size === 2],
  ["Upper(evt.Meta.http_path) contains 'A'", (o) => o.hoisted.size === 0],
  ["evt.SetMeta('a', 'b') || any(File('list.txt'), {Upper(evt.Meta.http_path) contains #})", (o) => [...o.hoisted.values()].some((h) => h.owner !== undefined)],
  ["any(File('list.txt'), {let u = Upper(evt.Meta.x); u contains #})", (o) => o.memberships.size === 0],
  ["any(File('list.txt'), {now().Year() > 2000 && Upper(#) == 'A'})", (o) => o.hoisted.size === 0],
]

for (const [source, ok] of FOUND) test(`passes find: ${source}`, () => assert.ok(ok(optimizationsOf(source))))

test('constant folding records values, not failures', () => {
  const folded = (source: string): unknown[] => {
    const ast = parse(source, BUILTIN_NAMES)
    const env = ENVS.event
    check(ast, {env, isFunction: (name) => HELPER_NAMES.has(name)})
    const evaluate = (node: Parameters<typeof print>[0]): unknown => compileExpr(print(node), {env: 'event', helperTable: helpers, optimize: false}).run({})
    return [...optimize(ast, {env, helpers, evaluate}).constants.values()]
  }
  assert.equal(folded("evt.Meta.x contains Upper('/a/b')"), ['/A/B'])
  assert.equal(folded('evt.Unmarshaled.x == 1 + 2'), [3])
  assert.equal(folded("evt.Meta.x == (true ? Lower('A') : 'b')"), ['a'])
  assert.equal(folded('evt.Unmarshaled.x == 7 % 0'), [])
  assert.equal(folded('evt.Meta.x == string(now())'), [])
})

test('hoisting: Upper of the subject runs once per call, not once per element', () => {
  let calls = 0
  const counting: HelperTable = Object.assign(Object.create(null) as HelperTable, helpers, {
    Upper: (s: unknown) => {
      calls++
      return (helpers.Upper as (s: unknown) => unknown)(s)
    },
  })
  const evt = event({http_path: '/nothing/here'})
  for (const [optimized, want] of [[true, 1], [false, 7]] as const) {
    calls = 0
    assert.is(run("any(File('list.txt'), {Upper(evt.Meta.http_path) contains #})", evt, optimized, counting), false)
    assert.is(calls, want)
  }
  // on an empty list the subject is not evaluated at all
  calls = 0
  assert.is(run("any(File('empty.txt'), {Upper(evt.Meta.http_path) contains #})", evt, true, counting), false)
  assert.is(calls, 0)
})

test('cached sub-trees never share a mutable result between uses or runs', () => {
  const program = compileExpr("[Split(evt.Meta.http_path, '/'), Split(evt.Meta.http_path, '/'), map(File('one.txt'), {Split(#, ',')})]", {env: 'event', helperTable: helpers})
  const evt = event({http_path: '/a/b'})
  const first = program.run({evt}) as unknown[][]
  assert.is.not(first[0], first[1])
  const second = program.run({evt}) as unknown[][]
  assert.is.not((first[2] as unknown[])[0], (second[2] as unknown[])[0])
  assert.equal(first, second)
})

test('per-element cache: Upper(#) of a data file computed once per element across runs', () => {
  let calls = 0
  const counting: HelperTable = Object.assign(Object.create(null) as HelperTable, helpers, {
    Lower: (s: unknown) => {
      calls++
      return (helpers.Lower as (s: unknown) => unknown)(s)
    },
  })
  const program = compileExpr("filter(File('list.txt'), {Lower(#) startsWith '.' || evt.Meta.http_verb == 'X'})", {env: 'event', helperTable: counting})
  for (let i = 0; i < 5; i++) assert.equal(program.run({evt: event({http_verb: 'GET'})}), ['.PHP'])
  assert.is(calls, 7)
})

const scenarioDir = path.join(SHARED, 'crowdsec-hub', 'scenarios', 'crowdsecurity')
test('every hub scenario filter compiles with the optimizer', () => {
  let count = 0
  for (const file of fs.readdirSync(scenarioDir)) {
    const text = fs.readFileSync(path.join(scenarioDir, file), 'utf8')
    for (const m of text.matchAll(/^filter: ["'](.*)["']$/gm)) {
      const source = m[1]!.replace(/\\"/g, '"')
      try {
        compileExpr(source, {env: 'event', helperTable: helpers})
        count++
      } catch (error) {
        // the plain compiler must refuse it too
        assert.throws(() => compileExpr(source, {env: 'event', helperTable: helpers, optimize: false}), undefined, `${file}: ${(error as Error).message}`)
      }
    }
  }
  assert.ok(count > 50, `${count} filters`)
})

test.run()
