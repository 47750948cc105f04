/**
 * Starting the parse worker (parse-worker.ts), and the part of the decision to use one that
 * needs no content: light enough for `crowd scan` to load before the rest of the pipeline.
 *
 * The command starts a BlankParseWorker as soon as its flags and inputs allow one (inputsRuleOutWorker):
 * the worker loads its modules while this thread loads its own and chooses the content; prepareScan
 * then gives it its work (EarlyParseWorker in parse-thread.ts) or stops it when the content rules
 * a worker out.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import {Worker} from 'node:worker_threads'
import {expandInput} from '../acquisition/registry.js'
import type {InputSpec} from '../acquisition/types.js'
import {siblingModule} from '../platform/module-url.js'
import type {MainMessage, ParseWorkerData} from './parse-thread.js'

export type ParseWorkerSetting = 'auto' | 0 | 1

/** With `auto`, the worker is used when the regular files add up to this many bytes or more. */
export const AUTO_MIN_BYTES = 8 * 1024 * 1024

/**
 * Why the inputs rule a worker out (a note for the debug log), or undefined when they allow
 * one: stdin is parsed in this thread, a single core gains nothing, and with `auto` the files
 * must add up to AUTO_MIN_BYTES (`measured`: their inputBytes, when the caller has it).
 */
export function inputsRuleOutWorker(setting: 'auto' | 1, inputs: readonly InputSpec[], stdin: boolean, cores = availableCores(), measured?: number): string | undefined {
  if (stdin || inputs.some((i) => i.input === '-')) return 'parse worker: stdin is parsed in this thread'
  if (cores < 2) return 'parse worker: one core, parsing in this thread'
  if (setting === 'auto') {
    const bytes = measured ?? inputBytes(inputs)
    if (bytes < AUTO_MIN_BYTES) return `parse worker: ${bytes} input bytes, below ${AUTO_MIN_BYTES}, parsing in this thread`
  }
  return undefined
}

export function availableCores(): number {
  try {
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  } catch {
    return 1
  }
}

/**
 * Inputs a scan gets through quickly: no stdin, and regular files that add up to less than
 * AUTO_MIN_BYTES (what they are parsed in one thread below). `crowd scan` then holds V8's young
 * generation at its first size (src/platform/young-generation.ts).
 */
export function shortInputs(inputs: readonly InputSpec[], measured?: number): boolean {
  return !inputs.some((i) => i.input === '-') && (measured ?? inputBytes(inputs)) < AUTO_MIN_BYTES
}

/** Bytes of the regular files the inputs name (unreadable ones count 0: they fail later, the same way). */
export function inputBytes(inputs: readonly InputSpec[]): number {
  let total = 0
  for (const spec of inputs) {
    let paths
    try {
      paths = expandInput(spec.input)
    } catch {
      continue
    }
    for (const p of paths) {
      try {
        const st = fs.statSync(p.path)
        if (st.isFile()) total += st.size
      } catch {
        // counted as 0
      }
    }
  }
  return total
}

/** A parse worker, with its work now (`workerData`) or later (BlankParseWorker.assign). */
export function startWorker(url: URL, workerData?: ParseWorkerData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, {workerData, stdout: false, stderr: false})
  // Run from source (tests under tsx): hooks registered by --import do not reach workers, so
  // the worker registers tsx itself before importing the TypeScript entry.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, {eval: true, workerData, stdout: false, stderr: false})
}

/** The worker script next to this module (`.js` when built; `.ts` when run from source by tsx). */
export function parseWorkerUrl(): URL {
  return siblingModule(import.meta.url, 'parse-worker')
}

/**
 * A parse worker started before its work is known: it loads its modules, then waits for its
 * ParseWorkerData (assign). It does not keep the process alive until taken; one that failed or
 * exited is not handed out.
 */
export class BlankParseWorker {
  private worker: Worker | undefined
  private broken = false

  constructor(url: URL = parseWorkerUrl()) {
    const worker = startWorker(url)
    worker.unref()
    worker.once('error', () => void (this.broken = true))
    worker.once('exit', () => void (this.broken = true))
    this.worker = worker
  }

  /** Gives it its work; false (and stopped) when it failed meanwhile or was taken or stopped. */
  assign(data: ParseWorkerData): boolean {
    if (this.worker === undefined || this.broken) {
      this.dispose()
      return false
    }
    this.worker.postMessage({type: 'work', data} satisfies MainMessage)
    return true
  }

  /** The worker, once, keeping the process alive from now on; undefined when it failed or was stopped. */
  take(): Worker | undefined {
    const worker = this.worker
    this.worker = undefined
    if (worker === undefined || this.broken) {
      void worker?.terminate()
      return undefined
    }
    worker.ref()
    return worker
  }

  /** Stops it unless taken. */
  dispose(): void {
    const worker = this.worker
    this.worker = undefined
    if (worker !== undefined) void worker.terminate()
  }
}
