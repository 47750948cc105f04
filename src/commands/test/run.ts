import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../model/exit-codes.js'
import {runHubTests, type HubTestResult, type HubTestRunResult} from '../../hubtest/run.js'
import {selectContent} from '../../pipeline/index.js'

export type TestRunResult = HubTestRunResult

export function renderTestLine(t: HubTestResult): string {
  if (t.skipped !== undefined) return `SKIP ${t.name}: ${t.skipped}`
  if (t.passed) return `ok   ${t.name} (${t.assertions} assertions)`
  const first = t.failed_assertions[0]
  if (first === undefined) return `FAIL ${t.name}`
  const where = first.line > 0 ? `line ${first.line}: ` : ''
  return `FAIL ${t.name}: ${where}${first.expression !== '' ? `${first.expression} -> ` : ''}${first.error}`
}

export default class TestRun extends CrowdCommand<typeof TestRun, TestRunResult> {
  static override summary = 'Run CrowdSec-layout hub tests (a test folder, or a folder of test folders).'
  static override description = `Test items are looked up in --hub DIR; without it, in the installed hub items, or, when nothing is
installed, in crowd's embedded first-party content.`
  static override examples = [
    '<%= config.bin %> test run test/hub',
    '<%= config.bin %> test run ../hub/.tests/sshd-logs --hub ../hub',
    '<%= config.bin %> test run ../hubtests --hub ../hub --json',
  ]
  static override strict = false

  static override args = {
    path: Args.string({description: 'a test folder or a folder of tests (repeatable)', required: true}),
  }

  static override flags = {
    hub: Flags.string({description: 'the CrowdSec-layout hub directory the tests install items from (default: installed items, else the embedded content)'}),
  }

  async run(): Promise<TestRunResult> {
    const {argv} = await this.parse(TestRun)
    const paths = (argv as string[]).filter((a) => typeof a === 'string')
    const hubDir = this.flags.hub ?? (await selectContent({dataDir: this.crowdConfig.dataDir})).hubDir
    const result = await runHubTests(paths, {hubDir, logger: this.logger})
    const lines = result.tests.map(renderTestLine)
    lines.push(`${result.passed} passed, ${result.failed} failed${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}`)
    this.out(lines.join('\n'))
    if (result.failed > 0) process.exitCode = ExitCode.found
    return result
  }
}
