import {Flags} from '@oclif/core'
import {CrowdCommand} from '../cli/base-command.js'
import {CrowdError} from '../model/errors.js'
import {explain, renderExplain, type ExplainResult} from '../hubtest/explain.js'
import {selectWithBundle} from '../pipeline/index.js'
import {shortInputs} from '../pipeline/parse-worker-start.js'
import {holdYoungGeneration} from '../platform/young-generation.js'

export type ExplainCommandResult = ExplainResult

export default class Explain extends CrowdCommand<typeof Explain, ExplainCommandResult> {
  static override summary = 'Show how parsers handle log lines: every node that ran, its result and the fields it set.'
  static override description = `Parsers come from --hub DIR with --parser/--collection; without --hub, from the installed hub items,
or, when nothing is installed, from crowd's embedded first-party collections.`
  static override examples = [
    "<%= config.bin %> explain --line 'Nov 27 06:12:01 web01 sshd[21431]: Invalid user admin from 198.51.100.23 port 40112' --type syslog",
    '<%= config.bin %> explain --hub ../hub --line "Feb 12 14:10:21 host sshd[1]: Invalid user a from 1.2.3.4 port 2" --type syslog --parser crowdsecurity/syslog-logs --parser crowdsecurity/sshd-logs',
    '<%= config.bin %> explain --hub ../hub --file access.log --type nginx --collection crowdsecurity/nginx --failures',
  ]

  static override flags = {
    file: Flags.string({description: 'a log file to explain, line by line', exclusive: ['line']}),
    line: Flags.string({description: 'one log line to explain', exclusive: ['file']}),
    type: Flags.string({description: 'the log type (the acquisition label `type`)', required: true}),
    failures: Flags.boolean({description: 'also show the nodes that failed', default: false}),
    hub: Flags.string({description: 'a CrowdSec-layout hub directory to take parsers from (default: installed items, else the embedded collections)'}),
    parser: Flags.string({description: 'a hub parser to use (repeatable)', multiple: true}),
    collection: Flags.string({description: 'a hub collection whose parsers to use (repeatable)', multiple: true}),
  }

  async run(): Promise<ExplainCommandResult> {
    const f = this.flags
    if (f.file === undefined && f.line === undefined) throw new CrowdError('usage', 'give --file FILE or --line "..."')
    // one line or a small file: V8's young generation stays at its first size (src/platform/young-generation.ts)
    const hold = f.file === undefined || shortInputs([{input: f.file}]) ? holdYoungGeneration() : undefined
    let result: ExplainResult
    try {
      // through the content cache of this selection, in a bundle of explain's own
      const {content, compileWith} = await selectWithBundle({hubDir: f.hub, parsers: f.parser, collections: f.collection, dataDir: this.crowdConfig.dataDir}, 'explain')
      result = explain({
        compileWith,
        hubDir: content.hubDir,
        file: f.file,
        lines: f.line !== undefined ? [f.line] : undefined,
        type: f.type,
        parsers: content.parsers.map((p) => p.item),
        failures: f.failures,
        logger: this.logger,
      })
    } finally {
      hold?.release()
    }
    this.out(renderExplain(result))
    return result
  }
}
