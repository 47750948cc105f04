/**
 * The seam to the CrowdSec helpers of src/expr/helpers/ (contract 2): `resolveHelperTable`
 * calls `createHelpers(ctx)`, or takes a ready-made table. Tables are cached per context
 * object, so compiling many expressions against one context builds the table once.
 */
import type {HelperTable} from './compile.js'
import type {HelperContext} from './helpers/context.js'
import {createHelpers} from './helpers/index.js'

export type {HelperContext}

export type HelperFactory = (ctx: HelperContext) => HelperTable

let factory: HelperFactory | undefined = createHelpers

/** Replaces the helper factory (tests). */
export function setHelperFactory(f: HelperFactory | undefined): void {
  factory = f
}

const tables = new WeakMap<object, HelperTable>()

export function resolveHelperTable(source: HelperContext | HelperTable | undefined): HelperTable | undefined {
  if (source === undefined) return undefined
  const cached = tables.get(source)
  if (cached !== undefined) return cached
  let table: HelperTable
  if (factory !== undefined && !isTable(source)) table = factory(source as HelperContext)
  else table = source as HelperTable
  tables.set(source, table)
  return table
}

function isTable(v: HelperContext | HelperTable): boolean {
  const values = Object.values(v)
  return values.length > 0 && values.every((x) => typeof x === 'function')
}
