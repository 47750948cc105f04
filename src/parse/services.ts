/**
 * The services a parser set is compiled with, joined into a CompileEnv: the expression
 * compiler with CrowdSec helpers (src/expr), a grok pattern host (src/grok), data files and
 * stash caches (the helper context). This is the only file of src/parse that knows how those
 * other folders spell their APIs.
 */
import * as path from 'node:path'
import {compileExpr} from '../expr/index.js'
import {createHelperContext as createExprHelperContext, type HelperContext as ExprHelperContext} from '../expr/helpers/context.js'
import {createHelpers} from '../expr/helpers/index.js'
import {CrowdError} from '../model/errors.js'
import type {GoTime} from '../model/go-time.js'
import type {Logger} from '../model/logger.js'
import {loadPatternLibrary, type PatternLibrary} from '../grok/index.js'
import type {CompileEnv, GrokMatcher, StashWriter} from './compile-node.js'
import type {DataConfig, StashConfig} from './node-config.js'

export type HelperContext = NonNullable<NonNullable<Parameters<typeof compileExpr>[1]>['helpers']>

export interface ParseServices {
  /** Grok pattern directories (CrowdSec `patterns/`), after crowd's base patterns. */
  patternDirs?: string[]
  /** A ready pattern host (wins over patternDirs; postoverflows must get their own). */
  patterns?: PatternLibrary
  /** Where `data:` files are (`File()`, `RegexpInFile()`...). */
  dataDir?: string
  /** Helper services shared with scenarios (data files, stash, clock...). */
  helpers?: HelperContext
}

interface DataStoreLike {
  loadDataFile(file: string, type: string, options?: unknown): unknown
}

interface StashStoreLike {
  define(name: string, config: {size?: number; ttlNs?: number; strategy?: string}): void
  set(name: string, key: string, value: string, ttlNs?: number): void
}

const tables = new WeakMap<object, Record<string, (...args: unknown[]) => unknown>>()

/** The CrowdSec helper functions for a context, built once per context. */
export function helperTableFor(ctx: HelperContext | undefined): Record<string, (...args: unknown[]) => unknown> | undefined {
  if (ctx === undefined) return undefined
  let table = tables.get(ctx)
  if (table === undefined) {
    table = createHelpers(ctx as ExprHelperContext)
    tables.set(ctx, table)
  }
  return table
}

/** Helper services for a parser set (and the scenarios of the same run). */
export function createHelperContext(options: {dataDir: string; logger: Logger; now: () => GoTime}): HelperContext {
  return createExprHelperContext({dataDir: options.dataDir, logger: options.logger, clock: {now: options.now}})
}

export function createCompileEnv(options: ParseServices, logger: Logger, _kind: 'parsers' | 'postoverflows'): CompileEnv {
  const patterns = options.patterns ?? loadPatternLibrary(options.patternDirs ?? [], logger)
  const helpers = options.helpers
  const data = (helpers as {data?: DataStoreLike} | undefined)?.data
  const stash = (helpers as {stash?: StashStoreLike} | undefined)?.stash
  const loadedData = new Set<string>()
  const helperTable = helperTableFor(helpers)
  return {
    logger,
    compileExpr: (source, location) => compileExpr(source, {env: 'event', location, helpers, helperTable}),
    addPattern: (name, definition, location) => patterns.define(name, definition, location, 'keep'),
    compileGrok: (pattern, location): GrokMatcher => patterns.compile(pattern, location),
    compileNamedGrok: (name, location): GrokMatcher | undefined => (patterns.has(name) ? patterns.compileNamed(name, location) : undefined),
    loadData(entry: DataConfig, file: string): void {
      if (entry.type === '' || entry.dest_file === '') return
      const key = `${entry.dest_file}\0${entry.type}`
      if (loadedData.has(key)) return
      loadedData.add(key)
      if (data === undefined || options.dataDir === undefined) {
        logger.debug(`${file}: data file ${entry.dest_file} not loaded (no data store)`)
        return
      }
      const target = path.resolve(options.dataDir, entry.dest_file)
      if (!target.startsWith(path.resolve(options.dataDir) + path.sep)) {
        throw new CrowdError('parser', `data file ${entry.dest_file} is outside the data directory`, {file, line: entry.line || undefined})
      }
      try {
        data.loadDataFile(target, entry.type, {destFile: entry.dest_file, cache: entry.cache, strategy: entry.strategy, size: entry.size, ttl: entry.ttl})
      } catch (error) {
        if (error instanceof CrowdError) throw error
        logger.warn(`${file}: data file ${entry.dest_file}: ${(error as Error).message}`)
      }
    },
    createStash(config: StashConfig, ttlMs: number): StashWriter {
      const ttlNs = ttlMs * 1e6
      stash?.define(config.name, {size: config.size, ttlNs, strategy: config.strategy})
      return {
        set(key: string, value: string): void {
          stash?.set(config.name, key, value, ttlNs)
        },
      }
    },
  }
}
