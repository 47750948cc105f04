import * as fs from 'node:fs'
import {Args, Flags} from '@oclif/core'
import chalk from 'chalk'
import {splitInputType} from '../acquisition/registry.js'
import type {RecordResult} from '../lapi/record.js'
import {CrowdCommand} from '../cli/base-command.js'
import {CrowdError} from '../model/errors.js'
import {renderScanReport} from '../outputs/report.js'
import {createProgressView} from '../outputs/report-progress.js'
import type {ScanResult, WorkerLogLevel} from '../pipeline/index.js'
import {BlankParseWorker, inputBytes, inputsRuleOutWorker, shortInputs} from '../pipeline/parse-worker-start.js'
import {holdYoungGeneration, type YoungGenerationHold} from '../platform/young-generation.js'
import {parseGoDuration} from '../model/go-time.js'
import type {NotificationFigures, ScanNotifications} from '../outputs/notifications/index.js'

export type ScanCommandResult = ScanResult & {recorded?: RecordResult; notifications?: NotificationFigures[]}

export default class Scan extends CrowdCommand<typeof Scan, ScanCommandResult> {
  static override summary = 'Scan log files, archives or stdin once and report attacks, alerts and decisions.'
  static override description = `Reads every INPUT (file, glob, directory, .gz, .tar/.tar.gz/.tgz archive, or - for stdin), parses it with the
selected parsers, runs the scenarios on the log timestamps (replay), and turns alerts into decisions with the profiles.
A log type is given with --type (all inputs) or INPUT:TYPE (one input); otherwise it is detected per file.
Exit codes: 0 no alert, 1 alerts found (unless --fail-on none), 2 usage or configuration error, 3 an input could not be read.`
  static override examples = [
    '<%= config.bin %> scan /var/log/auth.log --hub ./hub --collection crowdsecurity/linux',
    '<%= config.bin %> scan access.log:nginx logs.tgz --hub ./hub --collection crowdsecurity/nginx --json',
    'zcat old.log.gz | <%= config.bin %> scan - --type syslog --hub ./hub --collection crowdsecurity/sshd --ndjson',
  ]
  static override strict = false
  static override args = {
    input: Args.string({description: 'files, globs, directories, archives, or - (stdin); INPUT:TYPE sets its log type', required: true}),
  }
  static override flags = {
    type: Flags.string({description: 'log type of every input without its own :TYPE (syslog, nginx, apache2, ...)'}),
    hub: Flags.string({description: 'a CrowdSec-layout hub directory to take items from'}),
    collection: Flags.string({description: 'hub collection to use (repeatable)', multiple: true}),
    parser: Flags.string({description: 'hub parser to use (repeatable)', multiple: true}),
    scenario: Flags.string({description: 'hub scenario to use (repeatable)', multiple: true}),
    postoverflow: Flags.string({description: 'hub postoverflow to use (repeatable)', multiple: true}),
    profiles: Flags.string({description: 'a profiles.yaml (default: ban 4h on Ip and Range alerts with remediation)'}),
    simulation: Flags.boolean({description: 'mark every alert and decision as simulated'}),
    record: Flags.boolean({description: 'store the alerts and their decisions in the local store, or post them to the LAPI of [lapi.credentials] (recording the same scan twice stores it once)'}),
    notify: Flags.string({description: 'at the end, send the alerts to this notification (a notifications/*.yaml name; repeatable), grouped as it says; failures are warnings, the exit code stays the scan\'s', multiple: true}),
    'notify-wait': Flags.string({description: 'how long --notify may take, retries included (Go duration)', default: '30s'}),
    ndjson: Flags.boolean({description: 'print one alert per line (JSON) as they are found', exclusive: ['json']}),
    output: Flags.string({char: 'o', description: 'also write the result to FILE (JSON with --json/--ndjson, else the text report)'}),
    html: Flags.string({description: 'also write a self-contained HTML report to FILE: timeline, top sources and scenarios, decisions, metrics, each alert with its events (filterable, sortable; works offline)'}),
    'fail-on': Flags.option({description: 'what makes the exit code 1', options: ['none', 'alert'] as const, default: 'alert'})(),
    'max-line-bytes': Flags.integer({description: 'truncate longer lines (default: acquisition.max_line_bytes, 65536)', min: 1}),
    'parse-workers': Flags.option({
      description: 'parse in a worker thread, which also sends events no scenario takes as a preview and hands batches of lines back when the main thread runs short: auto (default) when 2+ cores and the files add up to 8 MiB or more, 1 when possible, 0 never (stdin, and content using stash helpers in scenarios, postoverflows or profiles, always parse in one thread; results are the same)',
      options: ['auto', '0', '1'] as const,
      default: 'auto',
    })(),
  }

  async run(): Promise<ScanCommandResult> {
    const {argv} = await this.parse(Scan)
    const inputs = (argv as string[]).map((arg) => splitInputType(arg))
    if (inputs.length === 0) throw new CrowdError('usage', 'give at least one INPUT')
    if (inputs.filter((i) => i.input === '-').length > 1) throw new CrowdError('usage', 'stdin (-) can be given only once')
    const f = this.flags
    const ndjsonLines: string[] = []
    const parseWorkers = f['parse-workers'] === 'auto' ? 'auto' : f['parse-workers'] === '1' ? 1 : 0
    // when the inputs allow a parse worker, it loads its modules while this thread loads the
    // pipeline's and chooses the content (prepareScan gives it its work, or stops it)
    // (the inputs are expanded and measured once, for this and the next decision)
    const bytes = inputBytes(inputs)
    const blank = parseWorkers !== 0 && inputsRuleOutWorker(parseWorkers, inputs, false, undefined, bytes) === undefined ? new BlankParseWorker() : undefined
    // a short scan in this thread alone: V8's young generation stays at its first size while it
    // compiles and scans (released once the scan is done, before recording and notifying)
    const hold = blank === undefined && shortInputs(inputs, bytes) ? holdYoungGeneration() : undefined
    try {
      return await this.scan(inputs, parseWorkers, ndjsonLines, blank, hold)
    } finally {
      hold?.release()
      blank?.dispose() // when prepareScan never took it
    }
  }

