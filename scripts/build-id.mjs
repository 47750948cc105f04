// Part of `npm run build`: dist/build-id.json, a digest of the compiled code. The content cache
// (src/platform/content-cache.ts) keeps what one build derived from content under this identity,
// so another build (another version, or the same version rebuilt with other code) never reads it.
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const dist = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'dist')
const files = fs.readdirSync(dist, {recursive: true}).map(String).filter((f) => f.endsWith('.js') || f.endsWith('.cjs')).sort()
const hash = createHash('sha256')
for (const rel of files) hash.update(`${rel.split(path.sep).join('/')}\u0000`).update(fs.readFileSync(path.join(dist, rel))).update('\u0000')
fs.writeFileSync(path.join(dist, 'build-id.json'), `${JSON.stringify({id: hash.digest('hex')})}\n`)
