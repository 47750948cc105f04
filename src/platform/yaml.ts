/**
 * The yaml package, loaded on first use (synchronously, through its CommonJS build): rule files,
 * collections and profiles decode through it, and a scan whose content all comes from the content
 * cache (src/platform/content-cache.ts) never needs it, which spares about 50 ms of start-up.
 */
import {createRequire} from 'node:module'

type Yaml = typeof import('yaml')
let loaded: Yaml | undefined

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml
  return loaded
}

// The functions rule decoding uses, with yaml's own types, loading the package when first called.
export const parseAllDocuments = ((...args: Parameters<Yaml['parseAllDocuments']>) => yaml().parseAllDocuments(...args)) as Yaml['parseAllDocuments']
export const parseYaml = ((...args: Parameters<Yaml['parse']>) => yaml().parse(...args)) as Yaml['parse']
export const parseDocument = ((...args: Parameters<Yaml['parseDocument']>) => yaml().parseDocument(...args)) as Yaml['parseDocument']
export const stringifyYaml = ((...args: Parameters<Yaml['stringify']>) => yaml().stringify(...args)) as Yaml['stringify']
export const isAlias = ((node: unknown) => yaml().isAlias(node)) as Yaml['isAlias']
export const isMap = ((node: unknown) => yaml().isMap(node)) as Yaml['isMap']
export const isPair = ((node: unknown) => yaml().isPair(node)) as Yaml['isPair']
export const isScalar = ((node: unknown) => yaml().isScalar(node)) as Yaml['isScalar']
export const isSeq = ((node: unknown) => yaml().isSeq(node)) as Yaml['isSeq']

/** A new yaml LineCounter (offsets to lines and columns). */
export function lineCounter(): import('yaml').LineCounter {
  return new (yaml().LineCounter)()
}

/** yaml's Scalar.PLAIN (a plain, unquoted scalar). */
export const PLAIN_SCALAR = 'PLAIN'