  private async scan(inputs: ReturnType<typeof splitInputType>[], parseWorkers: 'auto' | 0 | 1, ndjsonLines: string[], blank: BlankParseWorker | undefined, hold: YoungGenerationHold | undefined): Promise<ScanCommandResult> {
    const f = this.flags
    // checked before the scan runs: a name without configuration or plugin stops it at once
    let notify: ScanNotifications | undefined
    let notifyWaitMs = 0
    if (f.notify !== undefined && f.notify.length > 0) {
      try {
        notifyWaitMs = parseGoDuration(f['notify-wait']).ns / 1e6
      } catch (error) {
        throw new CrowdError('usage', `--notify-wait: ${(error as Error).message}`)
      }
      const {installedDeliverers, prepareScanNotifications} = await import('../outputs/notifications/index.js')
      const config = this.crowdConfig
      notify = prepareScanNotifications({dirs: config.notifications.dirs, names: f.notify, resolver: await installedDeliverers({dataDir: config.dataDir, logger: this.logger}), logger: this.logger})
    }
    const {prepareScan, runScan} = await import('../pipeline/index.js')
    const options = await prepareScan({
      inputs,
      type: f.type,
      hubDir: f.hub,
      collections: f.collection,
      parsers: f.parser,
      scenarios: f.scenario,
      postoverflows: f.postoverflow,
      dataDir: this.crowdConfig.dataDir,
      profilesFile: f.profiles,
      simulation: f.simulation ? {simulation: true} : undefined,
      maxLineBytes: f['max-line-bytes'] ?? (f.hub === undefined ? this.crowdConfig.acquisition.maxLineBytes : undefined),
      maxBuckets: f.hub === undefined ? this.crowdConfig.detect.maxBucketsPerScenario : undefined,
      failOn: f['fail-on'],
      logger: this.logger,
      parseWorkers,
      parseWorkerBlank: blank,
      logLevel: (f['log-level'] ?? (process.env.CROWD_LOG_LEVEL || 'warn')) as WorkerLogLevel,
    })
    const quiet = this.jsonEnabled() || f.ndjson
    const progress = await createProgressView(quiet ? [] : inputs.map((i) => i.input))
    const result = await runScan({
      ...options,
      onProgress: (p) => progress.update(p),
      onAlert: f.ndjson
        ? (alert) => {
            const line = JSON.stringify(alert)
            process.stdout.write(line + '\n')
            if (f.output !== undefined) ndjsonLines.push(line)
          }
        : undefined,
    })
    hold?.release()
    await progress.finish()
    let recorded: RecordResult | undefined
    if (f.record) {
      // loaded only here: a scan that records nothing does not pay for the store's modules
      const [{withAlertsApi}, {recordAlerts}] = await Promise.all([import('../lapi/client.js'), import('../lapi/record.js')])
      recorded = await withAlertsApi(this.crowdConfig, this.logger, (api) => recordAlerts(api, result.alerts))
      this.logger.info(`recorded ${recorded.alerts} alerts and ${recorded.decisions} decisions in ${recorded.target}`)
    }
    let notified: NotificationFigures[] | undefined
    if (notify !== undefined) {
      const sent = await notify.send(result.alerts, notifyWaitMs)
      notified = sent.figures
      result.warnings.push(...sent.warnings)
      for (const w of sent.warnings) this.logger.warn(w)
    }
    if (f.output !== undefined) {
      const text = this.jsonEnabled() ? JSON.stringify(result, null, 2) + '\n' : f.ndjson ? ndjsonLines.map((l) => l + '\n').join('') : renderScanReport(result, {colour: false})
      try {
        fs.writeFileSync(f.output, text)
      } catch (error) {
        throw new CrowdError('usage', `cannot write output: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: f.output})
      }
    }
    if (f.html !== undefined) {
      // loaded only here: a scan without --html does not pay for the report's modules
      const {renderHtmlReport} = await import('../outputs/html/report.js')
      try {
        fs.writeFileSync(f.html, renderHtmlReport(result))
      } catch (error) {
        throw new CrowdError('usage', `cannot write the HTML report: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file: f.html})
      }
    }
    if (!f.ndjson) this.out(renderScanReport(result, {colour: Boolean(process.stdout.isTTY) && chalk.level > 0}))
    if (recorded !== undefined && !f.ndjson) this.out(`Recorded ${recorded.alerts} alert${recorded.alerts === 1 ? '' : 's'} and ${recorded.decisions} decision${recorded.decisions === 1 ? '' : 's'} in ${recorded.target}.`)
    for (const n of notified ?? []) if (!f.ndjson) this.out(`Notified ${n.name}: ${n.delivered} alert${n.delivered === 1 ? '' : 's'} delivered in ${n.messages} message${n.messages === 1 ? '' : 's'}.`)
    process.exitCode = result.exit_code
    const out: ScanCommandResult = recorded === undefined ? result : {...result, recorded}
    return notified === undefined ? out : {...out, notifications: notified}
  }
}
