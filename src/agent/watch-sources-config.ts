/**
 * Sources of `crowd watch` from configuration: `[[watch.sources]]` tables in crowd.toml and CrowdSec
 * acquis files (src/acquisition/acquis.ts reads and checks both, with CrowdSec's keys), turned into
 * the pipeline's WatchSourceSpec.
 */
import * as fs from 'node:fs'
import {stringify} from 'yaml'
import {parseAcquis, readAcquisDir, readAcquisFile, type WatchSourceConfig} from '../acquisition/acquis.js'
import {CrowdError} from '../model/errors.js'
import type {WatchSourceSpec} from '../pipeline/watch-sources.js'

/** `[[watch.sources]]`: the same documents as acquis.yaml, written as TOML tables. */
export function configSources(docs: readonly Record<string, unknown>[], file: string): WatchSourceSpec[] {
  if (docs.length === 0) return []
  // one YAML document per table, so the checks (and their messages) are acquis.yaml's; "document N" counts tables
  const text = docs.map((d) => stringify(d)).join('---\n')
  return parseAcquis(text, `${file} [[watch.sources]]`).map(toSpec)
}

/** An acquis.yaml, or every *.yaml/*.yml of an acquis.d directory. */
export function acquisSources(where: string): WatchSourceSpec[] {
  let dir: boolean
  try {
    dir = fs.statSync(where).isDirectory()
  } catch (error) {
    throw new CrowdError('config', `cannot read the acquisition config: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: where})
  }
  return (dir ? readAcquisDir(where) : readAcquisFile(where)).map(toSpec)
}

function toSpec(c: WatchSourceConfig): WatchSourceSpec {
  const origin = `${c.origin.file}:${c.origin.line}`
  // an expression that rewrites events would change what is detected: refused rather than ignored
  if (c.transform !== undefined && c.transform !== '') {
    throw new CrowdError('config', '`transform` is not supported by crowd watch yet: remove it or pre-process the log', {file: c.origin.file, line: c.origin.line})
  }
  switch (c.kind) {
    case 'file':
      return {kind: 'file', paths: c.paths, exclude: c.excludeRegexps, labels: c.labels, origin}
    case 'journald':
      return {kind: 'journald', filters: [...c.filters], labels: c.labels, origin}
    case 'syslog':
      return {kind: 'syslog', syslog: {host: c.host, port: c.port, maxMessageLen: c.maxMessageLen, protocols: c.protocols, labels: c.labels}, labels: c.labels, origin}
  }
}
