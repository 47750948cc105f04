/**
 * The `archive` source: `.tar`, `.tar.gz` and `.tgz` files, streamed through the tar package's
 * parser (gzip detected by the parser itself) and never extracted to disk. Each regular-file
 * member is its own source, named `archive.tgz:member/path`; a member ending in `.gz` is
 * decompressed too. Members are read in archive order. A corrupt archive (bad header checksum,
 * truncated gzip, not an archive at all) stops that archive with a CrowdError naming the file and
 * the byte offset reached; the members read before it were already handed on.
 */
import * as fs from 'node:fs'
import type {ReadEntry} from 'tar'
import {CrowdError} from '../model/errors.js'
import {inputError, isTarName} from './file.js'
import {BATCH_LINES, newSourceInfo, newSplitter} from './read-lines.js'
import type {LineSplitter} from './line-splitter.js'
import type {AcquisitionOptions, LineBatch, RawLine, SourceInfo, SourceSpec} from './types.js'

const DEFAULT_CHUNK = 64 * 1024

export const archiveSource: SourceSpec = {
  type: 'archive',
  describe: 'a tar archive (.tar, .tar.gz, .tgz): every member is a log, streamed without extracting',
  accepts: isTarName,
  open: (path, options) => readArchive(path, options),
}

/** One member being read: its info and the splitter (with a gunzip in front for `.gz` members). */
interface OpenMember {
  info: SourceInfo
  splitter: LineSplitter
}

async function* readArchive(path: string, options: AcquisitionOptions): AsyncGenerator<LineBatch> {
  // tar and minizlib are loaded only when an archive is read (about 40 ms of start-up otherwise)
  const [tar, {Gunzip}] = await Promise.all([import('tar'), import('minizlib')])
  const file = fs.createReadStream(path, {highWaterMark: options.chunkBytes ?? DEFAULT_CHUNK})
  const parser = new tar.Parser({strict: true})
  // The parser works synchronously inside write(): entries open, data and end events fire
  // before write() returns, so each read chunk turns into a list of member events, whose lines
  // are split in batches of BATCH_LINES only as they are yielded (see LineSplitter.drain).
  let queue: MemberEvent[] = []
  let failure: unknown
  let consumed = 0
  let members = 0

  parser.on('entry', (entry: ReadEntry) => {
    if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
      entry.resume()
      return
    }
    members++
    const member: OpenMember = {info: newSourceInfo(`${path}:${entry.path}`, 'file', 'archive'), splitter: undefined as unknown as LineSplitter}
    member.splitter = newSplitter(member.info, options)
    queue.push({member, chunk: undefined, end: false})
    const feed = (chunk: Buffer): void => void queue.push({member, chunk, end: false})
    const finish = (): void => void queue.push({member, chunk: undefined, end: true})
    if (entry.path.endsWith('.gz')) {
      // minizlib inflates synchronously, so a compressed member streams like a plain one.
      const gunzip = new Gunzip({})
      let broken = false
      gunzip.on('data', (chunk: Buffer) => feed(chunk))
      gunzip.on('error', (error: unknown) => {
        broken = true
        failure ??= new CrowdError('input', `corrupt gzip member ${entry.path}: ${error instanceof Error ? error.message : String(error)}`, {file: path})
      })
      entry.on('data', (chunk: Buffer) => {
        if (!broken) gunzip.write(chunk)
      })
      entry.on('end', () => {
        if (!broken) gunzip.end()
        finish()
      })
    } else {
      entry.on('data', feed)
      entry.on('end', finish)
    }
  })
  parser.on('error', (error: Error) => {
    failure ??= error
  })
  parser.on('warn', (code: string, message: string | Error) => {
    failure ??= new Error(`${code}: ${typeof message === 'string' ? message : message.message}`)
  })

  try {
    for await (const chunk of file) {
      const before = consumed
      consumed += (chunk as Buffer).length
      parser.write(chunk as Buffer)
      const events = queue
      queue = []
      yield* batchesOf(events)
      if (failure !== undefined) throw corruptArchive(path, failure, before)
    }
    parser.end()
    const events = queue
    queue = []
    yield* batchesOf(events)
    if (failure !== undefined) throw corruptArchive(path, failure, consumed)
    if (members === 0 && consumed === 0) throw new CrowdError('input', 'corrupt archive at byte offset 0: empty file', {file: path})
  } catch (error) {
    throw error instanceof CrowdError ? error : inputError(path, error, consumed)
  } finally {
    file.destroy()
  }
}

/** What a member did during one parser write: opened (no chunk, not end), read a chunk, or ended. */
interface MemberEvent {
  member: OpenMember
  chunk: Buffer | undefined
  end: boolean
}

/** The batches of a list of member events: the opening batch, lines in batches of BATCH_LINES, the last batch. */
function* batchesOf(events: readonly MemberEvent[]): Generator<LineBatch> {
  for (const {member, chunk, end} of events) {
    if (chunk !== undefined) {
      member.splitter.feed(chunk)
      for (let more = true; more; ) {
        const out: RawLine[] = []
        more = member.splitter.drain(out, BATCH_LINES)
        if (out.length > 0) yield {source: member.info, lines: out, done: false}
      }
    } else if (end) {
      const out: RawLine[] = []
      member.splitter.end(out)
      yield {source: member.info, lines: out, done: true}
    } else {
      yield {source: member.info, lines: [], done: false}
    }
  }
}

function corruptArchive(path: string, error: unknown, offset: number): CrowdError {
  if (error instanceof CrowdError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CrowdError('input', `corrupt archive at byte offset ${offset}: ${message}`, {file: path}, {cause: error})
}
