import {Flags} from '@oclif/core'
import {CrowdCommand} from '../cli/base-command.js'
import {stdoutChalk} from '../cli/stdout-chalk.js'
import {figuresFile, type WatchFigures} from '../metrics/figures.js'
import {configuredMetricsListen, loadFigures} from '../metrics/source.js'
import {figuresTables} from '../metrics/tables.js'
import {table} from '../outputs/table.js'

export default class Metrics extends CrowdCommand<typeof Metrics, WatchFigures> {
  static override summary = 'Show the acquisition, parser, bucket and alert counters of crowd watch, as cscli metrics does.'
  static override description = 'Reads, in order: --url (the endpoint of crowd watch or of a CrowdSec agent), --from-file, the endpoint of [watch] metrics_listen, else the figures the last `crowd watch --once` saved in <data dir>/watch/metrics.json. Exits 5 when there are no figures anywhere, 4 when the endpoint cannot be reached.'
  static override flags = {
    url: Flags.string({description: 'a Prometheus endpoint to read (http://HOST:PORT means http://HOST:PORT/metrics)', exclusive: ['from-file']}),
    'from-file': Flags.string({description: 'a figures file saved by crowd watch --once'}),
  }
  static override examples = [
    '<%= config.bin %> metrics',
    '<%= config.bin %> metrics --url http://127.0.0.1:6060/metrics',
    '<%= config.bin %> metrics --from-file metrics.json --json',
  ]

  async run(): Promise<WatchFigures> {
    const {url, 'from-file': fromFile} = this.flags
    // the configuration is read only when no source is given (a flag works with any crowd.toml)
    const configured = url === undefined && fromFile === undefined
      ? {listen: configuredMetricsListen(this.crowdConfig), savedFile: figuresFile(this.crowdConfig.dataDir)}
      : {}
    const {figures, from} = await loadFigures({url, fromFile, ...configured, logger: this.logger})
    this.logger.info(`metrics from ${from}`)
    const c = stdoutChalk(this.jsonEnabled())
    this.out([
      `Metrics at ${figures.at}, counting since ${figures.since}`,
      ...figuresTables(figures).map((t) => `\n${c.bold(t.title + ':')}\n${table(c, t.header, t.rows)}`),
    ].join('\n'))
    return figures
  }
}
