/**
 * The source kinds, in the order they are asked whether they accept a path (the first wins),
 * and the expansion of a command-line input into concrete paths: `-` (stdin), a glob, a
 * directory (every file below it, recursively), or a file. Registries are explicit arrays.
 */
import * as fs from 'node:fs'
import {CrowdError} from '../model/errors.js'
import {archiveSource} from './archive.js'
import {fileSource, gzipSource} from './file.js'
import {globFiles, hasGlobMagic, listFilesRecursive} from './glob.js'
import {STDIN_INPUT, stdinSource} from './stdin.js'
import type {SourceSpec} from './types.js'

export const SOURCE_SPECS: readonly SourceSpec[] = [stdinSource, archiveSource, gzipSource, fileSource]

export function sourceSpecFor(path: string): SourceSpec {
  return SOURCE_SPECS.find((spec) => spec.accepts(path)) ?? fileSource
}

/** One concrete thing to read, from one input argument. */
export interface ExpandedPath {
  path: string
  spec: SourceSpec
}

/**
 * Expands one input argument. Throws a CrowdError (code 'input') when it names nothing:
 * a missing file, an unreadable directory, a glob without matches.
 */
export function expandInput(input: string): ExpandedPath[] {
  if (input === STDIN_INPUT) return [{path: input, spec: stdinSource}]
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(input)
  } catch (error) {
    if (!hasGlobMagic(input)) {
      const code = (error as NodeJS.ErrnoException).code
      throw new CrowdError('input', `cannot read input: ${code === 'ENOENT' ? 'no such file or directory' : (code ?? String(error))}`, {file: input})
    }
  }
  let paths: string[]
  if (stat === undefined) {
    paths = globFiles(input)
    if (paths.length === 0) throw new CrowdError('input', 'no file matches this pattern', {file: input})
  } else if (stat.isDirectory()) {
    try {
      fs.readdirSync(input)
    } catch (error) {
      throw new CrowdError('input', `cannot read directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: input})
    }
    paths = listFilesRecursive(input)
  } else {
    paths = [input]
  }
  return paths.map((path) => ({path, spec: sourceSpecFor(path)}))
}

/**
 * Splits `PATH:TYPE` (a per-input log type). Only a suffix that looks like a type name counts,
 * so Windows drive letters and paths with colons in directory names stay paths; a path that
 * exists as given is never split.
 */
export function splitInputType(arg: string, exists: (p: string) => boolean = fs.existsSync): {input: string; type?: string} {
  const colon = arg.lastIndexOf(':')
  if (colon <= 0 || arg === STDIN_INPUT) return {input: arg}
  const type = arg.slice(colon + 1)
  const input = arg.slice(0, colon)
  if (!/^[A-Za-z0-9_.-]+$/.test(type) || type.includes('/')) return {input: arg}
  if (exists(arg) && !exists(input)) return {input: arg}
  return {input, type}
}
