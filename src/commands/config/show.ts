import {CrowdCommand} from '../../cli/base-command.js'
import type {Config} from '../../config/config.js'

export type ConfigShowResult = Config

export default class ConfigShow extends CrowdCommand<typeof ConfigShow, ConfigShowResult> {
  static override summary = 'Show the configuration crowd runs with, and where it came from.'
  static override examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --json', 'CROWD_HOME=/var/lib/crowd <%= config.bin %> config show']

  async run(): Promise<ConfigShowResult> {
    const config = this.crowdConfig
    const origin = {flag: '--config', env: '$CROWD_CONFIG', default: 'default location'}[config.fileFrom]
    this.out(
      [
        `config file  ${config.file} (${origin}${config.fileExists ? '' : ', absent: defaults apply'})`,
        `data dir     ${config.dataDir}`,
        `log level    ${config.logLevel}`,
        `hub sources  ${config.hub.sources.join(', ')}`,
        `max line     ${config.acquisition.maxLineBytes} bytes`,
        `max buckets  ${config.detect.maxBucketsPerScenario} per scenario`,
      ].join('\n'),
    )
    return config
  }
}
