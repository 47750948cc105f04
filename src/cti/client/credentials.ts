/**
 * The central API credentials of this LAPI: CrowdSec's `online_api_credentials.yaml` (`url`,
 * `login`, `password`, optional `papi_url`), in the data dir by default (`[cti] credentials`),
 * written by `crowd cti register` and readable by CrowdSec's tools.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {parse, stringify} from 'yaml'
import {CrowdError} from '../../model/errors.js'
import {generatePassword} from '../../platform/credentials.js'
import {writeFileAtomic} from '../../platform/files.js'

export interface CapiCredentials {
  /** The central API's base URL, ending with `/`. */
  url: string
  /** The machine id (48 letters and digits). */
  login: string
  password: string
  papiUrl?: string
}

/** A machine id as `cscli capi register` makes one: 48 letters and digits. */
export function generateMachineId(): string {
  return generatePassword(48)
}

/** The URL with a trailing `/` (paths are resolved against it). */
export function baseUrl(url: string): string {
  return url.endsWith('/') ? url : url + '/'
}

/** Reads the credentials file: undefined when it does not exist; a config error naming what is wrong otherwise. */
export function readCapiCredentials(file: string): CapiCredentials | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new CrowdError('config', `cannot read the central API credentials: ${(error as Error).message}`, {file})
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    throw new CrowdError('config', `the central API credentials are not valid YAML: ${(error as Error).message.split('\n')[0]}`, {file})
  }
  const d = (doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>
  const missing = ['url', 'login', 'password'].filter((k) => typeof d[k] !== 'string' || d[k] === '')
  if (missing.length > 0) throw new CrowdError('config', `the central API credentials lack ${missing.join(', ')} (run crowd cti register URL)`, {file})
  const url = d.url as string
  if (!/^https?:\/\//.test(url)) throw new CrowdError('config', `the central API url must be http:// or https://, not "${url}"`, {file})
  const out: CapiCredentials = {url: baseUrl(url), login: d.login as string, password: d.password as string}
  if (typeof d.papi_url === 'string' && d.papi_url !== '') out.papiUrl = d.papi_url
  return out
}

/** Writes the credentials file (owner-only), creating its directory. */
export function writeCapiCredentials(file: string, credentials: CapiCredentials): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const doc: Record<string, string> = {url: credentials.url, login: credentials.login, password: credentials.password}
  if (credentials.papiUrl !== undefined) doc.papi_url = credentials.papiUrl
  writeFileAtomic(file, stringify(doc), 0o600)
}
