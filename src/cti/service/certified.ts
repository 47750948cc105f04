/**
 * Which signals come from an unmodified hub scenario (notifications-and-cti.md §7.1, §9.1): the
 * service reads a hub in CrowdSec's layout (`[cti] hub`: `.index.json` listing, per scenario,
 * every published version with the sha256 of its file as `digest`, and the scenario files at
 * their `path`). A signal is certified when its scenario's hash and version are one of the
 * published pairs of that scenario. A scenario file may hold several scenarios (`ssh-bf` and
 * `ssh-bf_user-enum`): every `name:` in the published file carries the item's hash and version.
 * The client's own `scenario_trust` is never believed.
 *
 * A hub in crowd's layout (`hub-index.json` with package tarballs, src/hub) is read too: every scenario file of a
 * published scenario package version (its tarball checked against the index's sha256) is a pair of its sha256 and
 * the package version, for every `name:` in it and the package's own name.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {CrowdError} from '../../model/errors.js'
import type {SignalTrust} from '../../store/cti-store.js'

export interface Certifier {
  /** Published scenarios known (0: no hub configured, nothing is certified). */
  readonly scenarios: number
  trust(scenario: string, hash: string, version: string, manual: boolean): SignalTrust
}

interface IndexItem {
  path?: string
  versions?: Record<string, {digest?: string}>
}

/** Reads the hub directory's `.index.json` (CrowdSec) and `hub-index.json` (crowd); undefined dir: nothing certified. */
export function loadCertifier(hubDir: string | undefined): Certifier {
  const published = new Map<string, Set<string>>()
  if (hubDir !== undefined) {
    const crowdIndex = path.join(hubDir, 'hub-index.json')
    const crowdsecIndex = ['.index.json', 'index.json'].map((n) => path.join(hubDir, n)).find((f) => fs.existsSync(f))
    if (crowdsecIndex === undefined && !fs.existsSync(crowdIndex)) throw new CrowdError('config', `cti.hub: no .index.json (CrowdSec's layout) or hub-index.json (crowd's) in ${hubDir}`)
    if (crowdsecIndex !== undefined) readCrowdsecHub(hubDir, crowdsecIndex, published)
    if (fs.existsSync(crowdIndex)) readCrowdHub(hubDir, crowdIndex, published)
  }
  return {
    scenarios: published.size,
    trust(scenario, hash, version, manual) {
      if (manual) return 'manual'
      if (hash === '') return 'custom'
      if (version === '' || version === '?') return 'tainted'
      return published.get(scenario)?.has(`${hash.toLowerCase()}@${version}`) === true ? 'certified' : 'tainted'
    },
  }
}

function publish(published: Map<string, Set<string>>, names: Iterable<string>, pairs: Iterable<string>): void {
  for (const n of names) {
    let known = published.get(n)
    if (known === undefined) published.set(n, (known = new Set()))
    for (const p of pairs) known.add(p)
  }
}

function readCrowdsecHub(hubDir: string, file: string, published: Map<string, Set<string>>): void {
  let index: {scenarios?: Record<string, IndexItem>}
  try {
    index = JSON.parse(fs.readFileSync(file, 'utf8')) as {scenarios?: Record<string, IndexItem>}
  } catch (error) {
    throw new CrowdError('config', `cti.hub: cannot read ${file}: ${(error as Error).message}`)
  }
  for (const [name, item] of Object.entries(index.scenarios ?? {})) {
    const pairs = new Set<string>()
    for (const [version, v] of Object.entries(item?.versions ?? {})) if (typeof v?.digest === 'string' && v.digest !== '') pairs.add(`${v.digest.toLowerCase()}@${version}`)
    if (pairs.size === 0) continue
    const names = new Set([name])
    if (typeof item.path === 'string') {
      try {
        for (const n of namesIn(fs.readFileSync(path.join(hubDir, item.path), 'utf8'))) names.add(n)
      } catch {
        // a published item whose file is absent: its own name only
      }
    }
    publish(published, names, pairs)
  }
}

interface CrowdIndex {
  packages?: Record<string, {type?: string; versions?: Record<string, {type?: string; tarball?: string; sha256?: string}>}>
}

function readCrowdHub(hubDir: string, file: string, published: Map<string, Set<string>>): void {
  let index: CrowdIndex
  try {
    index = JSON.parse(fs.readFileSync(file, 'utf8')) as CrowdIndex
  } catch (error) {
    throw new CrowdError('config', `cti.hub: cannot read ${file}: ${(error as Error).message}`)
  }
  for (const [name, pkg] of Object.entries(index.packages ?? {})) {
    for (const [version, v] of Object.entries(pkg?.versions ?? {})) {
      if ((v?.type ?? pkg.type) !== 'scenario' || typeof v.tarball !== 'string') continue
      let gz: Buffer
      try {
        gz = fs.readFileSync(path.resolve(hubDir, v.tarball))
      } catch {
        continue
      }
      // a tarball that is not the published one publishes nothing
      if (typeof v.sha256 === 'string' && createHash('sha256').update(gz).digest('hex') !== v.sha256) continue
      for (const [entry, data] of tarFiles(gz)) {
        if (!/\.ya?ml$/.test(entry)) continue
        const pair = `${createHash('sha256').update(data).digest('hex')}@${version}`
        publish(published, new Set([name, ...namesIn(data.toString('utf8'))]), [pair])
      }
    }
  }
}

/** The regular files of a gzipped tar (ustar), by path; an unreadable one gives none. */
function tarFiles(gz: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  let tar: Buffer
  try {
    tar = gunzipSync(gz, {maxOutputLength: 64 * 1024 * 1024})
  } catch {
    return out
  }
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512)
    if (header.every((b) => b === 0)) break
    const field = (from: number, to: number): string => header.subarray(from, to).toString('utf8').replace(/\0.*$/s, '')
    const size = parseInt(field(124, 136).trim() || '0', 8)
    if (!Number.isFinite(size) || size < 0) break
    const prefix = field(345, 500)
    const name = (prefix === '' ? '' : `${prefix}/`) + field(0, 100)
    const type = field(156, 157)
    if (type === '' || type === '0') out.set(name, tar.subarray(at + 512, at + 512 + size))
    at += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

/** The `name:` of every document of a scenario file (without a YAML parser: top-level `name:` lines). */
function namesIn(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/^name:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$/gm)) out.push(m[1]!)
  return out
}
