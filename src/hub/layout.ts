/**
 * Where a package's files land in the installed hub tree (`<data>/hub/`), CrowdSec-like:
 *   parsers/<stage>/<author>/<name>.yaml     postoverflows/<stage>/<author>/<name>.yaml
 *   scenarios/<author>/<name>.yaml           contexts/<author>/<name>.yaml
 *   collections/<author>/<name>.yaml         data/<file>   (every package's [data] table)
 *   notifications/<author>/<name>/...        bouncers/<author>/<name>/...  (whole package, manifest included)
 * A package with one content file installs it as <name><ext>; with several, under <name>/.
 */
import * as path from 'node:path'
import type {PackageContent} from './types.js'

const TYPE_DIR = {
  parser: 'parsers',
  postoverflow: 'postoverflows',
  scenario: 'scenarios',
  collection: 'collections',
  context: 'contexts',
  notification: 'notifications',
  bouncer: 'bouncers',
  data: 'data',
} as const

/** `parser:crowdsecurity/x` -> `crowdsecurity/x` (CrowdSec sources qualify names used by several types). */
export function plainName(key: string): string {
  const colon = key.indexOf(':')
  return colon === -1 ? key : key.slice(colon + 1)
}

/** Installed path (relative to the hub dir, `/`-separated) -> bytes. */
export function installedFiles(content: PackageContent): Map<string, Buffer> {
  const m = content.manifest
  const [author, name] = plainName(m.name).split('/')
  const out = new Map<string, Buffer>()
  if (m.type === 'notification' || m.type === 'bouncer') {
    for (const [rel, bytes] of content.files) out.set(`${TYPE_DIR[m.type]}/${author}/${name}/${rel}`, bytes)
  } else if (m.type === 'data') {
    for (const f of m.files) out.set(`data/${path.posix.basename(f)}`, content.files.get(f)!)
  } else {
    const base = [TYPE_DIR[m.type], ...(m.stage !== undefined ? [m.stage] : []), author].join('/')
    if (m.files.length === 1) out.set(`${base}/${name}${path.posix.extname(m.files[0])}`, content.files.get(m.files[0])!)
    else for (const f of m.files) out.set(`${base}/${name}/${f}`, content.files.get(f)!)
  }
  for (const [dest, src] of Object.entries(m.data)) out.set(`data/${dest}`, content.files.get(src)!)
  return out
}
