/** The LAPI's credentials: the helpers live in src/platform/credentials.ts (the CTI service uses them too). */
export * from '../platform/credentials.js'
