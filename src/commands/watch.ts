import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../cli/base-command.js'
import {loadConfig, type Config} from '../config/config.js'
import {crowdVersion} from '../hub/crowd-version.js'
import {startCtiAgent} from '../cti/client/index.js'

import type {WatchResult, WatchRun} from '../pipeline/watch.js'
import type {WorkerLogLevel} from '../pipeline/index.js'
import {prepareWatch, type WatchCommandRequest} from '../agent/watch-agent.js'

export default class Watch extends CrowdCommand<typeof Watch, WatchResult> {
  static override summary = 'Follow logs, detect attacks as they happen, and store alerts and decisions in the Local API.'
  static override description = `The scan's pipeline over sources that keep growing: files and globs (rotation by rename and by copytruncate,
new files picked up), journald, a syslog server, stdin. Sources come from INPUT[:TYPE] arguments, [[watch.sources]] in
crowd.toml, or a CrowdSec acquis.yaml / acquis.d (--acquis). Alerts go through the LAPI's profiles into the local store,
or to the LAPI of [lapi.credentials]; positions and bucket state are committed with them, so a restart (even after
kill -9) loses and repeats nothing.

Without --once it runs until SIGTERM or SIGINT (drains, saves, exits) and reloads content and config on SIGHUP,
keeping its buckets. With --once (cron) it reads every source from where the last run stopped to its current end,
saves, and exits with the scan's exit codes: 0 no alert, 1 alerts stored (unless --fail-on none), 3 a source could
not be read, 4 the store or LAPI failed.`
  static override examples = [
    '<%= config.bin %> watch /var/log/nginx/*.log:nginx /var/log/auth.log:syslog',
    '<%= config.bin %> watch --acquis /etc/crowdsec/acquis.yaml',
    '*/5 * * * * <%= config.bin %> watch --once --acquis /etc/crowd/acquis.yaml --json >/var/log/crowd-watch.json',
  ]
  static override strict = false
  static override args = {
    input: Args.string({description: 'files or globs to follow, or - (stdin); INPUT:TYPE sets its log type', required: false}),
  }
  static override flags = {
    once: Flags.boolean({description: 'read every source from its saved position to its current end, save, and exit (cron mode)'}),
    'from-end': Flags.boolean({description: 'sources without a saved position start at their current end instead of their beginning'}),
    acquis: Flags.string({description: 'a CrowdSec acquis.yaml, or an acquis.d directory (default: [watch] acquis)'}),
    type: Flags.string({description: 'log type of every INPUT without its own :TYPE'}),
    hub: Flags.string({description: 'a CrowdSec-layout hub directory to take items from'}),
    collection: Flags.string({description: 'hub collection to use (repeatable)', multiple: true}),
    parser: Flags.string({description: 'hub parser to use (repeatable)', multiple: true}),
    scenario: Flags.string({description: 'hub scenario to use (repeatable)', multiple: true}),
    postoverflow: Flags.string({description: 'hub postoverflow to use (repeatable)', multiple: true}),
    profiles: Flags.string({description: 'the profiles.yaml that turns alerts into decisions (default: [lapi] profiles, else CrowdSec\'s default)'}),
    simulation: Flags.boolean({description: 'mark every alert and decision as simulated'}),
    'metrics-listen': Flags.string({description: 'serve Prometheus metrics on HOST:PORT (default: [watch] metrics_listen)'}),
    'fail-on': Flags.option({description: 'with --once, what makes the exit code 1', options: ['none', 'alert'] as const, default: 'alert'})(),
    bouncer: Flags.string({description: 'run this bouncer (bouncers/NAME.yaml) in the watch, fed from the local store (repeatable; adds to [watch] bouncers)', multiple: true}),
    'max-line-bytes': Flags.integer({description: 'truncate longer lines (default: acquisition.max_line_bytes)', min: 1}),
    'parse-workers': Flags.option({
      description: 'parse in a worker thread while the main thread detects and commits: auto (default) when following (not with --once) on 2+ cores, 1 always, 0 never (content using stash helpers in scenarios, postoverflows or profiles always parses in one thread; results are the same)',
      options: ['auto', '0', '1'] as const,
      default: 'auto',
    })(),
  }

