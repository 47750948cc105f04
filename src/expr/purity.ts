/**
 * Which expressions are pure: evaluating them twice on the same variables gives the same value
 * and changes nothing. The optimizer (hoisting, folding) and the detector (filter parts shared
 * across scenarios) both rely on this one definition.
 */
import {children, type Node} from './ast.js'

/** Helpers whose result depends only on their arguments (and on data files, fixed once loaded). */
export const PURE_HELPERS: ReadonlySet<string> = new Set([
  'Upper', 'Lower', 'Split', 'SplitN', 'SplitAfter', 'SplitAfterN', 'Join', 'Fields', 'Index', 'IndexAny', 'Replace',
  'ReplaceAll', 'Trim', 'TrimLeft', 'TrimRight', 'TrimPrefix', 'TrimSuffix', 'TrimSpace', 'Sprintf', 'ToString', 'Match',
  'B64Decode', 'Get', 'Atof', 'FloatApproxEqual', 'Distance', 'IsIP', 'IsIPV4', 'IsIPV6', 'IpInRange', 'IpToRange',
  'JsonExtract', 'JsonExtractUnescape', 'JsonExtractLib', 'JsonExtractSlice', 'JsonExtractObject', 'ToJsonString',
  'XMLGetNodeValue', 'XMLGetAttributeValue', 'KeyExists', 'PathUnescape', 'QueryUnescape', 'PathEscape', 'QueryEscape',
  'ParseQuery', 'ExtractQueryParam', 'LibInjectionIsSQLI', 'LibInjectionIsXSS', 'Flatten', 'Distinct', 'FlattenDistinct',
])

/** Data-file readers: pure once the files are loaded, but not constant-foldable at compile time. */
export const DATA_HELPERS: ReadonlySet<string> = new Set(['File', 'RegexpInFile'])

/** Builtins that read the clock; every other builtin is pure. */
export const IMPURE_BUILTINS: ReadonlySet<string> = new Set(['now', 'date'])

/** Read-only methods: Event getters, Go time and duration accessors. */
export const PURE_METHODS: ReadonlySet<string> = new Set([
  'GetMeta', 'GetType', 'Hour', 'Minute', 'Second', 'Year', 'Month', 'Day', 'YearDay', 'Weekday', 'Unix', 'UnixNano',
  'UTC', 'Format', 'Before', 'After', 'Sub', 'Add', 'IsZero', 'String', 'Equal', 'Seconds', 'Minutes', 'Hours',
  'Milliseconds',
])

/** True when the tree calls only pure helpers, builtins and methods (data-file readers count as pure). */
export function isPureTree(node: Node): boolean {
  if (node.type === 'Call') {
    const callee = node.callee
    if (callee.type === 'Identifier') {
      if (!PURE_HELPERS.has(callee.name) && !DATA_HELPERS.has(callee.name)) return false
    } else if (callee.type === 'Member' && callee.method && callee.property.type === 'String') {
      if (!PURE_METHODS.has(callee.property.value)) return false
    } else {
      return false
    }
  } else if (node.type === 'Builtin' && IMPURE_BUILTINS.has(node.name)) {
    return false
  }
  for (const child of children(node)) if (!isPureTree(child)) return false
  return true
}
