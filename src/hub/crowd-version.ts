/** The running crowd's version (package.json), which packages' `crowd` ranges are checked against. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {PACKAGE_ROOT} from '../platform/module-url.js'

let cached: string | undefined

export function crowdVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {version: string}).version
  return cached
}
