import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {createStderrLogger} from '../../cli/stderr-logger.js'
import type {LogLevel} from '../../config/config.js'
import type {Logger} from '../../model/logger.js'
import {CrowdError} from '../../model/errors.js'
import {BouncerRunner, loadBouncerConfig, sandboxedBouncer, type BouncerStatus} from '../../outputs/bouncers/index.js'

export type BouncerRunResult = BouncerStatus

export default class BouncerRun extends CrowdCommand<typeof BouncerRun, BouncerRunResult> {
  static override summary = 'Run a bouncer: feed the LAPI decision stream to its hub package (firewall...) in the sandbox.'
  static override description = `Reads bouncers/NAME.yaml (beside crowd.toml, then in the data dir; none: the local LAPI at 127.0.0.1:8080, the key
from $API_KEY, a poll every 200ms), runs the installed bouncer package its type: names (default NAME: AUTHOR/bouncer-NAME,
or the package whose manifest serves NAME), and polls the decision stream with the bouncer's API key (crowd bouncers add).
Runs until SIGTERM or SIGINT; when the LAPI goes away it keeps enforcing what it knows and retries with a growing delay.
Status (last sync, counts, last error): crowd bouncer status NAME.`
  static override args = {name: Args.string({description: 'the bouncer configuration (bouncers/NAME.yaml)', required: true})}
  static override flags = {
    once: Flags.boolean({description: 'one startup sync, then exit (exit code 4 when the LAPI or the plugin failed)'}),
  }
  static override examples = ['API_KEY=... <%= config.bin %> bouncer run firewall', '<%= config.bin %> bouncer run firewall --once --json']

  async run(): Promise<BouncerRunResult> {
    const config = this.crowdConfig
    const bouncer = loadBouncerConfig(config.bouncers.dirs, this.args.name)
    const logger = this.bouncerLogger(bouncer.logLevel)
    const plugin = sandboxedBouncer(bouncer, {dataDir: config.dataDir, logger})
    const runner = new BouncerRunner({config: bouncer, plugin, dataDir: config.dataDir, logger})
    try {
      if (this.flags.once) {
        const ok = await runner.syncOnce()
        const e = runner.status.lastError
        if (!ok && e !== null) throw new CrowdError(e.kind, `bouncer ${bouncer.name}: ${e.message}`)
      } else {
        const stop = new AbortController()
        const onSignal = (): void => stop.abort()
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
        process.stderr.write(`crowd bouncer ${bouncer.name} (${plugin.packageName}) polling ${bouncer.apiUrl} every ${bouncer.updateFrequencyMs}ms\n`)
        try {
          await runner.run(stop.signal)
        } finally {
          process.off('SIGTERM', onSignal)
          process.off('SIGINT', onSignal)
        }
      }
    } finally {
      await plugin.close()
    }
    const s = runner.status
    this.out(`${s.name}: ${s.blocked} value(s) blocked (${s.decisions} decisions), last sync ${s.lastSync ?? 'never'}`)
    return s
  }

  /** The configuration's CrowdSec `log_level` unless --log-level or $CROWD_LOG_LEVEL says otherwise. */
  private bouncerLogger(level: string | undefined): Logger {
    if (level === undefined || this.flags['log-level'] !== undefined || process.env.CROWD_LOG_LEVEL) return this.logger
    const crowdsec: Record<string, LogLevel> = {trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'error', panic: 'error', off: 'error'}
    return createStderrLogger(crowdsec[level.toLowerCase()] ?? 'warn')
  }
}
