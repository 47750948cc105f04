/**
 * Grok façade (contract 6): build a pattern library (crowd's own base patterns, then CrowdSec
 * pattern directories in load order) and compile grok patterns against it.
 */
import {silentLogger, type Logger} from '../model/logger.js'
import {BASE_PATTERNS} from './base-patterns.js'
import {PatternLibrary} from './library.js'
import {readPatternDir} from './pattern-file.js'

export {BASE_PATTERNS} from './base-patterns.js'
export {PatternLibrary, capCount, type GrokPattern, type PatternLocation} from './library.js'
export {listPatternFiles, parsePatternFile, readPatternDir, type PatternDefinition} from './pattern-file.js'

export interface LoadPatternLibraryOptions {
  /** Start from crowd's embedded base patterns (default true). False when a directory provides them. */
  base?: boolean
}

/** A library holding only crowd's embedded base patterns. */
export function createBaseLibrary(logger: Logger = silentLogger): PatternLibrary {
  const library = new PatternLibrary(logger)
  for (const [name, definition] of BASE_PATTERNS) library.define(name, definition, {file: '<base patterns>'})
  return library
}

/**
 * Loads the base patterns, then every pattern directory in order (files in name order, names
 * with a dot skipped). A bad definition or a duplicate name throws a CrowdError naming file:line.
 */
export function loadPatternLibrary(dirs: string[], logger: Logger = silentLogger, options: LoadPatternLibraryOptions = {}): PatternLibrary {
  const library = options.base === false ? new PatternLibrary(logger) : createBaseLibrary(logger)
  for (const dir of dirs) {
    for (const def of readPatternDir(dir)) library.define(def.name, def.definition, {file: def.file, line: def.line})
  }
  return library
}
