/** Bounded request bodies: the helpers live in src/platform/body.ts (the CTI service uses them too). */
export * from '../platform/body.js'
