/**
 * crowd as a library: the façade other programs import (`import {scan} from 'crowd'`).
 * Everything the CLI does goes through these functions; none of them needs oclif, and all of
 * them run under Deno. The list is explicit: what is not exported here is internal.
 *
 * Importing this module turns on V8's linear-time regexp fallback first (see
 * src/platform/regexp-guard.ts), so rule sets loaded through the library get the same
 * protection against hostile log lines as the binary.
 */
import './platform/regexp-guard.js'

// Errors, exit codes, logging
export {CrowdError, CrowdErrorList, type ErrorCode, type SourceLocation} from './model/errors.js'
export {ExitCode, type ExitCodeValue} from './model/exit-codes.js'
export {silentLogger, type Logger} from './model/logger.js'

// Configuration
export {loadConfig, DEFAULT_CONFIG, type Config, type LoadConfigOptions, type LogLevel} from './config/config.js'

// The data model seen by rules (CrowdSec field names)
export {Event, newLogEvent} from './model/event.js'
export {GoTime, GoDuration, parseGoDuration} from './model/go-time.js'

// Expressions (expr-lang, with CrowdSec helpers)
export {compileExpr, evalFilter, parseExpr, ExprCompileError, ExprRuntimeError, type CompileOptions, type Program, type ExprEnvName} from './expr/index.js'

// Building blocks: RE2 regexes and grok
export {compileRe2, Re2SyntaxError, type Re2Regex} from './regex/index.js'
export {loadPatternLibrary, createBaseLibrary, type GrokPattern, PatternLibrary} from './grok/index.js'

// Detect: parsers, scenarios, profiles
export {loadParsers, loadPostoverflows, ParserSet, type ParseOutcome} from './parse/index.js'
export {loadScenarios, createDetector, Detector, type CompiledScenario} from './detect/index.js'
export {loadProfiles, applyProfiles, type Profile} from './decide/index.js'

// One-shot scans
export {scan, scanStream, prepareScan, selectContent, type ScanRequest, type ScanResult, type ScanContent} from './pipeline/index.js'

// Hub packages
export {hubInstall, hubInspect, hubList, hubOutdated, hubRemove, hubUpdate, hubUpgrade, installedContent, packPlugins} from './hub/index.js'

// Hub tests and explain
export {runHubTests, type HubTestRunResult, type HubTestResult} from './hubtest/run.js'
export {explain, type ExplainResult} from './hubtest/explain.js'
