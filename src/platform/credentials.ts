/**
 * Credentials of crowd's HTTP services (the LAPI, lapi.md §2, and the CTI service): bouncer API keys (43 base64 characters of 32 random
 * bytes, stored as their SHA-512 hex digest), machine passwords (stored as scrypt hashes with a
 * per-password salt: nothing but crowd reads crowd's store, so the hash need not be bcrypt), and
 * the HS256 JWTs watchers log in for (claims `id`, `exp`, `orig_iat`; one hour).
 */
import {createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions} from 'node:crypto'

/** scrypt off the main thread (libuv's pool): a login never stalls the server. */
function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))))
}

/** A new bouncer API key: base64 of 32 random bytes without the trailing `=` (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64').replace(/=+$/, '')
}

export function hashApiKey(key: string): string {
  return createHash('sha512').update(key).digest('hex')
}

/** A random password of letters and digits, for `crowd machines add --auto`. */
export function generatePassword(length = 48): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  const bytes = randomBytes(length * 2)
  let out = ''
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    // 248 = 4 * 62: drop the bytes that would bias the choice
    if (bytes[i]! < 248) out += alphabet[bytes[i]! % 62]
  }
  return out.length === length ? out : out + generatePassword(length - out.length)
}

const SCRYPT = {N: 16384, r: 8, p: 1, keyLength: 32}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, SCRYPT.keyLength, {N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p})
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

/** True when `password` matches `stored`; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || N > 1 << 20) return false
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  if (expected.length === 0) return false
  const actual = await scryptAsync(password, salt, expected.length, {N, r, p, maxmem: 256 * N * r + 1024 * 1024})
  return timingSafeEqual(actual, expected)
}

export interface JwtClaims {
  id: string
  exp: number
  orig_iat: number
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')
const JWT_HEADER = b64url(JSON.stringify({alg: 'HS256', typ: 'JWT'}))

export function signJwt(claims: JwtClaims, secret: Buffer): string {
  const body = `${JWT_HEADER}.${b64url(JSON.stringify(claims))}`
  return `${body}.${b64url(createHmac('sha256', secret).update(body).digest())}`
}

export type JwtCheck = {ok: true; claims: JwtClaims} | {ok: false; reason: string}

/**
 * Verifies an HS256 token; the reasons are gin-jwt's texts that clients log. `allowExpiredSince`
 * accepts an expired token whose `orig_iat` is after it (refresh_token).
 */
export function verifyJwt(token: string, secret: Buffer, nowSeconds: number, allowExpiredSince?: number): JwtCheck {
  const parts = token.split('.')
  if (parts.length !== 3) return {ok: false, reason: 'token contains an invalid number of segments'}
  let header: {alg?: unknown}
  let claims: Partial<JwtClaims>
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as {alg?: unknown}
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<JwtClaims>
  } catch {
    return {ok: false, reason: 'token is malformed'}
  }
  if (header.alg !== 'HS256') return {ok: false, reason: 'signing method is invalid'}
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2]!, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return {ok: false, reason: 'signature is invalid'}
  if (claims === null || typeof claims !== 'object' || typeof claims.id !== 'string' || typeof claims.exp !== 'number' || typeof claims.orig_iat !== 'number') {
    return {ok: false, reason: 'token is malformed'}
  }
  if (claims.exp <= nowSeconds) {
    if (allowExpiredSince === undefined || claims.orig_iat < allowExpiredSince) return {ok: false, reason: 'token is expired'}
  }
  return {ok: true, claims: claims as JwtClaims}
}
