import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseManifest} from '../../src/hub/manifest.js'
import {renderTemplate, scaffoldPackage, splitPackageName, SCAFFOLD_KINDS} from '../../src/hub/scaffold.js'
import {CrowdError} from '../../src/model/errors.js'

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scaffold-'))

for (const kind of SCAFFOLD_KINDS) {
  test(`scaffold ${kind} acme/demo-${kind}: valid manifest, placeholders filled`, () => {
    const root = tmp()
    const r = scaffoldPackage({kind, name: `acme/demo-${kind}`, root})
    assert.is(r.directory, path.join(root, 'plugins', 'acme', `demo-${kind}`))
    const manifestFile = path.join(r.directory, 'crowd-package.toml')
    const {manifest} = parseManifest(fs.readFileSync(manifestFile, 'utf8'), manifestFile)
    assert.is(manifest.name, `acme/demo-${kind}`)
    assert.is(manifest.type, kind)
    for (const f of manifest.files) assert.ok(fs.existsSync(path.join(r.directory, f)), `${f} listed and present`)
    for (const f of r.files) {
      assert.not.match(f, /__name__/)
      assert.not.match(fs.readFileSync(path.join(r.directory, f), 'utf8'), /\{\{(name|author|full_name|stage|version)\}\}/)
    }
  })
}

test('scaffold parser has a test skeleton naming the package', () => {
  const r = scaffoldPackage({kind: 'parser', name: 'acme/app-logs', root: tmp(), stage: 's01-parse'})
  assert.ok(r.files.includes('tests/app-logs/config.yaml'))
  assert.match(fs.readFileSync(path.join(r.directory, 'tests/app-logs/config.yaml'), 'utf8'), /- acme\/app-logs\n/)
  assert.is(fs.readFileSync(path.join(r.directory, 'tests/app-logs/parser.assert'), 'utf8'), '')
})

test('scaffold --dir writes there; existing files need force', () => {
  const dir = path.join(tmp(), 'out')
  scaffoldPackage({kind: 'scenario', name: 'x-bf', author: 'acme', dir})
  assert.ok(fs.existsSync(path.join(dir, 'x-bf.yaml')))
  assert.throws(() => scaffoldPackage({kind: 'scenario', name: 'acme/x-bf', dir}), (e: unknown) => e instanceof CrowdError && /already exist/.test(e.message))
  scaffoldPackage({kind: 'scenario', name: 'acme/x-bf', dir, force: true})
})

const badNames: [string, string | undefined, RegExp][] = [
  ['noauthor', undefined, /needs an author/],
  ['Acme/x', undefined, /invalid author "Acme"/],
  ['acme/../x', undefined, /invalid package name/],
  ['acme/..', undefined, /invalid name ".."/],
  ['acme/x', 'other', /contradicts/],
]
for (const [name, author, re] of badNames) {
  test(`splitPackageName rejects ${name} (author ${author})`, () => {
    assert.throws(() => splitPackageName(name, author), (e: unknown) => e instanceof CrowdError && re.test(e.message))
  })
}

test('scaffold rejects a bad parser stage', () => {
  assert.throws(() => scaffoldPackage({kind: 'parser', name: 'acme/p', root: tmp(), stage: 'parse'}), /invalid stage/)
})

test('renderTemplate keeps Go templates and unknown braces', () => {
  assert.is(renderTemplate('{{name}} {{ .Scenario }} {{nope}}', {name: 'n'}), 'n {{ .Scenario }} {{nope}}')
})

test.run()
