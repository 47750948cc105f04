import {Args} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {stdoutChalk} from '../../cli/stdout-chalk.js'
import type {Explanation} from '../../cti/consensus/engine.js'
import {explainFromStore} from '../../cti/service/explain.js'
import {consensusParams, loadCanaries, loadNeverBan, openCtiStore} from '../../cti/service/service.js'
import {table} from '../../outputs/table.js'

export type CtiExplainResult = Explanation & {signals: number}

export default class CtiExplain extends CrowdCommand<typeof CtiExplain, CtiExplainResult> {
  static override summary = 'Why an address is on the community blocklist of crowd cti serve, or what it lacks.'
  static override description =
    "Reads the service's database ([cti] store_url, default cti.db in the data dir): the fire entry with its evidence (reporters, networks, ASes, scenarios), " +
    'or, for an address that is not fire, how many reporters count, from how many networks and ASes, and why the others do not. Exit code 0 either way.'
  static override args = {ip: Args.string({description: 'the address', required: true})}
  static override examples = ['<%= config.bin %> cti explain 45.13.7.20', '<%= config.bin %> cti explain 45.13.7.20 --json']

  async run(): Promise<CtiExplainResult> {
    const config = this.crowdConfig
    const params = consensusParams(config)
    const neverBan = loadNeverBan(config.ctiService.neverBan)
    const canaries = loadCanaries(config.ctiService.canaries)
    const store = await openCtiStore(config)
    let r: CtiExplainResult
    try {
      r = await explainFromStore(store, this.args.ip, {params, neverBan, canaries, now: Date.now()})
    } finally {
      await store.close()
    }
    const c = stdoutChalk(this.jsonEnabled())
    const time = (ms: number): string => new Date(ms).toISOString()
    const rows: string[][] = [['address', r.ip], ['state', r.state === 'fire' ? c.red(r.state) : r.state], ['why', r.reason], ['k', String(r.k)], ['signals in the window', String(r.signals)]]
    const f = r.fire ?? r.range
    if (f !== undefined) {
      rows.push(['entry', `${f.scope} ${f.value} (${f.scenario})`], ['promoted', time(f.promotedAt)], ['expires', time(f.expiresAt)])
      rows.push(['evidence', `${f.evidence.reporters.length} reporters, ${f.evidence.networks} networks, ${f.evidence.asns} ASes, ${time(f.evidence.firstAt)} to ${time(f.evidence.lastAt)}`])
      rows.push(['scenarios', Object.entries(f.evidence.scenarios).map(([s, n]) => `${s} (${n})`).join(', ')])
    }
    if (r.evidence !== undefined) {
      const e = r.evidence
      rows.push(['reporters', `${e.reporters} kept, ${e.counting} count, from ${e.networks} networks and ${e.asns} ASes`])
      const not = Object.entries(e.notCounting).map(([why, n]) => `${n} ${why}`).join(', ')
      if (not !== '') rows.push(['not counting', not])
    }
    this.out(table(c, ['', 'cti explain'], rows))
    return r
  }
}
