import {Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {localMachineName, withAlertsApi} from '../../lapi/client.js'
import {addDecision, type AddDecisionResult} from '../../lapi/decisions-admin.js'

export default class DecisionsAdd extends CrowdCommand<typeof DecisionsAdd, AddDecisionResult> {
  static override summary = 'Add a manual decision (origin cscli), as an alert carrying it.'
  static override flags = {
    ip: Flags.string({description: 'an IP address', char: 'i', exclusive: ['range', 'scope']}),
    range: Flags.string({description: 'a range (CIDR)', char: 'r', exclusive: ['ip', 'scope']}),
    scope: Flags.string({description: 'a scope (Ip, Range, Country, AS, custom); needs --value', dependsOn: ['value']}),
    value: Flags.string({description: 'the value for --scope', char: 'v'}),
    duration: Flags.string({description: 'how long (Go duration, days allowed: 4h, 7d, 1d12h)', char: 'd', default: '4h'}),
    type: Flags.string({description: 'decision type', char: 't', default: 'ban'}),
    reason: Flags.string({description: "reason (default: manual '<type>' from '<machine>')", char: 'R'}),
  }
  static override examples = ['<%= config.bin %> decisions add --ip 192.0.2.7', '<%= config.bin %> decisions add --range 198.51.100.0/24 --duration 24h --reason "scanner"', '<%= config.bin %> decisions add --scope Country --value XX --type captcha']

  async run(): Promise<AddDecisionResult> {
    const f = this.flags
    const result = await withAlertsApi(this.crowdConfig, this.logger, (api) =>
      addDecision(api, {ip: f.ip, range: f.range, scope: f.scope, value: f.value, duration: f.duration, type: f.type, reason: f.reason}, localMachineName(this.crowdConfig)))
    this.out(`decision added: ${result.type} on ${result.scope}:${result.value} for ${result.duration} (alert ${result.alert_id})`)
    return result
  }
}
