/**
 * Chooses and opens the store: PostgreSQL when `[store] url` is a postgres:// URL, else the
 * embedded SQLite file (`[store] url = "sqlite:///path"`, a bare path, or `crowd.db` in the data dir).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {SqlStore} from './sql-store.js'
import type {Store} from './types.js'
import {StoreError} from './types.js'

export const DEFAULT_SQLITE_FILE = 'crowd.db'

export interface StoreLocation {
  engine: 'sqlite' | 'postgres'
  /** The SQLite file, or the PostgreSQL URL. */
  target: string
}

/** Where the store is, from `[store] url` (may be undefined) and the data dir. */
export function storeLocation(url: string | undefined, dataDir: string): StoreLocation {
  if (url === undefined || url === '') return {engine: 'sqlite', target: path.join(dataDir, DEFAULT_SQLITE_FILE)}
  if (/^postgres(ql)?:\/\//i.test(url)) return {engine: 'postgres', target: url}
  if (url === ':memory:' || url === 'sqlite://:memory:') return {engine: 'sqlite', target: ':memory:'}
  if (/^sqlite:\/\//i.test(url)) return {engine: 'sqlite', target: path.resolve(dataDir, url.slice('sqlite://'.length))}
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new StoreError('invalid', `unsupported store url '${url.replace(/\/\/[^@/]*@/, '//***@')}': use postgres://... or a SQLite file path`)
  return {engine: 'sqlite', target: path.resolve(dataDir, url)}
}

export async function openStore(location: StoreLocation): Promise<Store> {
  // each engine's modules load only when that engine is used
  if (location.engine === 'postgres') {
    const {PostgresDriver} = await import('./postgres-driver.js')
    return SqlStore.open(new PostgresDriver(location.target))
  }
  if (location.target !== ':memory:') fs.mkdirSync(path.dirname(location.target), {recursive: true})
  const {SqliteDriver} = await import('./sqlite-driver.js')
  return SqlStore.open(new SqliteDriver(location.target))
}
