import {Args, Flags} from '@oclif/core'
import * as path from 'node:path'
import {CrowdCommand} from '../../cli/base-command.js'
import {createHubTest, type NewTestResult} from '../../hubtest/new-test.js'

export type TestNewResult = NewTestResult

export default class TestNew extends CrowdCommand<typeof TestNew, TestNewResult> {
  static override summary = 'Create a hub test (CrowdSec layout) from a log file; its asserts are written by the first `test run`.'
  static override examples = [
    '<%= config.bin %> test new ssh-bf-burst --log auth.log --type syslog --scenario crowd/ssh-bf',
    '<%= config.bin %> test new myapp-logs --log myapp.log --type syslog --parser acme/myapp-logs --dir test/hub/tests',
  ]

  static override args = {
    name: Args.string({description: 'test folder name', required: true}),
  }

  static override flags = {
    log: Flags.string({description: 'the log file the test replays', required: true}),
    type: Flags.string({description: 'log type given to the lines (syslog, nginx, apache2, ...)', required: true}),
    parser: Flags.string({description: 'parser to install (repeatable)', multiple: true}),
    scenario: Flags.string({description: 'scenario to test (repeatable); without it the test checks parsers', multiple: true}),
    dir: Flags.string({description: 'folder that receives the test', default: path.join('test', 'hub', 'tests')}),
    plugins: Flags.string({description: 'plugins folder used to add the parsers the items depend on', default: 'plugins'}),
    'no-base-parsers': Flags.boolean({description: 'do not add crowd/syslog-logs, crowd/dateparse-enrich, crowd/whitelists', default: false}),
    force: Flags.boolean({description: 'overwrite an existing test', default: false}),
  }

  async run(): Promise<TestNewResult> {
    const result = createHubTest({
      name: this.args.name,
      log: this.flags.log,
      logType: this.flags.type,
      parsers: this.flags.parser ?? [],
      scenarios: this.flags.scenario ?? [],
      testsDir: this.flags.dir,
      pluginsDir: this.flags.plugins,
      noBaseParsers: this.flags['no-base-parsers'],
      force: this.flags.force,
    })
    this.out(
      [
        `created ${result.kind} test ${result.name} in ${result.directory} (${result.log_lines} log lines)`,
        `  parsers:   ${result.parsers.join(', ')}`,
        ...(result.scenarios.length > 0 ? [`  scenarios: ${result.scenarios.join(', ')}`] : []),
        `run it once to write its asserts: crowd test run ${result.directory} --hub <hub>`,
      ].join('\n'),
    )
    return result
  }
}
