import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {startCtiService} from '../../cti/service/service.js'

export interface CtiServeResult {
  url: string
  store: string
  replica: string
  consensus_passes: number
  stopped_by: string
}

export default class CtiServe extends CrowdCommand<typeof CtiServe, CtiServeResult> {
  static override summary = 'Run the central participative-CTI service: agents share signals, the consensus makes the community blocklist.'
  static override description =
    "Wire-compatible with CrowdSec's central API (/v3 and, for CrowdSec 1.4 agents, /v2): watchers register and log in with their scenarios, push signals, pull the blocklist tailored to their scenarios; and the CTI API (/v2/smoke, /v2/fire) for keys made with crowd cti keys add. " +
    'The database is [cti] store_url (default: SQLite cti.db in the data dir); several replicas may share one, the consensus runs in one of them at a time. ' +
    'Signals count only from unmodified scenarios of the [cti] hub. Serves until SIGTERM or SIGINT. See docs/cti.md.'
  static override flags = {
    listen: Flags.string({description: 'HOST:PORT to listen on (default: [cti] listen, 127.0.0.1:8090)'}),
  }
  static override examples = ['<%= config.bin %> cti serve', '<%= config.bin %> cti serve --listen 0.0.0.0:8090']

  async run(): Promise<CtiServeResult> {
    const service = await startCtiService({config: this.crowdConfig, logger: this.logger, listen: this.flags.listen})
    // the address goes to stderr at once (stdout stays for the result), so scripts can wait for it
    process.stderr.write(`crowd cti listening on ${service.url} (store: ${service.store.engine} ${service.store.location})\n`)
    const signal = await new Promise<string>((resolve) => {
      process.on('SIGTERM', () => resolve('SIGTERM'))
      process.on('SIGINT', () => resolve('SIGINT'))
    })
    this.logger.info(`cti: ${signal}: closing`)
    const passes = service.job.passes
    const store = `${service.store.engine} ${service.store.location}`
    await service.close()
    this.out(`stopped by ${signal}`)
    return {url: service.url, store, replica: service.replica, consensus_passes: passes, stopped_by: signal}
  }
}
