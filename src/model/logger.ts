/**
 * What core code uses to report warnings and progress. The CLI writes it to stderr;
 * library users pass their own. Core modules never write to the console themselves.
 */
export interface Logger {
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
}

/** Discards everything; for library calls that did not ask for logs. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
}
