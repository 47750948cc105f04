/**
 * The acquisition seam: what every source (file, archive member, stdin) hands to the pipeline.
 *
 * An input given on the command line (a path, a glob, a directory, an archive, `-`) expands to
 * one or more sources. A source reads its bytes as a stream, splits them into lines with a
 * byte-bounded splitter (line-splitter.ts) and yields them in batches, so that the hot path
 * costs one await per chunk, not per line. Every line that is not emitted is counted.
 */

/** One acquired line (contract 7): the raw text, where it came from, and the acquisition labels. */
export interface RawLine {
  /** The line without its `\n` (and without a `\r` right before it); invalid UTF-8 replaced by U+FFFD. */
  raw: string
  /** The source: the file path as given, `archive.tgz:member/path` for archive members, `-` for stdin. */
  src: string
  /** The datasource name (CrowdSec `Line.Module`): `file` for files, gzip files and archive members, `stdin` for stdin. */
  module: string
  /** Acquisition labels, shared by every line of one source; `type` is the log type once chosen. */
  labels: Record<string, string>
  /** 1-based line number in the source (empty lines count, as in the file). */
  lineNo: number
}

/** Counters kept per source; nothing is dropped without being counted here. */
export interface SourceMetrics {
  /** Lines emitted to the pipeline. */
  lines: number
  /** Bytes read (after decompression). */
  bytes: number
  /** Lines longer than maxLineBytes, cut to that length (still emitted). */
  truncated: number
  /** Lines that held invalid UTF-8 (replaced by U+FFFD, still emitted). */
  invalidUtf8: number
  /** Exactly empty lines, skipped as CrowdSec's file datasource does. */
  empty: number
}

export function newSourceMetrics(): SourceMetrics {
  return {lines: 0, bytes: 0, truncated: 0, invalidUtf8: 0, empty: 0}
}

/** What the pipeline knows about one source, and what it turns into event metadata. */
export interface SourceInfo {
  /** `datasource_path`: the path as given, `archive:member` for archive members, `-` for stdin. */
  src: string
  /** `datasource_type` and `Line.Module`. */
  module: string
  /** The reader that produced it: `file`, `gzip`, `archive`, `stdin`. */
  reader: 'file' | 'gzip' | 'archive' | 'stdin'
  /** Acquisition labels (`type` = log type). The object is shared by every line of the source. */
  labels: Record<string, string>
  metrics: SourceMetrics
}

/**
 * Lines of one source. A reader yields, per source, a first batch with no lines (the source
 * opens: this is how an empty file or archive member still shows up in the report), then its
 * lines in batches, in order; `done` marks the last batch of a source.
 */
export interface LineBatch {
  readonly source: SourceInfo
  readonly lines: RawLine[]
  readonly done: boolean
}

/** Options shared by all readers. */
export interface AcquisitionOptions {
  /** Lines longer than this many bytes are truncated and counted (default 64 KiB). */
  maxLineBytes?: number
  /** Bytes per read (default 64 KiB). */
  chunkBytes?: number
  /** Where stdin comes from (tests pass their own stream). */
  stdin?: AsyncIterable<Uint8Array>
}

/** A user input (one command-line argument) expanded into its sources, in a deterministic order. */
export interface InputSpec {
  /** The argument as given, without a `:TYPE` suffix. */
  input: string
  /** The log type forced for this input (`PATH:TYPE` or `--type`), if any. */
  type?: string
}

/**
 * A source kind (style.md §1): a name, a one-line description, and `open`, which expands one
 * input into the sources it holds. Errors that make a whole source unreadable are CrowdErrors
 * with code 'input' thrown while iterating; the caller records them and goes on with the next input.
 */
export interface SourceSpec {
  readonly type: string
  readonly describe: string
  /** True when this kind handles the (already expanded) path. */
  accepts(path: string): boolean
  open(path: string, options: AcquisitionOptions): AsyncIterable<LineBatch>
}
