/**
 * The seam between the store's SQL and a database engine. SqlStore writes every statement once,
 * with `?` placeholders and the portable subset of SQL that SQLite and PostgreSQL share; a driver
 * runs it (PostgreSQL's driver numbers the placeholders) and maps engine failures to StoreError.
 */
import type {StoreEngine} from './types.js'

export type Row = Record<string, unknown>

export interface SqlExecutor {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>
}

export interface SqlDriver extends SqlExecutor {
  readonly engine: StoreEngine
  readonly location: string
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /** Runs schema statements (several per string allowed), outside any transaction. */
  execScript(sql: string): Promise<void>
  close(): Promise<void>
}
