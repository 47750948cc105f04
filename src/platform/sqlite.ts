/**
 * An embedded SQLite database, whichever runtime this is: better-sqlite3 on Node (Node 20 has no
 * `node:sqlite`), `node:sqlite` under Deno (better-sqlite3 is a nan addon Deno cannot load) and on
 * Node versions that have it when better-sqlite3 is missing. Both are synchronous and have the
 * same statement shape (`run`, `get`, `all` with positional parameters); this file hides which.
 */
import {createRequire} from 'node:module'

export interface SqliteStatement {
  run(...params: unknown[]): {changes: number | bigint; lastInsertRowid: number | bigint}
  get(...params: unknown[]): Record<string, unknown> | undefined
  all(...params: unknown[]): Record<string, unknown>[]
}

export interface SqliteDatabase {
  /** Which binding opened it, for `crowd lapi status`. */
  readonly binding: 'better-sqlite3' | 'node:sqlite'
  prepare(sql: string): SqliteStatement
  /** A statement whose `all` returns rows as arrays of column values. */
  prepareArrays(sql: string): {all(...params: unknown[]): unknown[][]}
  exec(sql: string): void
  close(): void
}

interface DenoGlobal {
  version?: {deno?: string}
}

const require = createRequire(import.meta.url)

/** Opens (creating when missing) the database file; `:memory:` for a private in-memory one. */
export function openSqlite(file: string): SqliteDatabase {
  const underDeno = (globalThis as {Deno?: DenoGlobal}).Deno !== undefined
  if (!underDeno) {
    try {
      const BetterSqlite = require('better-sqlite3') as new (file: string) => {prepare(sql: string): SqliteStatement & {raw(on: boolean): {all(...p: unknown[]): unknown[][]}}; exec(sql: string): void; close(): void}
      const db = new BetterSqlite(file)
      return {binding: 'better-sqlite3', prepare: (sql) => db.prepare(sql), prepareArrays: (sql) => db.prepare(sql).raw(true), exec: (sql) => void db.exec(sql), close: () => db.close()}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error
    }
  }
  const {DatabaseSync} = require('node:sqlite') as {DatabaseSync: new (file: string) => {prepare(sql: string): SqliteStatement; exec(sql: string): void; close(): void}}
  const db = new DatabaseSync(file)
  const prepareArrays = (sql: string): {all(...params: unknown[]): unknown[][]} => {
    const st = db.prepare(sql) as SqliteStatement & {setReturnArrays?: (on: boolean) => void}
    if (typeof st.setReturnArrays === 'function') {
      st.setReturnArrays(true)
      return st as unknown as {all(...params: unknown[]): unknown[][]}
    }
    // bindings without array rows: objects keep their columns in select order
    return {all: (...params) => st.all(...params).map((row) => Object.values(row))}
  }
  return {binding: 'node:sqlite', prepare: (sql) => db.prepare(sql), prepareArrays, exec: (sql) => db.exec(sql), close: () => db.close()}
}
