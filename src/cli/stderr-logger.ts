import chalk from 'chalk'
import type {LogLevel} from '../config/config.js'
import type {Logger} from '../model/logger.js'

const RANK: Record<LogLevel, number> = {error: 0, warn: 1, info: 2, debug: 3, trace: 4}

/** A Logger that writes levelled lines to stderr, coloured only when stderr is a TTY. */
export function createStderrLogger(level: LogLevel, stream: NodeJS.WriteStream = process.stderr): Logger {
  const colour = Boolean(stream.isTTY) && chalk.level > 0
  const write = (at: LogLevel, paint: (s: string) => string, message: string): void => {
    if (RANK[at] > RANK[level]) return
    const tag = at.toUpperCase().padEnd(5)
    stream.write(`${colour ? paint(tag) : tag} ${message}\n`)
  }
  return {
    error: (m) => write('error', chalk.red, m),
    warn: (m) => write('warn', chalk.yellow, m),
    info: (m) => write('info', chalk.cyan, m),
    debug: (m) => write('debug', chalk.gray, m),
  }
}
