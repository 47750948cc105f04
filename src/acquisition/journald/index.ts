/**
 * The journald datasource (CrowdSec `source: journalctl`): journalctl's JSON output read as a
 * bounded stream (json-reader.ts), each entry rendered as the line CrowdSec reads, i.e. what
 * `journalctl` prints in its default `short` mode (render.ts), the process run, followed,
 * restarted and killed (source.ts), and the acquis.yaml entry (config.ts).
 *
 * Seams with the rest of crowd: RawLine.raw = the rendered line, RawLine.src = CrowdSec's
 * `journalctl-<filters joined with .>` (datasource_path), RawLine.module = `journalctl`
 * (datasource_type), RawLine.labels = the entry's labels; positions are journal cursors.
 */
export {JournalJsonReader, type JournalField, type JournalJsonError, type JournalJsonReaderOptions, type JournalRecord} from './json-reader.js'
export {SHORT_FIELDS, SMALL_FIELD_CAP, formatBytes, formatShortTime, isPrintable, isValidUtf8, keptFields, parseRealtime, renderEntry, stripTabAnsi} from './render.js'
export type {JournalLineFormat, RenderOptions, RenderedEntry} from './render.js'
export {
  DEFAULT_KILL_TIMEOUT_MS, DEFAULT_MAX_RESTART_DELAY_MS, DEFAULT_RESTART_DELAY_MS, JOURNALD_MODULE,
  checkJournalFilter, followArgs, isJournalCursor, journaldSrc, newJournaldMetrics, onceArgs, readJournalOnce, startJournald,
} from './source.js'
export type {JournaldBatch, JournaldError, JournaldErrorKind, JournaldMetrics, JournaldOnceOptions, JournaldOptions, JournaldReadOptions, JournaldSource} from './source.js'
export {JOURNALD_KEYS, JOURNALD_SOURCE, journaldConfigFromAcquis, type JournaldAcquisConfig} from './config.js'
