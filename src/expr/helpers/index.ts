/**
 * The CrowdSec helper functions (expr.md §8), Go-named, as one table for the expression
 * compiler: `createHelpers(ctx)`. Every helper checks its argument types at run time and
 * throws a Go-like panic message on a wrong type; HELPER_SIGNATURES lets the compiler
 * check arity (and the declared Go types) at compile time.
 */
import type {HelperContext} from './context.js'
import {dataFileHelpers} from './data-files.js'
import {ipHelpers} from './ip.js'
import {jsonKvXmlHelpers} from './json-kv-xml.js'
import {libinjectionHelpers} from './libinjection.js'
import {numberTimeHelpers} from './numbers-time.js'
import {stashDecisionHelpers} from './stash-decisions.js'
import {stringHelpers} from './strings.js'
import {urlHttpHelpers} from './url-http.js'

export type HelperTable = Record<string, (...args: unknown[]) => unknown>

export interface HelperSignature {
  readonly name: string
  readonly min: number
  /** Infinity for variadic helpers. */
  readonly max: number
  /** Declared Go parameter types (the last one repeats for variadic helpers). */
  readonly params: readonly string[]
  readonly returns: string
}

const V = Infinity
const S = 'string'

function sig(name: string, params: string[], returns: string, min = params.length, max = params.length): HelperSignature {
  return {name, min, max, params, returns}
}

export const HELPER_SIGNATURES: readonly HelperSignature[] = [
  // strings
  sig('Upper', [S], S),
  sig('Lower', [S], S),
  sig('Split', [S, S], '[]string'),
  sig('SplitN', [S, S, 'int'], '[]string'),
  sig('SplitAfter', [S, S], '[]string'),
  sig('SplitAfterN', [S, S, 'int'], '[]string'),
  sig('Join', ['[]string', S], S),
  sig('Fields', [S], '[]string'),
  sig('Index', [S, S], 'int'),
  sig('IndexAny', [S, S], 'int'),
  sig('Replace', [S, S, S, 'int'], S),
  sig('ReplaceAll', [S, S, S], S),
  sig('Trim', [S, S], S),
  sig('TrimLeft', [S, S], S),
  sig('TrimRight', [S, S], S),
  sig('TrimPrefix', [S, S], S),
  sig('TrimSuffix', [S, S], S),
  sig('TrimSpace', [S], S),
  sig('Sprintf', [S, 'any'], S, 1, V),
  sig('ToString', ['any'], S),
  sig('Match', [S, S], 'bool'),
  sig('B64Decode', [S], S),
  sig('LogInfo', [S, 'any'], 'bool', 1, V),
  sig('Get', ['[]string', 'int'], S),
  // numbers, time
  sig('Atof', [S], 'float64'),
  sig('FloatApproxEqual', ['float64', 'float64'], 'bool'),
  sig('TimeNow', [], S),
  sig('ParseUnix', [S], S),
  sig('Distance', [S, S, S, S], 'float64'),
  sig('AverageInterval', ['[]time.Time'], 'time.Duration'),
  sig('MedianInterval', ['[]time.Time'], 'time.Duration'),
  // IP
  sig('IsIP', [S], 'bool'),
  sig('IsIPV4', [S], 'bool'),
  sig('IsIPV6', [S], 'bool'),
  sig('IpInRange', [S, S], 'bool'),
  sig('IpToRange', [S, S], S),
  sig('LookupHost', [S], '[]string'),
  sig('GeoIPEnrich', [S], 'any'),
  sig('GeoIPASNEnrich', [S], 'any'),
  sig('GeoIPRangeEnrich', [S], 'any'),
  sig('IPToCountry', [S], S),
  // JSON, key/value, XML
  sig('JsonExtract', [S, S], S),
  sig('JsonExtractUnescape', [S, S], S, 1, V),
  sig('JsonExtractLib', [S, S], S, 1, V),
  sig('JsonExtractSlice', [S, S], '[]interface {}'),
  sig('JsonExtractObject', [S, S], 'map[string]interface {}'),
  sig('ToJsonString', ['any'], S),
  sig('UnmarshalJSON', [S, 'map[string]interface {}', S], 'error'),
  sig('ParseKV', [S, 'map[string]interface {}', S], 'error'),
  sig('ParseKVLax', [S, 'map[string]interface {}', S], 'error'),
  sig('XMLGetNodeValue', [S, S], S),
  sig('XMLGetAttributeValue', [S, S, S], S),
  sig('KeyExists', [S, 'map[string]interface {}'], 'bool'),
  // URL / HTTP
  sig('PathUnescape', [S], S),
  sig('QueryUnescape', [S], S),
  sig('PathEscape', [S], S),
  sig('QueryEscape', [S], S),
  sig('ParseUri', [S], 'map[string][]string'),
  sig('ParseQuery', [S], 'map[string][]string'),
  sig('ExtractQueryParam', [S, S], '[]string'),
  sig('JA4H', ['any'], S),
  sig('HTTPGet', [S], 'any'),
  sig('HTTPHead', [S], 'any'),
  sig('HTTPPost', [S, S, S], 'any'),
  sig('HTTPRequest', [S, S, 'map[string]interface {}', S], 'any'),
  // data files
  sig('File', [S], '[]string'),
  sig('RegexpInFile', [S, S], 'bool'),
  sig('FileMap', [S], '[]map[string]string'),
  sig('LookupFile', [S, S], S),
  sig('MatchKnownBot', [S, S, S, S], 'bool', 3, V),
  // stash, decisions, misc
  sig('GetFromStash', [S, S], S),
  sig('SetInStash', [S, S, S, '*time.Duration'], 'error'),
  sig('GetDecisionsCount', [S], 'int'),
  sig('GetActiveDecisionsCount', [S], 'int'),
  sig('GetDecisionsSinceCount', [S, S], 'int'),
  sig('GetActiveDecisionsTimeLeft', [S], 'time.Duration'),
  sig('Hostname', [], S),
  sig('Flatten', ['any'], '[]interface {}', 0, V),
  sig('Distinct', ['any'], '[]interface {}'),
  sig('FlattenDistinct', ['any'], '[]interface {}', 0, V),
  sig('LibInjectionIsSQLI', [S], 'bool'),
  sig('LibInjectionIsXSS', [S], 'bool'),
  sig('CrowdsecCTI', [S], 'any'),
]

