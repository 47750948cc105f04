/**
 * Bouncer configurations (src/outputs/bouncers/config.ts): CrowdSec's keys, ${VAR} from the
 * environment as Debian's bouncer configs use it, defaults with no file, errors with file and line,
 * and which installed package a `type:` names.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstalledPlugin} from '../../../src/hub/plugins.js'
import {CrowdError, CrowdErrorList} from '../../../src/model/errors.js'
import {bouncerFiles, loadBouncerConfig, packagesFor, parseBouncerConfig} from '../../../src/outputs/bouncers/index.js'

const DEBIAN = `mode: \${BACKEND}
update_frequency: 10s
log_mode: file
log_dir: /var/log/
log_level: info
api_url: http://127.0.0.1:8080/
api_key: \${API_KEY}
insecure_skip_verify: false
disable_ipv6: false
deny_action: DROP
deny_log: false
supported_decisions_types:
  - ban
blacklists_ipv4: crowdsec-blacklists
iptables_chains:
  - INPUT
nftables:
  ipv4:
    enabled: true
    set-only: false
    table: crowdsec
    chain: crowdsec-chain
`

test("Debian's crowdsec-firewall-bouncer.yaml: ${VAR} expanded, filters, the other keys for the plugin", () => {
  const c = parseBouncerConfig(DEBIAN, 'firewall', '/etc/crowd/bouncers/firewall.yaml', {env: {API_KEY: 'k3y', BACKEND: 'nftables'}})
  assert.equal([c.type, c.apiUrl, c.apiKey, c.updateFrequencyMs, c.logLevel], ['firewall', 'http://127.0.0.1:8080/', 'k3y', 10_000, 'info'])
  assert.equal(c.filters, {scopes: ['ip', 'range'], types: ['ban'], origins: [], scenariosContaining: [], scenariosNotContaining: [], captchaAsBan: true})
  assert.is(c.values.mode, 'nftables')
  assert.equal((c.values.nftables as any).ipv4.table, 'crowdsec')
  assert.is(c.keyLines.api_key, 7)
  const unset = parseBouncerConfig(DEBIAN, 'firewall', 'f.yaml', {env: {}})
  assert.is(unset.apiKey, '${API_KEY}', 'an undefined variable is left as written')
})

test('no file: the defaults work with a local crowd lapi serve', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-bouncer-config-'))
  const c = loadBouncerConfig([dir, path.join(dir, 'missing')], 'firewall', {env: {API_KEY: 'abc'}})
  assert.equal([c.file, c.type, c.apiUrl, c.apiKey, c.updateFrequencyMs], [undefined, 'firewall', 'http://127.0.0.1:8080/', 'abc', 200])
  fs.writeFileSync(path.join(dir, 'edge.yml'), 'type: firewall\napi_url: http://10.0.0.1:8080\nscopes: Ip\norigins: [CAPI, cscli]\ncaptcha_as_ban: false\n')
  assert.equal([...bouncerFiles([dir]).keys()], ['edge'])
  const edge = loadBouncerConfig([dir], 'edge', {env: {}})
  assert.equal([edge.type, edge.apiUrl, edge.apiKey, edge.filters.scopes, edge.filters.origins, edge.filters.captchaAsBan], ['firewall', 'http://10.0.0.1:8080/', '', ['ip'], ['CAPI', 'cscli'], false])
  assert.throws(() => loadBouncerConfig([dir], '../x'), (e: unknown) => e instanceof CrowdError && e.code === 'usage')
})

test('errors name the key, file and line; all of them at once', () => {
  const text = 'api_url: ftp://x\nupdate_frequency: often\nscopes: [Ip, Country]\ncaptcha_as_ban: maybe\nlog_level: loud\n'
  try {
    parseBouncerConfig(text, 'x', 'x.yaml', {env: {}})
    assert.unreachable()
  } catch (error) {
    assert.instance(error, CrowdErrorList)
    const errors = (error as CrowdErrorList).errors
    assert.equal(errors.map((e) => [e.reason.split(':')[0], e.line]), [['api_url', 1], ['update_frequency', 2], ['log_level', 5], ['scopes', 3], ['captcha_as_ban', 4]])
  }
  assert.throws(() => parseBouncerConfig('- a\n', 'x', 'x.yaml'), /must be a mapping/)
  assert.throws(() => parseBouncerConfig('a: [\n', 'x', 'x.yaml'), (e: unknown) => e instanceof CrowdError && e.file === 'x.yaml')
})

test('type: the package named AUTHOR/bouncer-TYPE or serving TYPE', () => {
  const p = (name: string, serves: string[] = []) => ({name, serves}) as unknown as InstalledPlugin
  const plugins = [p('crowd/bouncer-firewall'), p('acme/edge', ['nft', 'firewall2']), p('crowd/bouncer-nginx')]
  assert.equal(packagesFor(plugins, 'firewall').map((x) => x.name), ['crowd/bouncer-firewall'])
  assert.equal(packagesFor(plugins, 'nft').map((x) => x.name), ['acme/edge'])
  assert.equal(packagesFor(plugins, 'cloudflare'), [])
})

test.run()
