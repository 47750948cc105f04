/**
 * A source spec (crowd.toml `hub.sources`, or `--source`) -> a HubSource:
 * `embedded`; an `https://` URL; `crowdsec:DIR` or a CrowdSec hub directory (.index.json or
 * parsers/ scenarios/ ...); `dir:DIR` or a directory with a hub-index.json.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CrowdError} from '../../model/errors.js'
import {INDEX_FILE} from '../hub-index.js'
import type {HubSource} from '../types.js'
import {CrowdsecSource} from './crowdsec.js'
import {DirectorySource} from './directory.js'
import {EmbeddedSource} from './embedded.js'
import {HttpsSource, type HttpsSourceOptions} from './https.js'

export interface OpenSourceOptions {
  dataDir: string
  http?: Omit<HttpsSourceOptions, 'cacheDir'>
  /** For tests: the embedded source's root (default: crowd's own package root). */
  embeddedRoot?: string
}

export function openSource(spec: string, options: OpenSourceOptions): HubSource {
  if (spec === 'embedded') return new EmbeddedSource(options.embeddedRoot)
  if (spec.startsWith('https://') || spec.startsWith('http://')) {
    return new HttpsSource(spec, {...options.http, cacheDir: path.join(options.dataDir, 'cache', 'hub')})
  }
  if (spec.startsWith('crowdsec:')) return new CrowdsecSource(path.resolve(spec.slice('crowdsec:'.length)))
  if (spec.startsWith('dir:')) return new DirectorySource(path.resolve(spec.slice('dir:'.length)))
  const dir = path.resolve(spec)
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CrowdError('hub', `hub source is not "embedded", an https URL or a directory: ${spec}`)
  if (fs.existsSync(path.join(dir, INDEX_FILE))) return new DirectorySource(dir)
  if (CrowdsecSource.looksLikeHub(dir)) return new CrowdsecSource(dir)
  throw new CrowdError('hub', `directory has neither a ${INDEX_FILE} nor a CrowdSec hub layout: ${dir}`)
}
