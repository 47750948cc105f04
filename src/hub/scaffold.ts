/**
 * `crowd new parser|scenario|collection|notification|bouncer NAME`: copies a skeleton from
 * templates/<kind>/ into a new package directory (plugins/<author>/<name>/ by default) and
 * fills its placeholders ({{name}}, {{author}}, {{full_name}}, {{stage}}, {{version}};
 * `__name__` in file names). The generated crowd-package.toml is validated before anything is
 * written, and nothing is overwritten unless `force` is set.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CrowdError} from '../model/errors.js'
import {MANIFEST_FILE, parseManifest} from './manifest.js'

export const SCAFFOLD_KINDS = ['parser', 'scenario', 'collection', 'notification', 'bouncer'] as const
export type ScaffoldKind = (typeof SCAFFOLD_KINDS)[number]

/** The templates/ folder shipped with crowd (next to dist/ and src/). */
export const DEFAULT_TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates')

export interface ScaffoldOptions {
  kind: ScaffoldKind
  /** `author/name`, or `name` with `author` given separately. */
  name: string
  author?: string
  /** Target directory of the package; default `<root>/plugins/<author>/<name>`. */
  dir?: string
  /** Where `plugins/` is (default: the current directory). */
  root?: string
  /** Parser stage (default s01-parse); ignored for other kinds. */
  stage?: string
  templatesDir?: string
  force?: boolean
}

export interface ScaffoldResult {
  kind: ScaffoldKind
  name: string
  directory: string
  /** Created files, relative to `directory`, sorted. */
  files: string[]
}

const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,62}$/
const STAGE = /^s[0-9]{2}-[a-z][a-z0-9_-]*$/
const PLACEHOLDER = /\{\{(name|author|full_name|stage|version)\}\}/g

export function isScaffoldKind(kind: string): kind is ScaffoldKind {
  return (SCAFFOLD_KINDS as readonly string[]).includes(kind)
}

/** Splits and checks `author/name` (lower-case letters, digits, `-`, `_`). */
export function splitPackageName(name: string, author: string | undefined): {author: string; name: string} {
  const parts = name.split('/')
  let a: string
  let n: string
  if (parts.length === 2) {
    ;[a, n] = parts as [string, string]
    if (author !== undefined && author !== a) throw new CrowdError('usage', `--author ${author} contradicts the name ${name}`)
  } else if (parts.length === 1) {
    if (author === undefined) throw new CrowdError('usage', `name "${name}" needs an author: write it author/name or pass --author`)
    a = author
    n = name
  } else {
    throw new CrowdError('usage', `invalid package name "${name}" (expected author/name)`)
  }
  for (const [what, v] of [['author', a], ['name', n]] as const) {
    if (!SEGMENT.test(v)) throw new CrowdError('usage', `invalid ${what} "${v}": use lower-case letters, digits, "-" and "_" (at most 63), starting with a letter or digit`)
  }
  return {author: a, name: n}
}

/** Replaces the known placeholders; other `{{ ... }}` (Go templates) are left alone. */
export function renderTemplate(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_, key: string) => values[key] ?? '')
}

function listTemplateFiles(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, {withFileTypes: true}).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) out.push(...listTemplateFiles(path.join(dir, entry.name), rel))
    else if (entry.isFile()) out.push(rel)
  }
  return out
}

export function scaffoldPackage(options: ScaffoldOptions): ScaffoldResult {
  if (!isScaffoldKind(options.kind)) throw new CrowdError('usage', `unknown package kind "${String(options.kind)}" (${SCAFFOLD_KINDS.join(', ')})`)
  const {author, name} = splitPackageName(options.name, options.author)
  const stage = options.stage ?? 's01-parse'
  if (options.kind === 'parser' && !STAGE.test(stage)) throw new CrowdError('usage', `invalid stage "${stage}" (like s01-parse)`)
  const templatesDir = options.templatesDir ?? DEFAULT_TEMPLATES_DIR
  const source = path.join(templatesDir, options.kind)
  if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) throw new CrowdError('config', `no template for "${options.kind}"`, {file: source})
  const directory = path.resolve(options.dir ?? path.join(options.root ?? process.cwd(), 'plugins', author, name))
  const values: Record<string, string> = {name, author, full_name: `${author}/${name}`, stage, version: '0.1.0'}

  const rendered = new Map<string, string>()
  for (const rel of listTemplateFiles(source)) {
    const target = rel.split('__name__').join(name)
    rendered.set(target, renderTemplate(fs.readFileSync(path.join(source, rel), 'utf8'), values))
  }
  const manifestText = rendered.get(MANIFEST_FILE)
  if (manifestText === undefined) throw new CrowdError('config', `template "${options.kind}" has no ${MANIFEST_FILE}`, {file: source})
  parseManifest(manifestText, path.join(directory, MANIFEST_FILE))

  if (!options.force) {
    const existing = [...rendered.keys()].filter((rel) => fs.existsSync(path.join(directory, rel)))
    if (existing.length > 0) throw new CrowdError('usage', `${existing.length} file(s) already exist (first: ${existing[0]}); use --force to overwrite`, {file: directory})
  }
  for (const [rel, text] of rendered) {
    const file = path.join(directory, rel)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, text)
  }
  return {kind: options.kind, name: `${author}/${name}`, directory, files: [...rendered.keys()].sort()}
}