const BY_NAME = new Map(HELPER_SIGNATURES.map((s) => [s.name, s]))

export function helperSignature(name: string): HelperSignature | undefined {
  return BY_NAME.get(name)
}

function arityError(sig: HelperSignature, got: number): Error {
  const want = sig.min === sig.max ? String(sig.min) : sig.max === Infinity ? `at least ${sig.min}` : `${sig.min} to ${sig.max}`
  return new Error(`${sig.name}: expected ${want} arguments, got ${got}`)
}

function withArity(sig: HelperSignature, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  // fixed arities of 1 and 2 (most calls): no rest array
  if (sig.min === 1 && sig.max === 1) {
    return function (this: unknown, a: unknown) {
      if (arguments.length !== 1) throw arityError(sig, arguments.length)
      return fn(a)
    } as (...args: unknown[]) => unknown
  }
  if (sig.min === 2 && sig.max === 2) {
    return function (this: unknown, a: unknown, b: unknown) {
      if (arguments.length !== 2) throw arityError(sig, arguments.length)
      return fn(a, b)
    } as (...args: unknown[]) => unknown
  }
  return (...args: unknown[]) => {
    if (args.length < sig.min || args.length > sig.max) throw arityError(sig, args.length)
    return fn(...args)
  }
}

const TABLES = new WeakMap<HelperContext, HelperTable>()

/** All CrowdSec helpers bound to `ctx` (one table per context, built once). */
export function createHelpers(ctx: HelperContext): HelperTable {
  const known = TABLES.get(ctx)
  if (known !== undefined) return known
  const raw: HelperTable = {
    ...stringHelpers(ctx),
    ...numberTimeHelpers(ctx),
    ...ipHelpers(ctx),
    ...jsonKvXmlHelpers(ctx),
    ...urlHttpHelpers(ctx),
    ...dataFileHelpers(ctx),
    ...stashDecisionHelpers(ctx),
    ...libinjectionHelpers(),
  }
  const table = Object.create(null) as HelperTable
  for (const s of HELPER_SIGNATURES) {
    const fn = raw[s.name]
    if (fn === undefined) throw new Error(`helper ${s.name} has a signature but no implementation`)
    table[s.name] = withArity(s, fn)
  }
  TABLES.set(ctx, table)
  return table
}

export {createHelperContext, defaultHelperContext} from './context.js'
export type {HelperContext} from './context.js'
