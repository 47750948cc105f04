/**
 * Sprig's base64 functions. As Sprig, b64dec answers a decoding error as its text (not an
 * error): `illegal base64 data at input byte N`.
 */
import {fn, type TemplateFunc} from '../funcs.js'

const B64 = /^[A-Za-z0-9+/]*$/

/** base64.StdEncoding.DecodeString, strict (padding required), with Go's error text. */
function b64dec(s: string): string {
  const body = s.replace(/=+$/, '')
  const pad = s.length - body.length
  const bad = [...body].findIndex((c) => !B64.test(c))
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`
  if (s.length % 4 !== 0 || pad > 2 || (pad > 0 && (body.length + pad) % 4 !== 0)) {
    return `illegal base64 data at input byte ${Math.min(s.length, body.length - (body.length % 4))}`
  }
  return Buffer.from(body, 'base64').toString('utf8')
}

export const ENCODING_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ['b64enc', fn(['string'], ([s]) => Buffer.from(s as string, 'utf8').toString('base64'))],
  ['b64dec', fn(['string'], ([s]) => b64dec(s as string))],
]
