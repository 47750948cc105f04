import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {resolveDependencies, type Universe} from '../../src/hub/resolve.js'
import type {IndexVersion} from '../../src/hub/types.js'

/** name@version -> deps ("a@1.0.0": {b: "^1"}), crowd range after '|' in the key when needed. */
function universe(spec: Record<string, Record<string, string>>): Universe {
  const all: IndexVersion[] = Object.entries(spec).map(([key, deps]) => {
    const [nv, crowd] = key.split('|')
    const [name, version] = nv.split('@')
    return {name, version, type: 'parser', description: '', crowd: crowd ?? '*', dependencies: deps}
  })
  return {versions: (n) => all.filter((v) => v.name === n)}
}

const U = universe({
  'x/app@1.0.0': {'x/lib': '^1.0.0'},
  'x/app@2.0.0': {'x/lib': '^2.0.0'},
  'x/lib@1.0.0': {},
  'x/lib@1.4.0': {},
  'x/lib@2.0.0': {},
  'x/old@1.0.0': {'x/lib': '~1.0.0'},
  'x/new@1.0.0': {'x/lib': '>=2.0.0'},
  'x/needs-new-crowd@1.0.0|>=9.0.0': {},
  'x/needs-new-crowd@0.9.0': {},
  'x/only-new-crowd@1.0.0|>=9.0.0': {},
  'x/loop-a@1.0.0': {'x/loop-b': '*'},
  'x/loop-b@1.0.0': {'x/loop-a': '*'},
  'x/broken@1.0.0': {'x/ghost': '^1.0.0'},
})

const cases: {name: string; requests: [string, string][]; prefer?: Record<string, string>; want?: string[]; error?: string}[] = [
  {name: 'newest version that fits', requests: [['x/app', '*']], want: ['x/app@2.0.0', 'x/lib@2.0.0']},
  {name: 'range on the request', requests: [['x/app', '^1.0.0']], want: ['x/app@1.0.0', 'x/lib@1.4.0']},
  {name: 'backtracks to an older app when a sibling pins lib', requests: [['x/app', '*'], ['x/old', '*']], want: ['x/app@1.0.0', 'x/lib@1.0.0', 'x/old@1.0.0']},
  {name: 'preferred (installed) version first', requests: [['x/lib', '*']], prefer: {'x/lib': '1.0.0'}, want: ['x/lib@1.0.0']},
  {name: 'skips versions for a newer crowd', requests: [['x/needs-new-crowd', '*']], want: ['x/needs-new-crowd@0.9.0']},
  {name: 'cycles terminate', requests: [['x/loop-a', '*']], want: ['x/loop-a@1.0.0', 'x/loop-b@1.0.0']},
  {
    name: 'conflict names every asker and the versions',
    requests: [['x/old', '*'], ['x/new', '*']],
    error: 'cannot resolve x/lib: no version satisfies x/old@1.0.0 needs ~1.0.0, x/new@1.0.0 needs >=2.0.0; available: 2.0.0, 1.4.0, 1.0.0',
  },
  {name: 'unknown dependency', requests: [['x/broken', '*']], error: 'unknown package x/ghost (x/broken@1.0.0 needs ^1.0.0)'},
  {name: 'unknown request', requests: [['x/nope', '*']], error: 'unknown package x/nope (you ask *)'},
  {name: 'request out of range', requests: [['x/lib', '^3.0.0']], error: 'cannot resolve x/lib: no version satisfies you ask ^3.0.0; available: 2.0.0, 1.4.0, 1.0.0'},
  {
    name: 'crowd version too old',
    requests: [['x/only-new-crowd', '*']],
    error: 'cannot resolve x/only-new-crowd: the versions that fit (1.0.0 needs crowd >=9.0.0) do not support crowd 0.1.0',
  },
]

for (const c of cases) {
  test(`resolve: ${c.name}`, () => {
    const run = () => resolveDependencies({universe: U, requests: c.requests.map(([name, range]) => ({name, range, by: 'user'})), prefer: c.prefer, crowdVersion: '0.1.0'})
    if (c.error !== undefined) {
      try {
        run()
        assert.unreachable('should fail')
      } catch (error) {
        assert.is((error as Error).message, c.error)
      }
      return
    }
    const got = [...run().values()].map((v) => `${v.name}@${v.version}`).sort()
    assert.equal(got, c.want)
  })
}

test.run()
