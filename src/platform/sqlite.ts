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
      const BetterSqlite = require('better-sqlite3') as new (file: string) => {prepare(sql: string): SqliteStatement; exec(sql: string): void; close(): void}
      const db = new BetterSqlite(file)
      return {binding: 'better-sqlite3', prepare: (sql) => db.prepare(sql), exec: (sql) => void db.exec(sql), close: () => db.close()}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error
    }
  }
  const {DatabaseSync} = require('node:sqlite') as {DatabaseSync: new (file: string) => {prepare(sql: string): SqliteStatement; exec(sql: string): void; close(): void}}
  const db = new DatabaseSync(file)
  return {binding: 'node:sqlite', prepare: (sql) => db.prepare(sql), exec: (sql) => db.exec(sql), close: () => db.close()}
}
