/** fileDigest (src/platform/files.ts): the sha256 of the whole file, whatever its size next to the read buffer. */
import {createHash, randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {fileDigest} from '../../src/platform/files.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-files-'))
test.after(() => fs.rmSync(dir, {recursive: true, force: true}))

test('fileDigest: the sha256 of the bytes, for sizes around the read buffer; a missing file throws', () => {
  for (const size of [0, 1, 65_535, 65_536, 65_537, 200_001]) {
    const bytes = randomBytes(size)
    const file = path.join(dir, `f${size}`)
    fs.writeFileSync(file, bytes)
    assert.is(fileDigest(file), createHash('sha256').update(bytes).digest('hex'), `${size} bytes`)
  }
  assert.throws(() => fileDigest(path.join(dir, 'missing')), /ENOENT/)
})

test.run()
