/**
 * What the tests of one `crowd test run` share, so that running hundreds of hub tests does not
 * rebuild the same things hundreds of times:
 *   - the grok pattern library of the hub's pattern dirs (expanded once), and the grok patterns
 *     compiled against it: each test still gets its own pattern host (a clone), so that a
 *     test's `pattern_syntax` never leaks into another test;
 *   - the data files (`data:` sections: string lists, regexp lists, maps), loaded once per file.
 * Per test stay: the stash, the parser/scenario state, the results. Results are the same as
 * without the cache (a pattern that only uses library names compiles to the same matcher in any
 * clone, since a clone can only add names, never redefine one).
 */
import {createHelperContext as createExprHelperContext, type DataStore} from '../expr/helpers/context.js'
import {FileDataStore} from '../expr/helpers/data-files.js'
import {loadPatternLibrary, type GrokPattern, type PatternLibrary, type PatternLocation} from '../grok/index.js'
import type {GoTime} from '../model/go-time.js'
import {silentLogger, type Logger} from '../model/logger.js'
import type {HelperContext} from '../parse/services.js'

export class HubTestCache {
  private readonly libraries = new Map<string, PatternLibrary>()
  private readonly dataStores = new Map<string, DataStore>()

  constructor(private readonly logger: Logger = silentLogger) {}

  /**
   * A fresh pattern host for one parser set (parsers and postoverflows each get their own):
   * a clone of the shared library whose `compile` reuses the shared compiled patterns.
   */
  patternHost(patternDirs: readonly string[], logger: Logger): PatternLibrary {
    const key = patternDirs.join('\u0000')
    let base = this.libraries.get(key)
    if (base === undefined) {
      base = loadPatternLibrary([...patternDirs], this.logger)
      this.libraries.set(key, base)
    }
    const shared = base
    const host = shared.clone(logger)
    const own = host.compile.bind(host)
    host.compile = (pattern: string, location?: PatternLocation): GrokPattern => {
      let compiled: GrokPattern
      try {
        // Only library names: the shared (cached) compilation is the one this host would make.
        compiled = shared.compile(pattern, location)
      } catch {
        // Uses a name this test's pattern_syntax added (or is invalid): compiled here, errors reported here.
        return own(pattern, location)
      }
      return compiled
    }
    return host
  }

  /** Helper services for one test: the shared data files, a fresh stash, the test's clock. */
  helperContext(options: {dataDir: string; logger: Logger; now: () => GoTime}): HelperContext {
    let data = this.dataStores.get(options.dataDir)
    if (data === undefined) {
      data = new FileDataStore({dataDir: options.dataDir, logger: this.logger})
      this.dataStores.set(options.dataDir, data)
    }
    return createExprHelperContext({dataDir: options.dataDir, logger: options.logger, clock: {now: options.now}, data})
  }
}
