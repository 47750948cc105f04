import {CrowdCommand} from '../../cli/base-command.js'
import type {Config} from '../../config/config.js'
import {storeLocation} from '../../store/open.js'

const hidePassword = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')

/** The configuration without its secrets (a password in the store URL, LAPI credentials): CI logs keep what commands print. */
function redacted(config: Config): Config {
  const out: Config = {...config, store: {...config.store}, lapi: {...config.lapi}, ctiService: {...config.ctiService}}
  if (out.store.url !== undefined) out.store.url = hidePassword(out.store.url)
  if (out.ctiService.storeUrl !== undefined) out.ctiService.storeUrl = hidePassword(out.ctiService.storeUrl)
  if (out.lapi.credentials !== undefined) out.lapi.credentials = {...out.lapi.credentials, password: '***'}
  if (out.lapi.autoRegistration.token !== undefined) out.lapi.autoRegistration = {...out.lapi.autoRegistration, token: '***'}
  return out
}

function storeText(config: Config): string {
  try {
    const where = storeLocation(config.store.url, config.dataDir)
    return `${where.engine} ${where.target}`
  } catch (error) {
    return `invalid: ${(error as Error).message}`
  }
}

export type ConfigShowResult = Config

export default class ConfigShow extends CrowdCommand<typeof ConfigShow, ConfigShowResult> {
  static override summary = 'Show the configuration crowd runs with, and where it came from.'
  static override examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --json', 'CROWD_HOME=/var/lib/crowd <%= config.bin %> config show']

  async run(): Promise<ConfigShowResult> {
    const config = redacted(this.crowdConfig)
    const origin = {flag: '--config', env: '$CROWD_CONFIG', default: 'default location'}[config.fileFrom]
    this.out(
      [
        `config file  ${config.file} (${origin}${config.fileExists ? '' : ', absent: defaults apply'})`,
        `data dir     ${config.dataDir}`,
        `log level    ${config.logLevel}`,
        `hub sources  ${config.hub.sources.join(', ')}`,
        `max line     ${config.acquisition.maxLineBytes} bytes`,
        `max buckets  ${config.detect.maxBucketsPerScenario} per scenario`,
        `store        ${storeText(config)}`,
        `lapi         listens on ${config.lapi.listen}${config.lapi.credentials ? `; commands use ${config.lapi.credentials.url} as '${config.lapi.credentials.machineId}'` : ''}`,
        `notifications ${config.notifications.dirs.join(', ')}`,
        `bouncers     ${config.bouncers.dirs.join(', ')}`,
      ].join('\n'),
    )
    return config
  }
}
