/**
 * The base of every crowd command: the shared flags (`--json`, `--log-level`, `--config`),
 * the loaded configuration, a stderr logger, and one error path that maps CrowdErrors to
 * exit codes. Commands stay thin: parse flags, call one library function, return a result
 * that `--json` prints as is and `render` draws for humans.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {loadConfig, LOG_LEVELS, type Config} from '../config/config.js'
import {CrowdError, CrowdErrorList} from '../model/errors.js'
import {ExitCode} from '../model/exit-codes.js'
import type {Logger} from '../model/logger.js'
import {createStderrLogger} from './stderr-logger.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof CrowdCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** The exit code of a command stopped by these errors (docs/exit-codes.md). */
function exitCodeOf(codes: readonly string[]): number {
  const all = (code: string): boolean => codes.length > 0 && codes.every((c) => c === code)
  if (all('input')) return ExitCode.input
  if (codes.some((c) => c === 'store' || c === 'lapi' || c === 'plugin')) return ExitCode.service
  if (all('not-found')) return ExitCode.notFound
  return ExitCode.usage
}

export abstract class CrowdCommand<T extends typeof Command, R> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'log-level': Flags.option({
      description: 'how much to log on stderr (default: warn, or log_level in crowd.toml)',
      options: [...LOG_LEVELS],
      helpGroup: 'GLOBAL',
    })(),
    config: Flags.string({
      description: 'the crowd.toml to use (default: $CROWD_CONFIG, then the user config dir)',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private loadedConfig?: Config
  private loadedLogger?: Logger

  override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof CrowdCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** The configuration, loaded on first use (so commands that do not need it never fail on it). */
  protected get crowdConfig(): Config {
    this.loadedConfig ??= loadConfig({configFlag: this.flags.config, logLevelFlag: this.flags['log-level']})
    return this.loadedConfig
  }

  /** The hub sources of a hub command: its `--source` flag when given, else crowd.toml hub.sources. */
  protected hubSources(flag: string | undefined): string[] {
    return flag ? [flag] : this.crowdConfig.hub.sources
  }

  protected get logger(): Logger {
    this.loadedLogger ??= createStderrLogger((this.flags['log-level'] ?? (process.env.CROWD_LOG_LEVEL || 'warn')) as Config['logLevel'])
    return this.loadedLogger
  }

  abstract override run(): Promise<R>

  /** Writes a result line to stdout unless --json is on (then the returned result is printed). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /**
   * `--json` output. Off a TTY it is written as plain JSON: oclif's colouring tokenises the whole
   * document (about a million objects for a large scan report), which only a terminal needs.
   */
  protected override logJson(json: unknown): void {
    if (process.stdout.isTTY) super.logJson(json)
    else process.stdout.write(JSON.stringify(json, null, 2) + '\n')
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof CrowdError || error instanceof CrowdErrorList) {
      const errors = error instanceof CrowdErrorList ? error.errors : [error]
      const exitCode = exitCodeOf(errors.map((e) => e.code))
      if (this.jsonEnabled()) {
        process.stdout.write(JSON.stringify({error: {exitCode, errors: errors.map((e) => e.toJSON())}}, null, 2) + '\n')
      } else {
        for (const e of errors) process.stderr.write(`Error: ${e.withSnippet()}\n`)
      }
      this.exit(exitCode)
    }
    if (error instanceof Errors.ExitError) throw error
    // oclif's own parse errors (unknown flag, missing arg) are usage errors.
    if (error instanceof Errors.CLIError && (error as {oclif?: {exit?: number}}).oclif?.exit === 2) {
      if (this.jsonEnabled()) {
        process.stdout.write(JSON.stringify({error: {exitCode: ExitCode.usage, errors: [{code: 'usage', message: error.message}]}}, null, 2) + '\n')
        this.exit(ExitCode.usage)
      }
    }
    return super.catch(error)
  }
}
