import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {FileDataStore, combineRe2Lines, dataFileLines} from '../../../src/expr/helpers/data-files.js'
import {compileRe2} from '../../../src/expr/helpers/re2.js'
import {createHelperContext, createHelpers} from '../../../src/expr/helpers/index.js'
import {isStringSlice} from '../../../src/model/go-values.js'
import {SHARED} from '../../helpers/run-cli.js'
import {writerIn} from '../../helpers/files.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-data-'))
const write = writerIn(dir)

write('ips.txt', '# comment\n1.2.3.4\n\n10.0.0.0/8\r\ntrailing \n')
write('bad.regex', '(?i)sqlmap\n^curl/\n\\bnikto\\b\n(?P<n>x+)y$\n')
write('sub/dir.txt', 'a\n')
write('map.json', [
  '{"pattern":"/wp-login.php","tag":"wordpress","type":"equals"}',
  '{"pattern":"admin","tag":"admin-any","type":"contains"}',
  '{"pattern":"php","tag":"php-any","type":"contains"}',
  '{"pattern":"^/api/v[0-9]+/","tag":"api","type":"regex"}',
].join('\n'))
write('bots.json', [
  '{"name":"goodbot","user_agent":"GoodBot/\\\\d","ips":["1.1.1.1"],"ranges":["2.2.0.0/16"]}',
  '{"name":"crawler","user_agent":"Crawler","paths":["^/robots\\\\.txt$"],"rdns":["\\\\.crawler\\\\.example\\\\.$"]}',
].join('\n'))
write('invalid.regex', 'ok\n(unclosed\n')

const logs: string[] = []
const logger = {error() {}, warn: (m: string) => logs.push(m), info() {}, debug() {}}
const store = new FileDataStore({dataDir: dir, logger})
store.loadDataFile(path.join(dir, 'ips.txt'), 'string')
store.loadDataFile('bad.regex', 'regexp')
store.loadDataFile(path.join(dir, 'sub', 'dir.txt'), 'string')
store.loadDataFile('map.json', 'map')
store.loadDataFile('bots.json', 'bots')
store.loadDataFile('missing.txt', 'string')
const dns = {
  lookupHost: (name: string) => (name === 'bot1.crawler.example' ? ['9.9.9.9'] : []),
  lookupAddr: (ip: string) => (ip === '9.9.9.9' ? ['bot1.crawler.example.'] : ip === '8.8.8.8' ? ['fake.crawler.example.'] : []),
}
const h = createHelpers(createHelperContext({data: store, logger, dns}))

test('dataFileLines skips comments and empty lines, drops one \\r, keeps trailing spaces', () => {
  assert.equal(dataFileLines('# c\na\n\nb\r\nc \n'), ['a', 'b', 'c '])
})

test('File returns the []string of a string file, [] for an unknown one', () => {
  const f = h.File!('ips.txt')
  assert.ok(isStringSlice(f))
  assert.equal(f, ['1.2.3.4', '10.0.0.0/8', 'trailing '])
  assert.equal(h.File!('sub/dir.txt'), ['a'])
  assert.equal(h.File!('nope.txt'), [])
  assert.equal(h.File!('missing.txt'), [])
  assert.ok(logs.some((l) => l.includes('missing.txt')))
})

const REGEXP: [string, boolean][] = [
  ['Mozilla/5.0 SQLMAP/1.0', true],
  ['curl/7.1', true],
  ['my curl/7.1', false],
  ['Nikto scanner', false],
  ['a nikto scan', true],
  ['xxxy', true],
  ['xxxyz', false],
  ['Mozilla/5.0', false],
]

for (const [input, want] of REGEXP) {
  test(`RegexpInFile(${JSON.stringify(input)}, bad.regex) = ${want}`, () => {
    assert.is(h.RegexpInFile!(input, 'bad.regex'), want)
  })
}

test('RegexpInFile on an unknown file is false; an invalid regexp refuses to load', () => {
  assert.is(h.RegexpInFile!('x', 'unknown.regex'), false)
  assert.throws(() => store.loadDataFile('invalid.regex', 'regexp'), /missing closing \)/)
})

