/** Which signals are certified: hash and version a published pair of the scenario, in CrowdSec's hub layout and crowd's. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {loadCertifier} from '../../../src/cti/service/certified.js'
import {readTarball} from '../../../src/hub/tarball.js'
import {HTTP_V1, makeHub, packRepoHub, sha, SSH_V1, SSH_V2} from './helpers.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-cti-certified-'))

test("CrowdSec's layout: every published version, every name of the file; tainted, custom, manual", () => {
  const c = loadCertifier(makeHub(dir))
  assert.is(c.trust('crowdsecurity/ssh-bf', sha(SSH_V2), '0.2', false), 'certified')
  assert.is(c.trust('crowdsecurity/ssh-bf', sha(SSH_V1).toUpperCase(), '0.1', false), 'certified')
  assert.is(c.trust('crowdsecurity/ssh-bf_user-enum', sha(SSH_V2), '0.2', false), 'certified', 'a second scenario of the published file')
  assert.is(c.trust('crowdsecurity/ssh-bf', sha(SSH_V1), '0.2', false), 'tainted', 'the hash of another version')
  assert.is(c.trust('crowdsecurity/http-probing', sha(SSH_V2), '0.2', false), 'tainted', "another scenario's hash")
  assert.is(c.trust('crowdsecurity/http-probing', sha(HTTP_V1), '?', false), 'tainted')
  assert.is(c.trust('me/custom', '', '', false), 'custom')
  assert.is(c.trust('crowdsecurity/ssh-bf', sha(SSH_V2), '0.2', true), 'manual')
  assert.is(c.trust('me/unknown', sha(SSH_V2), '0.2', false), 'tainted')
})

test("crowd's layout: hub-index.json and its tarballs (the repository's own hub)", () => {
  const hub = packRepoHub(dir)
  const index = JSON.parse(fs.readFileSync(path.join(hub, 'hub-index.json'), 'utf8')) as {packages: Record<string, {type: string; versions: Record<string, {tarball: string}>}>}
  const c = loadCertifier(hub)
  let checked = 0
  for (const [name, pkg] of Object.entries(index.packages)) {
    if (pkg.type !== 'scenario') continue
    for (const [version, v] of Object.entries(pkg.versions)) {
      const files = readTarball(fs.readFileSync(path.join(hub, v.tarball)), v.tarball)
      for (const [file, data] of files) {
        if (!file.endsWith('.yaml')) continue
        const scenario = /^name:\s*(\S+)/m.exec(data.toString('utf8'))![1]!
        assert.is(c.trust(scenario, sha(data.toString('utf8')), version, false), 'certified', `${name}@${version} ${file} (${scenario})`)
        assert.is(c.trust(name, sha(data.toString('utf8')), version, false), 'certified')
        assert.is(c.trust(scenario, sha(data.toString('utf8') + '\n'), version, false), 'tainted')
        checked++
      }
    }
  }
  assert.ok(checked >= 10, `${checked} scenario files`)
})

test('a directory without an index is a configuration error', () => {
  assert.throws(() => loadCertifier(dir), /no \.index\.json \(CrowdSec's layout\) or hub-index\.json/)
  assert.is(loadCertifier(undefined).trust('crowdsecurity/ssh-bf', sha(SSH_V2), '0.2', false), 'tainted', 'no hub: nothing is certified')
})

test.run()
