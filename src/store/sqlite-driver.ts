/**
 * SQLite through src/platform/sqlite.ts: one connection, WAL, a busy timeout so that a `crowd`
 * command writing to the same file waits instead of failing, foreign keys on (decisions go with
 * their alert). The binding is synchronous; every call is still queued behind the running
 * transaction so that no request reads another one's uncommitted rows.
 */
import * as path from 'node:path'
import {openSqlite, type SqliteDatabase, type SqliteStatement} from '../platform/sqlite.js'
import type {Row, SqlDriver, SqlExecutor} from './sql-driver.js'
import {StoreError} from './types.js'

const BUSY_TIMEOUT_MS = 5000

/**
 * One queue per database file in this process, shared by every driver open on it. SQLite's busy
 * wait blocks the thread, so a second connection of this process waiting on the first one's
 * transaction would block the very event loop that has to finish it (then fail, "database is
 * locked"). Other processes still meet the busy timeout.
 */
const queues = new Map<string, Promise<unknown>>()
let memoryDatabases = 0

export class SqliteDriver implements SqlDriver {
  readonly engine = 'sqlite' as const
  readonly #db: SqliteDatabase
  readonly #statements = new Map<string, SqliteStatement>()
  /** This database's key in `queues`. */
  readonly #queueKey: string
  #closed = false

  constructor(readonly location: string) {
    this.#queueKey = location === ':memory:' || location === '' ? `:memory:#${++memoryDatabases}` : path.resolve(location)
    try {
      this.#db = openSqlite(location)
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
      if (location !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL')
      this.#db.exec('PRAGMA synchronous = NORMAL')
      this.#db.exec('PRAGMA foreign_keys = ON')
    } catch (error) {
      throw storeError(error, `cannot open SQLite database ${location}`)
    }
  }

  get binding(): string {
    return this.#db.binding
  }

  #statement(sql: string): SqliteStatement {
    if (this.#closed) throw new StoreError('unavailable', 'the store is closed')
    let st = this.#statements.get(sql)
    if (st === undefined) {
      st = this.#db.prepare(sql)
      this.#statements.set(sql, st)
    }
    return st
  }

  #allNow<T>(sql: string, params: readonly unknown[]): T[] {
    try {
      return this.#statement(sql).all(...params.map(bind)) as T[]
    } catch (error) {
      throw storeError(error)
    }
  }

  #runNow(sql: string, params: readonly unknown[]): number {
    try {
      return Number(this.#statement(sql).run(...params.map(bind)).changes)
    } catch (error) {
      throw storeError(error)
    }
  }

  /** Runs `fn` once the file's queue is free; keeps the queue busy until it settles. */
  #exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const key = this.#queueKey
    const result = (queues.get(key) ?? Promise.resolve()).then(fn)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    queues.set(key, tail)
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key)
    })
    return result
  }

  all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#exclusive(() => this.#allNow<T>(sql, params))
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#exclusive(() => this.#runNow(sql, params))
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const tx: SqlExecutor = {
        all: async <R = Row>(sql: string, params: readonly unknown[] = []) => this.#allNow<R>(sql, params),
        run: async (sql: string, params: readonly unknown[] = []) => this.#runNow(sql, params),
      }
      this.#runNow('BEGIN IMMEDIATE', [])
      try {
        const value = await fn(tx)
        this.#runNow('COMMIT', [])
        return value
      } catch (error) {
        try {
          this.#db.exec('ROLLBACK')
        } catch {
          // the transaction may already be gone (SQLite rolls back on some errors itself)
        }
        throw error
      }
    })
  }

  execScript(sql: string): Promise<void> {
    return this.#exclusive(() => {
      try {
        this.#db.exec(sql)
      } catch (error) {
        throw storeError(error)
      }
    })
  }

  async close(): Promise<void> {
    await this.#exclusive(() => {
      if (this.#closed) return
      this.#closed = true
      this.#statements.clear()
      this.#db.close()
    })
  }
}

/** Booleans as 0/1 (node:sqlite refuses JS booleans). */
function bind(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  return value === undefined ? null : value
}

/** SQLite result codes by number (node:sqlite reports `errcode`, better-sqlite3 the name in `code`). */
const RESULT_CODES: Record<number, string> = {
  5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 8: 'SQLITE_READONLY', 10: 'SQLITE_IOERR', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY', 2067: 'SQLITE_CONSTRAINT_UNIQUE',
}

function storeError(error: unknown, context?: string): StoreError {
  if (error instanceof StoreError) return error
  const e = error as {code?: string; errcode?: number; message?: string}
  const message = (context ? `${context}: ` : '') + (e.message ?? String(error))
  let code = e.code ?? ''
  // node:sqlite (Deno, newer Node): code is 'ERR_SQLITE_ERROR', the SQLite code is the extended errcode
  if (!code.startsWith('SQLITE_') && typeof e.errcode === 'number') code = RESULT_CODES[e.errcode] ?? RESULT_CODES[e.errcode & 0xff] ?? ''
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_') || code === 'SQLITE_FULL' || code === 'SQLITE_READONLY') {
    return new StoreError('unavailable', message, {cause: error})
  }
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new StoreError('exists', message, {cause: error})
  if (/database is locked|unable to open|disk I\/O error/i.test(e.message ?? '')) return new StoreError('unavailable', message, {cause: error})
  return new StoreError('invalid', message, {cause: error})
}