test('LookupFile: equals first, then leftmost contains, then regex rows', () => {
  assert.is(h.LookupFile!('/wp-login.php', 'map.json'), 'wordpress')
  assert.is(h.LookupFile!('/x.php/admin', 'map.json'), 'php-any')
  assert.is(h.LookupFile!('/admin.php', 'map.json'), 'admin-any')
  assert.is(h.LookupFile!('/api/v2/users', 'map.json'), 'api')
  assert.is(h.LookupFile!('/nothing', 'map.json'), '')
  assert.is(h.LookupFile!('/nothing', 'unknown.json'), '')
  const rows = h.FileMap!('map.json') as Record<string, string>[]
  assert.is(rows.length, 4)
  assert.is(rows[0]!.tag, 'wordpress')
})

test('MatchKnownBot: user agent + ips/ranges, or forward-confirmed rDNS', () => {
  assert.is(h.MatchKnownBot!('1.1.1.1', 'GoodBot/2', '/', 'bots.json'), true)
  assert.is(h.MatchKnownBot!('2.2.3.4', 'goodbot/2', '/', 'bots.json'), true)
  assert.is(h.MatchKnownBot!('3.3.3.3', 'GoodBot/2', '/', 'bots.json'), false)
  assert.is(h.MatchKnownBot!('1.1.1.1', 'Other', '/', 'bots.json'), false)
  assert.is(h.MatchKnownBot!('9.9.9.9', 'Crawler', '/robots.txt', 'bots.json'), true)
  assert.is(h.MatchKnownBot!('9.9.9.9', 'Crawler', '/other', 'bots.json'), false)
  assert.is(h.MatchKnownBot!('8.8.8.8', 'Crawler', '/robots.txt', 'bots.json'), false)
  assert.is(h.MatchKnownBot!('1.1.1.1', 'GoodBot/2', '/', 'unknown.json'), false)
})

test('every regexp data file of the hub compiles', () => {
  const hubData = path.join(SHARED, 'crowdsec-hub', 'data')
  const hub = new FileDataStore({dataDir: hubData})
  for (const f of ['bad_user_agents.regex.txt', 'rdns_seo_bots.regex']) {
    hub.loadDataFile(f, 'regexp')
    assert.ok(hub.regexps(f) !== undefined, f)
  }
  assert.is(hub.regexps('bad_user_agents.regex.txt')!.test('Mozilla/5.0 Sqlmap/1.4'), true)
  assert.is(hub.regexps('bad_user_agents.regex.txt')!.test('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'), false)
  hub.loadDataFile('cloudflare_ips.txt', 'string')
  assert.ok(hub.strings('cloudflare_ips.txt')!.length > 5)
})

test('a regexp file with a result cache gives the same answers', () => {
  const cached = new FileDataStore()
  cached.addText('c.regex', 'regexp', 'ab+c\n', {cache: true, size: 2})
  const re = cached.regexps('c.regex')!
  for (const s of ['abbc', 'ac', 'abbc', 'x', 'y', 'abbc']) assert.is(re.test(s), /ab+c/.test(s), s)
})

// RE2 lines mixing \bliteral\b words (word search), flags, anchors and named groups (combined or not)
const MIXED = ['\\bsqlmap\\b', '\\bGo!Zilla\\b', '\\b.NET CLR\\b', '\\bBlack\\ Hole\\b', '(?i)nikto', '^curl/', 'x{2,}y$', '(?P<v>ver)sion', '\\bECCP/1.0\\b', '[[:digit:]]+abc']
const TEXTS = ['', 'sqlmap/1.0', 'xsqlmap', 'Go!Zilla 3', 'Go!Zillas', 'Mozilla/4.0 (.NET CLR 1.1)', 'a.NET CLR', 'Black Hole', 'NIKTO scan',
  'curl/7', 'x curl/7', 'xxy', 'xy', 'version', 'ECCP/1x0', '12abc', 'é Black Hole é', 'Black  Hole']

