/**
 * The first-party packages of plugins/crowd: every manifest is valid and lists existing files,
 * every YAML file parses, and the detection data lists match the attacks they are meant for and
 * not ordinary traffic (tables of real-looking inputs; the regexes are RE2 syntax, checked here
 * with JS RegExp, which agrees on the constructs these lists use).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseAllDocuments} from 'yaml'
import {parseManifest} from '../../src/hub/manifest.js'
import {ROOT} from '../helpers/run-cli.js'

const CROWD = path.join(ROOT, 'plugins', 'crowd')
const packages = fs.readdirSync(CROWD).filter((d) => fs.existsSync(path.join(CROWD, d, 'crowd-package.toml'))).sort()

test('the expected packages exist', () => {
  for (const name of ['syslog-logs', 'sshd-logs', 'nginx-logs', 'apache2-logs', 'iptables-logs', 'mysql-logs', 'postfix-logs', 'dateparse-enrich', 'http-logs', 'whitelists',
    'ssh-bf', 'ssh-slow-bf', 'ssh-user-enum', 'http-probing', 'http-sensitive-files', 'http-path-traversal', 'http-sqli-probing', 'http-xss-probing', 'http-bad-user-agent',
    'http-crawl-non-statics', 'http-bad-crawlers', 'http-backdoor-attempts', 'http-login-bf', 'iptables-port-scan', 'mysql-bf', 'postfix-bf',
    'linux', 'sshd', 'nginx', 'apache2', 'http', 'iptables', 'mysql', 'postfix']) assert.ok(packages.includes(name), name)
})

for (const dir of packages) {
  test(`package crowd/${dir}: manifest, files, YAML, dependencies`, () => {
    const file = path.join(CROWD, dir, 'crowd-package.toml')
    const {manifest} = parseManifest(fs.readFileSync(file, 'utf8'), file)
    assert.is(manifest.name, `crowd/${dir}`)
    for (const f of manifest.files) {
      const text = fs.readFileSync(path.join(CROWD, dir, f), 'utf8')
      if (!/\.ya?ml$/.test(f)) continue // a plugin's JavaScript (its `main`)
      for (const doc of parseAllDocuments(text)) assert.equal(doc.errors.map((e) => e.message), [], f)
    }
    for (const src of Object.values(manifest.data)) assert.ok(fs.existsSync(path.join(CROWD, dir, src)), src)
    for (const dep of Object.keys(manifest.dependencies)) assert.ok(packages.includes(dep.replace(/^crowd\//, '')), `dependency ${dep}`)
  })
}

function regexes(pkg: string, file: string): RegExp[] {
  return fs.readFileSync(path.join(CROWD, pkg, 'data', file), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith('(?i)') ? new RegExp(l.slice(4), 'i') : new RegExp(l)))
}
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

const tables: {pkg: string; file: string; prepare: (s: string) => string; attacks: string[]; benign: string[]}[] = [
  {pkg: 'http-sensitive-files', file: 'sensitive_paths.regex', prepare: (s) => decode(s).toLowerCase(),
    attacks: ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php.bak', '/config.php.bak', '/backup.sql', '/db.sql.gz', '/dump.sql', '/database.sql.zip', '/.aws/credentials',
      '/.htpasswd', '/.svn/entries', '/.bash_history', '/composer.lock', '/wp-content/debug.log', '/.vscode/sftp.json', '/.docker/config.json', '/secrets.yml',
      '/.env.production.local', '/api/.env', '/.env.save', '/.s3cfg', '/.ssh', '/site.sql.bz2', '/www.sql.7z', '/.gitlab-ci/.env', '/config/aws.yml', '/index.php.bak', '/%2eenv', '/phpinfo.php'],
    benign: ['/', '/products/blue-mug-1002', '/static/js/app.9d02be71.js', '/config.json', '/settings', '/blog/2024/env-guide', '/robots.txt', '/sitemap.xml', '/index.php', '/wp-login.php']},
  {pkg: 'http-path-traversal', file: 'path_traversal.regex', prepare: (s) => s.toLowerCase(),
    attacks: ['/index.php?page=../../../etc/passwd', '/download?file=..%2f..%2f..%2fetc%2fpasswd', '/static/%2e%2e%2f%2e%2e%2fetc/shadow', '/image?path=..%252f..%252fetc%252fhosts',
      '/?file=php://filter/convert.base64-encode/resource=index.php', '/view.php?template=....//....//etc/passwd', '/page?lang=../../proc/self/environ', '/assets?f=..\\..\\..\\windows/win.ini',
      '/load?url=file:///etc/passwd&x=1', '/include.php?inc=../../../var/log/nginx/access.log', '/cgi-bin/.%2e/.%2e/.%2e/bin/sh',
      '/cgi-bin/%%32%65%%32%65/%%32%65%%32%65/bin/sh', '/assets?f=..%5c..%5cetc%5cpasswd'],
    benign: ['/', '/products/blue-mug-1002', '/search?q=red+dress', '/category/men?page=2', '/blog/2024/how-to-choose', '/api/v1/products?category=men&limit=24', '/static/css/main.css', '/redirect?to=https://example.com/']},
  {pkg: 'http-sqli-probing', file: 'sqli_probes.regex', prepare: (s) => decode(s).toLowerCase(),
    attacks: ['id=1%20union%20select%20null%2cnull%2cnull--%20-', 'id=1%27%20AND%20sleep%285%29--%20-', 'id=1%20AND%20benchmark%285000000%2cmd5%2842%29%29',
      'id=-1%20union%20all%20select%201%2c@@version%2cdatabase%28%29--', 'id=1%27%20and%20substring%28@@version%2c1%2c1%29=%275', 'id=1%3bselect%20pg_sleep%285%29--',
      'q=x%27%20union%20select%20table_name%20from%20information_schema.tables--%201', 'cat=1%20and%20load_file%28%27/etc/passwd%27%29%20--%201', 'id=1%20AND%20hex%2842%29',
      'sort=price%2c%28select%20upper%28user%28%29%29%29--1', "id=1' or '1'='1", 'id=1 order by 5--'],
    benign: ['q=shoes', 'q=red+dress', 'page=2', 'category=men&limit=24&offset=48', 'product=1234', "q=o'reilly+books", 'q=select+a+gift', 'q=union+station+map', 'sort=price&order=asc']},
  {pkg: 'http-xss-probing', file: 'xss_probes.regex', prepare: (s) => decode(s).toLowerCase(),
    attacks: ['q=%3Cscript%3Ealert%281%29%3C%2Fscript%3E', 'q=%22%3E%3Csvg%2Fonload%3Dalert%281%29%3E', 'q=%3Cimg%20src%3Dx%20onerror%3Dprompt%281%29%3E', 'name=javascript%3Aalert%28document.domain%29%2F%2F1',
      'q=<script>alert(1)</script>', 'redirect=%3Ciframe%20src%3Djavascript%3Aalert%281%29%3E', 'msg=%3Cbody%20onload%3Dalert%281%29%3E', 'q=%27%3E%3Cinput%20autofocus%20onfocus%3Dalert%281%29%3E'],
    benign: ['q=shoes', 'q=script+writing', 'q=%3C3+mugs', 'page=2&sort=new', 'q=javascript+book', 'ref=onload-test', 'q=a+%3E+b']},
  {pkg: 'http-bad-user-agent', file: 'bad_user_agents.regex', prepare: (s) => s.toLowerCase(),
    attacks: ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)', 'Mozilla/5.0 zgrab/0.x',
      'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
      'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', 'sqlmap/1.7.12#stable (https://sqlmap.org)',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 Safari/537.36 Acunetix', 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; Trident/4.0; ZmEu)',
      'Fuzz Faster U Fool v2.1.0-dev', 'gobuster/3.6'],
    benign: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'curl/8.5.0', 'python-requests/2.31.0', 'Go-http-client/1.1', 'okhttp/4.12.0', 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)']},
]
for (const t of tables) {
  const res = regexes(t.pkg, t.file)
  for (const input of t.attacks) test(`${t.file} matches ${input}`, () => assert.ok(res.some((r) => r.test(t.prepare(input))), input))
  for (const input of t.benign) test(`${t.file} ignores ${input}`, () => assert.equal(res.filter((r) => r.test(t.prepare(input))).map(String), []))
}

// crowd/http-bad-crawlers counts a User-Agent that bad_crawlers.regex matches and known_crawlers.regex does not
const badCrawlers = regexes('http-bad-crawlers', 'bad_crawlers.regex')
const knownCrawlers = regexes('http-bad-crawlers', 'known_crawlers.regex')
const unwantedCrawler = (ua: string): boolean => badCrawlers.some((r) => r.test(ua.toLowerCase())) && !knownCrawlers.some((r) => r.test(ua.toLowerCase()))
for (const [ua, want] of [
  ['Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)', true],
  ['Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)', true],
  ['Mozilla/5.0 (compatible; BLEXBot/1.0; +http://webmeup-crawler.com/)', true],
  ['Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)', true],
  ['Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)', true],
  ['Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)', true],
  ['Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3', true],
  ['Mozilla/5.0 (Windows; U; Windows NT 6.1; en-US) AppleWebKit/533.4 (KHTML, like Gecko) Chrome/5.0.375.99 Safari/533.4', true],
  ['Mozilla/5.0 (compatible; Nimblebot/1.2; +https://nimble.example.net/about)', true],
  ['ExampleCrawler/0.9 (+https://crawler.example.org/)', true],
  ['Mozilla/5.0 (compatible; bot)', true],
  ['Mozilla/4.5 (compatible; HTTrack 3.0x; Windows 98)', true],
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', false],
  ['Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', false],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', false],
  ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', false],
  ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', false],
  ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', false],
  ['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', false],
  ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', false],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)', false],
  ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', false],
  ['Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', false],
  ['Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36', false],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', false],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0', false],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', false],
  ['curl/8.5.0', false],
  ['python-requests/2.31.0', false],
] as const) {
  test(`http-bad-crawlers ${want ? 'counts' : 'ignores'} ${ua}`, () => assert.is(unwantedCrawler(ua), want))
}

const backdoors = new Set(fs.readFileSync(path.join(CROWD, 'http-backdoor-attempts/data/backdoors.txt'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')))
for (const [name, want] of [['c99.php', true], ['wso2.8.5.php', true], ['alfa3.php', true], ['simple-backdoor.php', true], ['index.php', false], ['wp-login.php', false], ['xmlrpc.php', false], ['upload.php', false]] as const) {
  test(`backdoors.txt ${want ? 'lists' : 'does not list'} ${name}`, () => assert.is(backdoors.has(name), want))
}

test.run()
