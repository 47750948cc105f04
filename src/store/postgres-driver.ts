/**
 * PostgreSQL through `pg`: a pool, placeholders numbered once per statement text, BIGINT read as
 * numbers (ids and Unix milliseconds stay far below 2^53), and connection failures mapped to
 * StoreError 'unavailable' so that the LAPI answers 503 and recovers when the server is back.
 */
import pg from 'pg'
import type {Row, SqlDriver, SqlExecutor} from './sql-driver.js'
import {StoreError} from './types.js'

const INT8_OID = 20

const numbered = new Map<string, string>()

/** `?` placeholders as `$1, $2...` (the store's SQL has no `?` inside literals). */
function numberPlaceholders(sql: string): string {
  let out = numbered.get(sql)
  if (out === undefined) {
    let n = 0
    out = sql.replace(/\?/g, () => `$${++n}`)
    numbered.set(sql, out)
  }
  return out
}

const statementNames = new Map<string, string>()

/**
 * The query as pg runs it: numbered placeholders and, for statements with parameters, a name, so
 * that each connection parses and plans it once and later runs only bind and execute.
 */
function config(sql: string, params: readonly unknown[]): pg.QueryConfig {
  const text = numberPlaceholders(sql)
  const out: pg.QueryConfig = {text, values: bind(params)}
  if (params.length > 0) {
    let name = statementNames.get(text)
    if (name === undefined) {
      name = `crowd_${statementNames.size + 1}`
      statementNames.set(text, name)
    }
    out.name = name
  }
  return out
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export class PostgresDriver implements SqlDriver {
  readonly engine = 'postgres' as const
  readonly location: string
  readonly #pool: pg.Pool
  #closed = false

  constructor(url: string, options: {max?: number} = {}) {
    this.location = redactUrl(url)
    this.#pool = new pg.Pool({connectionString: url, max: options.max ?? 10, types, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000,
      // a server that goes silent without closing connections must not hang requests forever
      keepAlive: true, query_timeout: 60_000})
    // an idle client losing its server must not crash the process; the next query reports it
    this.#pool.on('error', () => {})
  }

  async all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await this.#pool.query(config(sql, params))).rows as T[]
    } catch (error) {
      throw this.#fail(error)
    }
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return (await this.#pool.query(config(sql, params))).rowCount ?? 0
    } catch (error) {
      throw this.#fail(error)
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (error) {
      throw this.#fail(error)
    }
    // a checked-out client has no pool listener: the connection dying between two statements
    // would be an unhandled 'error' event (a crash); the failing statement reports it instead
    let lost = false
    const onError = (): void => {
      lost = true
    }
    client.on('error', onError)
    const tx: SqlExecutor = {
      all: async <R = Row>(sql: string, params: readonly unknown[] = []) => {
        try {
          return (await client.query(config(sql, params))).rows as R[]
        } catch (error) {
          throw this.#fail(error)
        }
      },
      run: async (sql: string, params: readonly unknown[] = []) => {
        try {
          return (await client.query(config(sql, params))).rowCount ?? 0
        } catch (error) {
          throw this.#fail(error)
        }
      },
    }
    let broken = false
    try {
      await tx.run('BEGIN')
      const value = await fn(tx)
      await tx.run('COMMIT')
      return value
    } catch (error) {
      try {
        await client.query('ROLLBACK')
      } catch {
        broken = true
      }
      throw error
    } finally {
      client.off('error', onError)
      client.release(broken || lost)
    }
  }

  async execScript(sql: string): Promise<void> {
    try {
      await this.#pool.query(sql)
    } catch (error) {
      throw this.#fail(error)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }

  /** A call after close() is 'unavailable', as on SQLite (pg would say "Cannot use a pool after calling end"). */
  #fail(error: unknown): StoreError {
    return this.#closed ? new StoreError('unavailable', 'the store is closed', {cause: error}) : storeError(error)
  }
}

/**
 * Parameters for `pg`: booleans as 0/1, since the schema's flags are INTEGER columns on both
 * engines and pg would send `true`/`false` text, which PostgreSQL refuses for an integer.
 */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value === undefined ? null : value))
}

/** The URL without its password, for messages and `crowd lapi status`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}

function storeError(error: unknown): StoreError {
  if (error instanceof StoreError) return error
  const e = error as {code?: string; message?: string}
  const message = e.message ?? String(error)
  const code = e.code ?? ''
  if (code === '23505') return new StoreError('exists', message, {cause: error})
  // connection errors (ECONNREFUSED...), admin shutdown (57P01...), too many connections (53300), serialization (40001), lock timeout (55P03)
  if (/^E[A-Z]+$/.test(code) || code.startsWith('57P') || code.startsWith('08') || code === '53300' || code === '40001' || code === '40P01' || code === '55P03' || /terminat|timeout|Connection|connect/i.test(message)) {
    return new StoreError('unavailable', message, {cause: error})
  }
  return new StoreError('invalid', message, {cause: error})
}
