/** Process exit codes shared by every command; documented in docs/exit-codes.md. */
export const ExitCode = {
  /** Success; for `scan`, no alert. */
  ok: 0,
  /** The job ran and found what it looks for: alerts (`scan`), failing tests (`test run`), an expression error (`expr eval`). */
  found: 1,
  /** Usage or configuration error: nothing ran. */
  usage: 2,
  /** An input could not be read; the other inputs were still processed. */
  input: 3,
  /** A service the command needs failed: the decisions store, or the Local API it talks to. */
  service: 4,
  /** What the command names (a machine, bouncer, alert, decision) does not exist. */
  notFound: 5,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
