/**
 * crowd-package.toml -> a validated Manifest. Every problem of a file is collected and
 * thrown at once, each naming the file and the line of the offending key.
 * Unknown top-level keys are warnings (a newer crowd may add keys), not errors.
 */
import TOML from '@iarna/toml'
import semver from 'semver'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {parsePermissions} from '../sandbox/permissions.js'
import {JS_TYPES, PACKAGE_TYPES, STAGED_TYPES, type Manifest, type PackageType, type Permissions} from './types.js'

export const MANIFEST_FILE = 'crowd-package.toml'

const KNOWN_KEYS = new Set(['name', 'type', 'version', 'description', 'crowd', 'stage', 'files', 'dependencies', 'data', 'main', 'serves', 'permissions', 'batches', 'builtin'])
/** Bouncers the host runs itself (no sandboxed code): `builtin = "blocklist"`. */
export const BUILTIN_BOUNCERS = ['blocklist'] as const
/** A configuration type a package serves (`type: slack` in a notification configuration, `type: firewall` in a bouncer one). */
export const SERVED_TYPE = /^[a-z][a-z0-9_-]{0,62}$/
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/
const STAGE = /^s[0-9]{2}-[a-z][a-z0-9_-]*$/
const DATA_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/

export interface ParsedManifest {
  manifest: Manifest
  warnings: string[]
}

export function isPackageName(name: string): boolean {
  return NAME.test(name)
}

/** A relative path inside a package: no absolute path, no `..`, no backslash, no empty segment. */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}

