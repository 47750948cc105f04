import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {baseUrl} from '../../cti/client/credentials.js'
import {CapiError, generateMachineId, readCapiCredentials, registerWatcher, writeCapiCredentials} from '../../cti/client/index.js'
import {CrowdError} from '../../model/errors.js'
import {generatePassword} from '../../platform/credentials.js'

export interface CtiRegisterResult {
  url: string
  machine_id: string
  api: 'v3' | 'v2'
  credentials: string
}

export default class CtiRegister extends CrowdCommand<typeof CtiRegister, CtiRegisterResult> {
  static override summary = 'Register this LAPI to a central API (crowd cti serve, or CrowdSec\'s) and write its credentials file.'
  static override description =
    'Registers a watcher with a generated machine id (48 letters and digits) and password (POST URL/v3/watchers, /v2 when the service has no v3), ' +
    "then writes CrowdSec's online_api_credentials.yaml (url, login, password) to [cti] credentials (default: in the data dir). " +
    'crowd lapi serve then shares signals ([cti] sharing) and pulls the community blocklist ([cti] pull). An existing file is kept unless --force.'
  static override args = {url: Args.string({description: 'the central API, http(s)://HOST[:PORT]/', required: true})}
  static override flags = {
    force: Flags.boolean({description: 'register again and replace an existing credentials file'}),
  }
  static override examples = ['<%= config.bin %> cti register http://127.0.0.1:8090/', '<%= config.bin %> cti register https://cti.example.org/ --force --json']

  async run(): Promise<CtiRegisterResult> {
    const url = this.args.url
    if (!/^https?:\/\/[^/\s]+/.test(url)) throw new CrowdError('usage', `the central API URL must be http:// or https://, not "${url}"`)
    const file = this.crowdConfig.ctiAgent.credentials
    const existing = readCapiCredentials(file)
    if (existing !== undefined && !this.flags.force) {
      throw new CrowdError('usage', `this LAPI is already registered to ${existing.url} as '${existing.login}' (${file}): give --force to register again`)
    }
    const login = generateMachineId()
    const password = generatePassword(48)
    let api: 'v3' | 'v2'
    try {
      api = await registerWatcher(url, login, password, {timeoutMs: 30_000})
    } catch (error) {
      if (error instanceof CapiError) throw new CrowdError('lapi', error.message)
      throw error
    }
    writeCapiCredentials(file, {url: baseUrl(url), login, password})
    this.out(`registered to ${baseUrl(url)} as '${login}' (${api}); credentials in ${file}`)
    return {url: baseUrl(url), machine_id: login, api, credentials: file}
  }
}
