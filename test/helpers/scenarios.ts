/** Inline scenarios for detector tests. */
import * as assert from 'uvu/assert'
import {loadScenarios} from '../../src/detect/index.js'
import {GoTime, UTC} from '../../src/model/go-time.js'
import {silentLogger} from '../../src/model/logger.js'
import {createHelperContext} from '../../src/parse/services.js'

/** Compiles scenario YAML (documents separated by `---`); any load error fails the test. */
export function loadInline(yaml: string) {
  const r = loadScenarios(['mem.yaml'], {contents: {'mem.yaml': yaml}, helpers: createHelperContext({dataDir: '', logger: silentLogger, now: () => GoTime.now(UTC)})})
  assert.equal(r.errors.map((e) => e.message), [])
  return r.scenarios
}

/** A trigger scenario document. */
export function trigger(name: string, filter: string): string {
  return `type: trigger\nname: ${name}\ndescription: d\nfilter: ${JSON.stringify(filter)}\n`
}
