/**
 * Per-input progress on a TTY (stderr): one listr2 task per input, showing the source being
 * read with lines, bytes and rate. Off the TTY nothing is drawn. The scan calls `update` after
 * each batch and `finish` when all inputs are done.
 */
import type {ScanProgress} from '../pipeline/scan.js'
import {formatBytes} from './report.js'

export interface ProgressView {
  update(progress: ScanProgress): void
  finish(): Promise<void>
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  output: (text: string) => void
  started: number
}

export async function createProgressView(inputs: readonly string[], stream: NodeJS.WriteStream = process.stderr): Promise<ProgressView> {
  if (!stream.isTTY || inputs.length === 0) return {update() {}, finish: async () => {}}
  // listr2 is loaded only for a TTY that shows the progress (a scan into a pipe never needs it)
  const {Listr} = await import('listr2')
  const deferred = new Map<string, Deferred>()
  for (const input of inputs) {
    let resolve!: () => void
    const promise = new Promise<void>((r) => (resolve = r))
    deferred.set(input, {promise, resolve, output: () => {}, started: Date.now()})
  }
  const list = new Listr(
    inputs.map((input) => ({
      title: input,
      task: async (_ctx: unknown, task: {output: string; title: string}) => {
        const d = deferred.get(input)!
        d.output = (text) => {
          task.output = text
        }
        await d.promise
      },
    })),
    {concurrent: true, exitOnError: false, rendererOptions: {collapseSubtasks: false}, renderer: 'default', fallbackRenderer: 'silent'},
  )
  const running = list.run().catch(() => undefined)
  let lastInput: string | undefined
  const totals = new Map<string, {lines: number; bytes: number}>()
  return {
    update(p) {
      const d = deferred.get(p.input)
      if (d === undefined) return
      if (lastInput !== undefined && lastInput !== p.input) deferred.get(lastInput)?.resolve()
      lastInput = p.input
      const seconds = Math.max(0.001, (Date.now() - d.started) / 1000)
      const t = totals.get(p.src) ?? {lines: 0, bytes: 0}
      t.lines = p.metrics.lines
      t.bytes = p.metrics.bytes
      totals.set(p.src, t)
      d.output(`${p.src}: ${t.lines} lines, ${formatBytes(t.bytes)}, ${Math.round(t.lines / seconds)} lines/s`)
    },
    async finish() {
      for (const d of deferred.values()) d.resolve()
      await running
    },
  }
}
