import {Args} from '@oclif/core'
import {CrowdCommand} from '../../../cli/base-command.js'
import {openCtiStore} from '../../../cti/service/service.js'
import {CrowdError} from '../../../model/errors.js'
import {generateApiKey, hashApiKey} from '../../../platform/credentials.js'
import {StoreError} from '../../../store/types.js'

export interface CtiKeysAddResult {
  name: string
  api_key: string
}

export default class CtiKeysAdd extends CrowdCommand<typeof CtiKeysAdd, CtiKeysAddResult> {
  static override summary = "Add a key to the CTI API of crowd cti serve (X-Api-Key for /v2/smoke and /v2/fire) and print it."
  static override description = "The key is shown once: the service's database ([cti] store_url, default cti.db in the data dir) keeps only its hash."
  static override args = {name: Args.string({description: 'a name for the key (letters, digits, . _ - @)', required: true})}
  static override examples = ['<%= config.bin %> cti keys add dashboard', '<%= config.bin %> cti keys add soc --json']

  async run(): Promise<CtiKeysAddResult> {
    const name = this.args.name
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new CrowdError('usage', `key name "${name.slice(0, 80)}" must be 1 to 64 letters, digits, dots, dashes, underscores or @`)
    const key = generateApiKey()
    const store = await openCtiStore(this.crowdConfig)
    try {
      await store.addApiKey(name, hashApiKey(key), Date.now())
    } catch (error) {
      if (error instanceof StoreError && error.kind === 'exists') throw new CrowdError('usage', `a CTI API key named "${name}" already exists`)
      throw error
    } finally {
      await store.close()
    }
    this.out(`CTI API key for '${name}':\n\n   ${key}\n\nKeep it: it cannot be shown again.`)
    return {name, api_key: key}
  }
}