export function parseManifest(text: string, file: string): ParsedManifest {
  let raw: Record<string, unknown>
  try {
    raw = TOML.parse(text) as Record<string, unknown>
  } catch (error) {
    const e = error as {line?: number; col?: number; message?: string}
    const reason = (e.message ?? String(error)).split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:?$/, '')
    const line = typeof e.line === 'number' ? e.line + 1 : undefined
    const column = typeof e.col === 'number' ? e.col + 1 : undefined
    throw new CrowdError('hub', `invalid TOML: ${reason}`, {file, line, column, sourceLine: line === undefined ? undefined : text.split('\n')[line - 1]})
  }
  const errors: CrowdError[] = []
  const warnings: string[] = []
  const fail = (reason: string, key: string, table?: string): void => {
    const line = findKeyLine(text, key, table)
    errors.push(new CrowdError('hub', reason, {file, line, sourceLine: line === undefined ? undefined : text.split('\n')[line - 1]}))
  }
  const str = (key: string, required: boolean): string | undefined => {
    const v = raw[key]
    if (v === undefined) {
      if (required) errors.push(new CrowdError('hub', `missing required key "${key}"`, {file}))
      return undefined
    }
    if (typeof v !== 'string') {
      fail(`"${key}" must be a string`, key)
      return undefined
    }
    return v
  }

  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) warnings.push(`${file}:${findKeyLine(text, key) ?? '?'}: unknown key "${key}" ignored`)

  const name = str('name', true)
  if (name !== undefined && !NAME.test(name)) fail(`name must be "author/name" (letters, digits, _ . -), not "${name}"`, 'name')
  const typeText = str('type', true)
  let type: PackageType | undefined
  if (typeText !== undefined) {
    if ((PACKAGE_TYPES as readonly string[]).includes(typeText)) type = typeText as PackageType
    else fail(`type must be one of ${PACKAGE_TYPES.join(', ')}, not "${typeText}"`, 'type')
  }
  const versionText = str('version', true)
  let version: string | undefined
  if (versionText !== undefined) {
    version = semver.valid(versionText) ?? undefined
    if (version === undefined) fail(`version must be semver (like 1.0.0), not "${versionText}"`, 'version')
  }
  const description = str('description', false) ?? ''
  const crowd = str('crowd', false) ?? '*'
  if (semver.validRange(crowd) === null) fail(`crowd must be a semver range (like ">=0.1.0"), not "${crowd}"`, 'crowd')
  const stage = str('stage', false)
  if (type !== undefined) {
    if (STAGED_TYPES.has(type)) {
      if (stage === undefined) errors.push(new CrowdError('hub', `a ${type} needs a "stage" (like s01-parse)`, {file}))
      else if (!STAGE.test(stage)) fail(`stage must look like s01-parse, not "${stage}"`, 'stage')
    } else if (stage !== undefined) {
      fail(`"stage" is only for parsers and postoverflows, not a ${type}`, 'stage')
    }
  }

  const files: string[] = []
  if (raw.files !== undefined) {
    if (!Array.isArray(raw.files) || raw.files.some((f) => typeof f !== 'string')) fail('"files" must be an array of strings', 'files')
    else {
      for (const f of raw.files as string[]) {
        if (!isSafeRelativePath(f)) fail(`file "${f}" must be a relative path inside the package (no "..", no leading "/")`, 'files')
        else if (f === MANIFEST_FILE) fail(`"files" must not list ${MANIFEST_FILE}`, 'files')
        else if (files.includes(f)) fail(`file "${f}" is listed twice`, 'files')
        else files.push(f)
      }
    }
  }

  const dependencies: Record<string, string> = Object.create(null)
  for (const [dep, range] of tableEntries(raw, 'dependencies', fail)) {
    if (!NAME.test(dep)) fail(`dependency "${dep}" is not an "author/name"`, dep, 'dependencies')
    else if (dep === name) fail(`a package cannot depend on itself`, dep, 'dependencies')
    else if (typeof range !== 'string' || semver.validRange(range) === null) fail(`dependency "${dep}" needs a semver range (like "^1.0.0"), not ${JSON.stringify(range)}`, dep, 'dependencies')
    else dependencies[dep] = range
  }

  const data: Record<string, string> = Object.create(null)
  for (const [dest, src] of tableEntries(raw, 'data', fail)) {
    if (!DATA_NAME.test(dest)) fail(`data file name "${dest}" must be a plain file name`, dest, 'data')
    else if (typeof src !== 'string' || !isSafeRelativePath(src)) fail(`data file "${dest}" must map to a relative path inside the package`, dest, 'data')
    else data[dest] = src
  }

  const isJs = type !== undefined && JS_TYPES.has(type)
  let builtin: Manifest['builtin']
  if (raw.builtin !== undefined) {
    if (type !== 'bouncer') fail(`"builtin" is only for bouncer packages, not a ${type}`, 'builtin')
    else if (typeof raw.builtin !== 'string' || !(BUILTIN_BOUNCERS as readonly string[]).includes(raw.builtin)) fail(`"builtin" must be one of ${BUILTIN_BOUNCERS.join(', ')}: the bouncer crowd runs itself, not ${JSON.stringify(raw.builtin)}`, 'builtin')
    else if (raw.main !== undefined) fail('a builtin bouncer has no "main": crowd runs it, no code of the package', 'builtin')
    else builtin = raw.builtin as Manifest['builtin']
  }
  let batches: Manifest['batches']
  if (raw.batches !== undefined) {
    if (type !== 'bouncer') fail(`"batches" is only for bouncer packages, not a ${type}`, 'batches')
    else if (raw.batches !== 'changes' && raw.batches !== 'full') fail(`"batches" must be "changes" (each apply gets what changed) or "full" (each apply gets every decision), not ${JSON.stringify(raw.batches)}`, 'batches')
    else batches = raw.batches
  }
  let main: string | undefined
  if (raw.main !== undefined) {
    if (type !== undefined && !isJs) fail(`"main" is only for notification and bouncer packages, not a ${type}`, 'main')
    else if (typeof raw.main !== 'string') fail('"main" must be a string: the .js file the sandbox runs', 'main')
    else if (!raw.main.endsWith('.js')) fail(`"main" must be a .js file, not "${raw.main}"`, 'main')
    else if (!files.includes(raw.main)) fail(`"main" file "${raw.main}" must be listed in "files"`, 'main')
    else main = raw.main
  } else if (isJs && builtin === undefined && raw.builtin === undefined) {
    errors.push(new CrowdError('hub', `a ${type} needs "main": its entry .js file, listed in "files"`, {file}))
  }

  let serves: string[] | undefined
  if (raw.serves !== undefined) {
    if (type !== undefined && type !== 'notification' && type !== 'bouncer') fail(`"serves" is only for notification and bouncer packages, not a ${type}`, 'serves')
    else if (!Array.isArray(raw.serves) || raw.serves.length === 0) fail('"serves" must be a non-empty array of configuration types (like ["slack"] or ["firewall"])', 'serves')
    else {
      serves = []
      for (const t of raw.serves as unknown[]) {
        if (typeof t !== 'string' || !SERVED_TYPE.test(t)) fail(`"serves": ${JSON.stringify(t)} is not a configuration type (lower-case letters, digits, _ -)`, 'serves')
        else if (serves.includes(t)) fail(`"serves": "${t}" is listed twice`, 'serves')
        else serves.push(t)
      }
    }
  } else if (type === 'notification') {
    errors.push(new CrowdError('hub', 'a notification needs "serves": the notification types it serves (like ["slack"]), as configurations name them with `type:`', {file}))
  }

  let permissions: Permissions | undefined
  if (raw.permissions !== undefined && type !== undefined && !isJs) {
    fail(`[permissions] is only for notification and bouncer packages, not a ${type}`, 'permissions')
  } else if (isJs || raw.permissions !== undefined) {
    try {
      permissions = parsePermissions(raw.permissions, file)
    } catch (error) {
      if (!(error instanceof CrowdError || error instanceof CrowdErrorList)) throw error
      for (const e of error instanceof CrowdErrorList ? error.errors : [error]) {
        // `[permissions] network[0]: ...` -> the line of `network` in the table, else of the table
        const key = /^\[permissions\] ([A-Za-z_]+)/.exec(e.reason)?.[1]
        const line = (key === undefined ? undefined : findKeyLine(text, key, 'permissions')) ?? findKeyLine(text, 'permissions')
        errors.push(new CrowdError('hub', e.reason, {file, line, sourceLine: line === undefined ? undefined : text.split('\n')[line - 1]}))
      }
    }
  }

  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new CrowdErrorList(errors)
  const manifest: Manifest = {name: name!, type: type!, version: version!, description, crowd, files, dependencies, data}
  if (stage !== undefined) manifest.stage = stage
  if (main !== undefined) manifest.main = main
  if (serves !== undefined) manifest.serves = serves
  if (permissions !== undefined) manifest.permissions = permissions
  if (builtin !== undefined) manifest.builtin = builtin
  if (batches !== undefined) manifest.batches = batches
  return {manifest, warnings}
}

function tableEntries(raw: Record<string, unknown>, key: string, fail: (reason: string, key: string) => void): [string, unknown][] {
  const t = raw[key]
  if (t === undefined) return []
  if (t === null || typeof t !== 'object' || Array.isArray(t)) {
    fail(`[${key}] must be a table`, key)
    return []
  }
  return Object.entries(t as Record<string, unknown>)
}

/**
 * The 1-based line where `key` is assigned, inside `[table]` when given (top level otherwise).
 * Plain string scanning: no regex runs on the file's text.
 */
export function findKeyLine(text: string, key: string, table?: string): number | undefined {
  const lines = text.split('\n')
  let current: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line.startsWith('[')) {
      const end = line.indexOf(']')
      current = end > 0 ? line.slice(1, end).trim() : undefined
      if (table === undefined && current === key) return i + 1
      continue
    }
    if (current !== table) continue
    for (const spelled of [key, `"${key}"`, `'${key}'`]) {
      if (line.startsWith(spelled)) {
        const rest = line.slice(spelled.length).trimStart()
        if (rest.startsWith('=')) return i + 1
      }
    }
  }
  return undefined
}
