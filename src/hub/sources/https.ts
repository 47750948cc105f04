/**
 * A hub published over HTTPS: `<url>/hub-index.json` (or a URL ending in .json) and the
 * tarballs it names, relative to the index URL. Fetched with got (timeouts, retries); the
 * index is cached in the data dir with its ETag and refreshed with If-None-Match by
 * `crowd hub update`; tarballs are cached by sha256, so a reinstall works offline.
 * Plain http is accepted for loopback hosts only (tests, local mirrors).
 * A network failure is a CrowdError; it happens before any install starts.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import got, {type RequestError} from 'got'
import {CrowdError} from '../../model/errors.js'
import {INDEX_FILE, parseHubIndex} from '../hub-index.js'
import {sha256} from '../integrity.js'
import {writeFileAtomic} from '../../platform/files.js'
import type {HubSource, IndexVersion, PackageContent, SourceIndex} from '../types.js'
import {verifyTarball} from './directory.js'

export interface HttpsSourceOptions {
  /** Where the index cache and tarball cache live (`<data>/cache/hub`). */
  cacheDir: string
  timeoutMs?: number
  retries?: number
  /** Upper bound of the delay between retries. */
  retryDelayMs?: number
}

export type IndexRefresh = 'cached' | 'downloaded' | 'not-modified'

export class HttpsSource implements HubSource {
  readonly kind = 'https' as const
  readonly id: string
  readonly indexUrl: URL
  /** What the last loadIndex did, for `crowd hub update`. */
  lastRefresh: IndexRefresh | undefined
  private readonly indexCache: string

  constructor(
    url: string,
    readonly options: HttpsSourceOptions,
  ) {
    this.id = url
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new CrowdError('hub', `not a URL: ${url}`)
    }
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
      throw new CrowdError('hub', `hub sources must use https (plain http only for loopback): ${url}`)
    }
    this.indexUrl = parsed.pathname.endsWith('.json') ? parsed : new URL(INDEX_FILE, parsed.href.endsWith('/') ? parsed : parsed.href + '/')
    this.indexCache = path.join(options.cacheDir, 'index', sha256(this.indexUrl.href).slice(0, 16))
  }

  async loadIndex(options: {refresh?: boolean} = {}): Promise<SourceIndex> {
    const cachedFile = path.join(this.indexCache, INDEX_FILE)
    const etagFile = path.join(this.indexCache, 'etag')
    const haveCache = fs.existsSync(cachedFile)
    if (haveCache && !options.refresh) {
      this.lastRefresh = 'cached'
      return parseHubIndex(fs.readFileSync(cachedFile, 'utf8'), cachedFile)
    }
    const etag = haveCache && fs.existsSync(etagFile) ? fs.readFileSync(etagFile, 'utf8').trim() : undefined
    const response = await this.get(this.indexUrl, etag === undefined ? {} : {'if-none-match': etag})
    if (response.statusCode === 304 && haveCache) {
      this.lastRefresh = 'not-modified'
      return parseHubIndex(fs.readFileSync(cachedFile, 'utf8'), cachedFile)
    }
    if (response.statusCode !== 200) throw new CrowdError('hub', `cannot fetch hub index ${this.indexUrl.href}: HTTP ${response.statusCode}`)
    const text = response.body.toString('utf8')
    const index = parseHubIndex(text, this.indexUrl.href) // validate before caching
    fs.mkdirSync(this.indexCache, {recursive: true})
    writeFileAtomic(cachedFile, response.body, 0o644)
    const newTag = response.headers.etag
    if (typeof newTag === 'string') writeFileAtomic(etagFile, newTag, 0o644)
    else fs.rmSync(etagFile, {force: true})
    this.lastRefresh = 'downloaded'
    return index
  }

  async fetchPackage(entry: IndexVersion): Promise<PackageContent> {
    if (entry.tarball === undefined || entry.sha256 === undefined) throw new CrowdError('hub', `${entry.name}@${entry.version}: the index names no tarball and sha256`)
    const url = new URL(entry.tarball, this.indexUrl)
    if (url.origin !== this.indexUrl.origin) throw new CrowdError('hub', `${entry.name}@${entry.version}: tarball ${url.href} is not on the index's host`)
    const cached = path.join(this.options.cacheDir, 'tarballs', `${entry.sha256}.tgz`)
    if (fs.existsSync(cached)) {
      const bytes = fs.readFileSync(cached)
      if (sha256(bytes) === entry.sha256) return verifyTarball(bytes, entry, cached)
    }
    const response = await this.get(url, {})
    if (response.statusCode !== 200) throw new CrowdError('hub', `cannot fetch ${url.href}: HTTP ${response.statusCode}`)
    const content = verifyTarball(response.body, entry, url.href)
    fs.mkdirSync(path.dirname(cached), {recursive: true})
    writeFileAtomic(cached, response.body, 0o644)
    return content
  }

  private async get(url: URL, headers: Record<string, string>) {
    try {
      return await got(url, {
        headers: {'user-agent': 'crowd-hub', ...headers},
        responseType: 'buffer',
        throwHttpErrors: false,
        followRedirect: true,
        timeout: {request: this.options.timeoutMs ?? 15_000},
        retry: {limit: this.options.retries ?? 2, methods: ['GET'], backoffLimit: this.options.retryDelayMs ?? 2_000, noise: 0},
      })
    } catch (error) {
      const e = error as RequestError
      throw new CrowdError('hub', `cannot reach hub source ${url.href}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim())
    }
  }
}
