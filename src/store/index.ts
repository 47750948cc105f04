/** The decisions store façade: alerts, decisions, machines and bouncers on SQLite or PostgreSQL. */
export {openStore, storeLocation, DEFAULT_SQLITE_FILE, type StoreLocation} from './open.js'
export {SqlStore} from './sql-store.js'
export {SCHEMA_VERSION} from './schema.js'
export {parseIpInterval, normalizeScope, isAddressScope, intervalContains, type IpInterval} from './ip-range.js'
export * from './types.js'
