/**
 * The journald source of `crowd watch` (acquisition/journald): `journalctl --follow -o json`
 * with the entry's filters, positions as journal cursors. Daemon mode starts after the saved
 * cursor, else at the beginning of the journal (or its end with --from-end), and runs live;
 * cron mode reads from the saved cursor to the current end (journalctl without --follow) and
 * replays on event time, as files are.
 */
import {journaldSrc, readJournalOnce, startJournald, type JournaldBatch} from '../acquisition/journald/index.js'
import {CrowdError} from '../model/errors.js'
import type {RunningSource, SourceContext, SourceFigures, WatchBatch, WatchSourceSpec} from './watch-sources.js'

export function journaldSource(spec: Extract<WatchSourceSpec, {kind: 'journald'}>, ctx: SourceContext): RunningSource {
  const src = journaldSrc(spec.filters)
  const key = `journald:${src}`
  const labels = Object.assign(Object.create(null) as Record<string, string>, spec.labels)
  const saved = ctx.positions[key]
  const cursor = saved !== undefined && 'cursor' in saved ? saved.cursor : undefined
  const controller = new AbortController()
  const figures: SourceFigures = {key, src, module: 'journalctl', lines: 0, bytes: 0, truncated: 0, dropped: 0, errors: 0}
  const onLines = (batch: JournaldBatch): Promise<void> | void => {
    if (batch.lines.length === 0 && batch.cursor === '') return
    const item: WatchBatch = {
      key, src, module: 'journalctl', labels, lines: batch.lines.map((l) => l.raw), weight: Math.max(1, batch.lines.length),
      ...(batch.cursor !== '' ? {position: {cursor: batch.cursor}} : {}), replay: ctx.once,
    }
    return ctx.queue.push(item)
  }
  const onError = (e: {message: string}) => {
    figures.errors++
    ctx.logger.warn(`${src}: ${e.message}`)
    ctx.onSourceError(key, new CrowdError('input', e.message, {file: src}))
  }
  const common = {filters: spec.filters, labels, maxLineBytes: ctx.maxLineBytes, onLines, onError, signal: controller.signal}
  let metrics = () => ({lines: 0, bytes: 0, truncated: 0})
  let done: Promise<void>
  if (ctx.once) {
    done = readJournalOnce({...common, ...(cursor !== undefined ? {afterCursor: cursor} : {})}).then(
      (r) => {
        metrics = () => r.metrics
      },
      (error: unknown) => onError({message: (error as Error).message}),
    )
  } else {
    const source = startJournald({...common, from: cursor ?? (ctx.fromEnd ? 'end' : 'beginning')})
    metrics = () => source.metrics
    done = Promise.resolve()
    source.done.catch((error: unknown) => onError({message: (error as Error).message}))
    return {
      spec, done,
      stop: () => source.stop(),
      figures: () => [{...figures, lines: source.metrics.lines, bytes: source.metrics.bytes, truncated: source.metrics.truncated}],
    }
  }
  return {
    spec, done,
    async stop() {
      controller.abort()
      await done
    },
    figures: () => {
      const m = metrics()
      return [{...figures, lines: m.lines, bytes: m.bytes, truncated: m.truncated}]
    },
  }
}