test('RegexpInFile on a mixed file equals testing each regex', () => {
  const mixed = new FileDataStore()
  mixed.addText('mixed.regex', 'regexp', MIXED.join('\n'))
  const each = MIXED.map((line) => compileRe2(line))
  for (const text of TEXTS) assert.is(mixed.regexps('mixed.regex')!.test(text), each.some((re) => re.test(text)), text)
})

test('RegexpInFile without a cache: repeated and alternating texts keep their answers', () => {
  const mixed = new FileDataStore()
  mixed.addText('mixed.regex', 'regexp', MIXED.join('\n'))
  const list = mixed.regexps('mixed.regex')!
  const each = MIXED.map((line) => compileRe2(line))
  for (const text of ['sqlmap', 'sqlmap', 'x', 'sqlmap', 'x', 'y', 'sqlmap', 'Black Hole', 'x', 'Black Hole']) {
    assert.is(list.test(text), each.some((re) => re.test(text)), text)
  }
})

test('RegexpInFile without a cache: past the memory of recent texts (and for long texts) answers stay right', () => {
  const mixed = new FileDataStore()
  mixed.addText('mixed.regex', 'regexp', MIXED.join('\n'))
  const list = mixed.regexps('mixed.regex')!
  const each = MIXED.map((line) => compileRe2(line))
  // 3,000 distinct texts twice (the memory is cleared when full), then long ones
  const texts = Array.from({length: 3000}, (_, i) => (i % 7 === 0 ? `curl/${i}` : i % 11 === 0 ? `x sqlmap ${i}` : `Mozilla ${i}`))
  for (const text of [...texts, ...texts, 'a'.repeat(600) + ' nikto', 'a'.repeat(600), 'a'.repeat(600) + ' nikto']) {
    assert.is(list.test(text), each.some((re) => re.test(text)), text.slice(0, 40))
  }
})

test('combineRe2Lines: one native alternation, risky lines kept apart', () => {
  const lines = [...MIXED, '^(a|aa)+$', '\\Qa.b']
  const each = lines.map((line) => compileRe2(line))
  const combined = combineRe2Lines(lines, each)
  assert.ok(combined.length < each.length, `${combined.length} regexes`)
  assert.ok(combined.includes(each[lines.indexOf('^(a|aa)+$')]!), 'the risky line is its own regex')
  for (const text of [...TEXTS, 'aaaa', 'a.b', 'aab']) assert.is(combined.some((re) => re.test(text)), each.some((re) => re.test(text)), text)
  assert.equal(combineRe2Lines(['a'], [compileRe2('a')]).length, 1)
  // group names do not matter for "does any line match"
  const named = ['(?P<v>a)x', '(?P<v>b)y']
  const namedEach = named.map((l) => compileRe2(l))
  const namedCombined = combineRe2Lines(named, namedEach)
  for (const text of ['ax', 'by', 'ay', '']) assert.is(namedCombined.some((re) => re.test(text)), namedEach.some((re) => re.test(text)), text)
})

test('hub bad_user_agents: the fast search equals one test per regex', () => {
  const hubData = path.join(SHARED, 'crowdsec-hub', 'data')
  const lines = dataFileLines(fs.readFileSync(path.join(hubData, 'bad_user_agents.regex.txt'), 'utf8'))
  const each = lines.map((line) => compileRe2(line))
  const hub = new FileDataStore({dataDir: hubData})
  hub.loadDataFile('bad_user_agents.regex.txt', 'regexp')
  const list = hub.regexps('bad_user_agents.regex.txt')!
  const agents = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', 'curl/7.68.0', 'sqlmap/1.5#stable',
    'Mozilla/5.0 (compatible; Nmap Scripting Engine)', 'python-requests/2.28', 'Go-http-client/1.1', 'Wget/1.21', 'masscan/1.3', 'zgrab/0.x',
    'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)', 'WebCopier v4.6', 'Black Hole', 'Nikto', 'Firefox/7.0', 'Go!Zilla', '']
  for (const ua of [...agents, ...lines.slice(0, 200).map((l) => l.replace(/\\b/g, ' ').replace(/\\/g, ''))]) {
    assert.is(list.test(ua), each.some((re) => re.test(ua)), ua)
  }
})

test.run()
