import {Flags} from '@oclif/core'
import * as path from 'node:path'
import {CrowdCommand} from '../../cli/base-command.js'
import {computeCoverage, type CoverageItem, type CoverageResult} from '../../hubtest/coverage.js'

export type TestCoverageResult = CoverageResult

function line(item: CoverageItem): string {
  return item.tests.length > 0 ? `  ok    ${item.name} (${item.tests.join(', ')})` : `  none  ${item.name}`
}

export default class TestCoverage extends CrowdCommand<typeof TestCoverage, TestCoverageResult> {
  static override summary = 'Show which parsers and scenarios have hub tests.'
  static override examples = ['<%= config.bin %> test coverage', '<%= config.bin %> test coverage --tests ../hub/.tests --hub ../hub --json']

  static override flags = {
    tests: Flags.string({description: 'folder of test folders (repeatable)', multiple: true}),
    plugins: Flags.string({description: 'plugins folder of package directories (repeatable)', multiple: true}),
    hub: Flags.string({description: 'CrowdSec-layout hub or config folder (repeatable)', multiple: true}),
  }

  async run(): Promise<TestCoverageResult> {
    const result = computeCoverage({
      testsDirs: this.flags.tests ?? [path.join('test', 'hub', 'tests')],
      pluginsDirs: this.flags.plugins ?? (this.flags.hub === undefined ? ['plugins'] : []),
      hubDirs: this.flags.hub ?? [],
    })
    this.out(
      [
        `parsers:   ${result.parsers_covered}/${result.parsers.length} tested (${result.parser_coverage}%)`,
        ...result.parsers.map(line),
        `scenarios: ${result.scenarios_covered}/${result.scenarios.length} tested (${result.scenario_coverage}%)`,
        ...result.scenarios.map(line),
        ...result.unreadable.map((u) => `unreadable test ${u.test}: ${u.error}`),
      ].join('\n'),
    )
    return result
  }
}
