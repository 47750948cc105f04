import {hostname} from 'node:os'
import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {startLapi} from '../../lapi/server.js'
import {startCtiAgent} from '../../cti/client/index.js'
import {crowdVersion} from '../../hub/crowd-version.js'
import {installedDeliverers, startNotifications} from '../../outputs/notifications/index.js'
import {hubList} from '../../hub/index.js'
import {figuresFile} from '../../metrics/figures.js'
import {configuredMetricsListen, loadFigures} from '../../metrics/source.js'

export interface LapiServeResult {
  url?: string
  socket?: string
  store: string
  stopped_by: string
}

export default class LapiServe extends CrowdCommand<typeof LapiServe, LapiServeResult> {
  static override summary = 'Run the Local API: watchers post alerts, bouncers pull decisions (wire-compatible with CrowdSec).'
  static override description = 'Serves until SIGTERM or SIGINT, then finishes the requests in flight, flushes the notifications and closes the store. The store is [store] url in crowd.toml (default: SQLite crowd.db in the data dir); profiles are [lapi] profiles (default: CrowdSec\'s); the notifications their `notifications:` name are read from the notification directories (crowd config show).'
  static override flags = {
    listen: Flags.string({description: 'HOST:PORT to listen on (default: [lapi] listen, 127.0.0.1:8080)'}),
  }
  static override examples = ['<%= config.bin %> lapi serve', '<%= config.bin %> lapi serve --listen 0.0.0.0:8080']

  async run(): Promise<LapiServeResult> {
    const config = this.crowdConfig
    const lapi = await startLapi({
      config,
      logger: this.logger,
      listen: this.flags.listen,
      notifications: async ({store, profiles}) => startNotifications({
        dirs: config.notifications.dirs, profiles, store, owner: `${hostname()}/lapi`, logger: this.logger,
        resolver: await installedDeliverers({dataDir: config.dataDir, logger: this.logger}),
      }),
      // participative CTI ([cti], crowd cti register): the alerts stored are queued as signals and pushed, the community blocklist pulled
      companion: async ({store}) => startCtiAgent({config: config.ctiAgent, store, logger: this.logger, version: crowdVersion()}),
      // the console ([lapi] console = true) shows the installed hub packages and the watch's metrics beside the store
      console: {
        hub: async () => (await hubList({dataDir: config.dataDir, sources: this.hubSources(undefined), logger: this.logger})).installed,
        metrics: () => loadFigures({listen: configuredMetricsListen(config), savedFile: figuresFile(config.dataDir), timeoutMs: 2000}),
      },
    })
    const where = [lapi.addresses.url, lapi.addresses.socket].filter((x) => x !== undefined).join(' and ')
    // the address goes to stderr at once (stdout stays for the result), so scripts can wait for it
    process.stderr.write(`crowd lapi listening on ${where} (store: ${lapi.store.engine} ${lapi.store.location})\n`)
    // `on`, not `once`: a second signal (the Deno relaunch passes on what the group also got) must not kill the drain
    const signal = await new Promise<string>((resolve) => {
      process.on('SIGTERM', () => resolve('SIGTERM'))
      process.on('SIGINT', () => resolve('SIGINT'))
    })
    this.logger.info(`lapi: ${signal}: closing`)
    await lapi.close()
    this.out(`stopped by ${signal}`)
    return {url: lapi.addresses.url, socket: lapi.addresses.socket, store: `${lapi.store.engine} ${lapi.store.location}`, stopped_by: signal}
  }
}