  async run(): Promise<WatchResult> {
    const {argv} = await this.parse(Watch)
    const f = this.flags
    const request = (config: Config): WatchCommandRequest => ({
      config,
      inputs: argv as string[],
      once: f.once,
      fromEnd: f['from-end'],
      acquis: f.acquis,
      type: f.type,
      content: {hubDir: f.hub, collections: f.collection, parsers: f.parser, scenarios: f.scenario, postoverflows: f.postoverflow},
      profiles: f.profiles,
      simulation: f.simulation,
      metricsListen: f['metrics-listen'],
      maxLineBytes: f['max-line-bytes'],
      parseWorkers: f['parse-workers'] === 'auto' ? 'auto' : f['parse-workers'] === '1' ? 1 : 0,
      logLevel: (f['log-level'] ?? (process.env.CROWD_LOG_LEVEL || 'warn')) as WorkerLogLevel,
      logger: this.logger,
      version: crowdVersion(),
      bouncers: f.bouncer ?? [],
      // on the local store the watch is its own LAPI: its alerts are shared as the LAPI's are ([cti], src/cti/client)
      companion: async ({store, scenarios}) => startCtiAgent({config: config.ctiAgent, store, logger: this.logger, version: crowdVersion(), loops: !f.once, scenarios: () => scenarios}),
    })
    const watch = await prepareWatch(request(this.crowdConfig))
    const run: WatchRun = await watch.start()
    const cleanup: (() => void)[] = []
    if (!f.once) {
      let stopping = false
      const stop = (signal: string) => {
        if (stopping) return
        stopping = true
        this.logger.info(`${signal}: draining and saving`)
        void run.stop()
      }
      const reload = () => {
        this.logger.info('SIGHUP: reloading content and configuration')
        void (async () => {
          try {
            const config = loadConfig({configFlag: this.flags.config, logLevelFlag: this.flags['log-level']})
            const outcome = await watch.reload(request(config))
            this.logger.info(`reloaded: ${outcome.restored} bucket(s) kept, ${outcome.dropped} dropped`)
          } catch (error) {
            // a broken edit keeps the running content: reported, never fatal
            this.logger.error(`reload failed, keeping the running configuration: ${(error as Error).message}`)
          }
        })()
      }
      const onTerm = () => stop('SIGTERM')
      const onInt = () => stop('SIGINT')
      process.on('SIGTERM', onTerm)
      process.on('SIGINT', onInt)
      process.on('SIGHUP', reload)
      this.logger.info(`watching ${watch.sources.length} source(s); SIGTERM or SIGINT stops, SIGHUP reloads`)
      cleanup.push(() => {
        process.off('SIGTERM', onTerm)
        process.off('SIGINT', onInt)
        process.off('SIGHUP', reload)
      })
    }
    let result: WatchResult
    let bouncersFailed: string[] = []
    try {
      result = await run.done
    } finally {
      for (const c of cleanup) c()
      bouncersFailed = (await watch.close()).bouncersFailed
    }
    // a bouncer that could not enforce is a failure to act on the decisions: as a failed commit
    if (bouncersFailed.length > 0) {
      result.errors.push({source: `bouncer ${bouncersFailed.join(', ')}`, code: 'plugin', message: 'could not enforce the decisions (see crowd bouncer status)'})
      result.exit_code = 4
    }
    if (f.once && f['fail-on'] === 'none' && result.exit_code === 1) result.exit_code = 0
    for (const w of result.warnings) this.logger.warn(w)
    for (const e of result.errors) this.logger.error(`${e.source}: ${e.message}`)
    this.out(summaryLine(result))
    // cron runs end with the scan's exit codes; a daemon stopped by a signal ends 0 unless it could not commit
    if (!f.once && result.exit_code !== 4) result.exit_code = 0
    if (result.exit_code !== 0) process.exitCode = result.exit_code
    if (result.summary.sources === 0 && result.errors.length === 0 && f.once) this.logger.warn('no source had anything to read')
    return result
  }
}

function summaryLine(r: WatchResult): string {
  const s = r.summary
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
  const decided = /^https?:/.test(r.target) ? '' : ` and ${plural(s.decisions, 'decision')}`
  return `${plural(s.lines, 'line')} from ${plural(s.sources, 'source')} (${s.parsed} parsed), ${plural(s.alerts, 'alert')}${decided} stored in ${r.target}` +
    (r.errors.length > 0 ? `; ${plural(r.errors.length, 'source error')}` : '')
}


