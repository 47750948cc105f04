/**
 * The Sprig text function map as CrowdSec's notification templates get it (Masterminds/sprig
 * v3 TxtFuncMap), minus what a downloaded template must not reach or what crowd does not
 * implement (UNSUPPORTED_SPRIG, with the reason). env and expandenv exist but see an empty
 * environment.
 */
import type {TemplateFunc} from '../funcs.js'
import {DATE_FUNCS} from './dates.js'
import {DEFAULT_FUNCS} from './defaults.js'
import {DICT_FUNCS} from './dicts.js'
import {ENCODING_FUNCS} from './encoding.js'
import {LIST_FUNCS} from './lists.js'
import {MATH_FUNCS} from './math.js'
import {REGEX_FUNCS} from './regex.js'
import {STRING_FUNCS} from './strings.js'

export const SPRIG_FUNCS: ReadonlyArray<[string, TemplateFunc]> = [
  ...STRING_FUNCS,
  ...LIST_FUNCS,
  ...DICT_FUNCS,
  ...MATH_FUNCS,
  ...DEFAULT_FUNCS,
  ...ENCODING_FUNCS,
  ...DATE_FUNCS,
  ...REGEX_FUNCS,
]

/** Sprig functions crowd leaves out, and why: a template using one fails to parse (`function "x" not defined`). */
export const UNSUPPORTED_SPRIG: Readonly<Record<string, string>> = {
  getHostByName: 'network access (DNS) from a downloaded template',
  genPrivateKey: 'key material generation has no place in notifications',
  genCA: 'certificate generation has no place in notifications',
  genSelfSignedCert: 'certificate generation has no place in notifications',
  genSignedCert: 'certificate generation has no place in notifications',
  derivePassword: 'password derivation has no place in notifications',
  encryptAES: 'encryption has no place in notifications',
  decryptAES: 'decryption has no place in notifications',
  bcrypt: 'password hashing has no place in notifications',
  htpasswd: 'password hashing has no place in notifications',
  randAlphaNum: 'random output makes notifications untestable',
  randAlpha: 'random output makes notifications untestable',
  randAscii: 'random output makes notifications untestable',
  randNumeric: 'random output makes notifications untestable',
  randBytes: 'random output makes notifications untestable',
  randInt: 'random output makes notifications untestable',
  shuffle: 'random output makes notifications untestable',
  uuidv4: 'random output makes notifications untestable',
  addf: 'decimal arithmetic (shopspring/decimal) not implemented',
  add1f: 'decimal arithmetic (shopspring/decimal) not implemented',
  subf: 'decimal arithmetic (shopspring/decimal) not implemented',
  mulf: 'decimal arithmetic (shopspring/decimal) not implemented',
  divf: 'decimal arithmetic (shopspring/decimal) not implemented',
  semver: 'semantic versions are not notification data',
  semverCompare: 'semantic versions are not notification data',
  b32enc: 'not implemented (base32)',
  b32dec: 'not implemented (base32)',
  base: 'file paths are not notification data',
  dir: 'file paths are not notification data',
  clean: 'file paths are not notification data',
  ext: 'file paths are not notification data',
  isAbs: 'file paths are not notification data',
  osBase: 'file paths are not notification data',
  osDir: 'file paths are not notification data',
  osClean: 'file paths are not notification data',
  osExt: 'file paths are not notification data',
  osIsAbs: 'file paths are not notification data',
  urlParse: 'not implemented',
  urlJoin: 'not implemented',
  chunk: 'not implemented',
  deepCopy: 'not implemented',
  mustDeepCopy: 'not implemented',
  toDecimal: 'not implemented',
  sha512sum: 'not implemented',
  hello: 'not implemented',
}
