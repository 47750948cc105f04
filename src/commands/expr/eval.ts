import * as fs from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../../cli/base-command.js'
import {CrowdError} from '../../model/errors.js'
import {ExitCode} from '../../model/exit-codes.js'
import {evaluateForCli, type ExprEvalResult} from '../../expr/eval-cli.js'
import {ENV_NAMES, type ExprEnvName} from '../../expr/envs.js'

export type {ExprEvalResult}

export default class ExprEval extends CrowdCommand<typeof ExprEval, ExprEvalResult> {
  static override summary = 'Evaluate an expression (expr-lang, as CrowdSec uses it) and print its value as JSON.'
  static override examples = [
    `<%= config.bin %> expr eval '1 + 2'`,
    `<%= config.bin %> expr eval 'evt.Meta.log_type == "ssh"' --env '{"evt": {"Meta": {"log_type": "ssh"}}}' --type event`,
    `<%= config.bin %> expr eval 'filter(1..10, # % 2 == 0)' --explain`,
    `<%= config.bin %> expr eval 'len(x)' --env @vars.json --json`,
  ]

  static override args = {
    expression: Args.string({description: 'the expression', required: true}),
  }

  static override flags = {
    env: Flags.string({description: 'variables as a JSON object, or @file.json'}),
    type: Flags.option({description: 'environment to type-check against (default: any)', options: ENV_NAMES})(),
    explain: Flags.boolean({description: 'print the parsed tree before the value'}),
  }

  async run(): Promise<ExprEvalResult> {
    const vars = this.readVars(this.flags.env)
    const result = evaluateForCli(this.args.expression, vars, (this.flags.type ?? 'any') as ExprEnvName, this.flags.explain)
    if (result.explain !== undefined) this.out(`${result.explain.source}\n\n${result.explain.tree}\n\n`)
    if (result.error !== undefined) {
      if (this.jsonEnabled()) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      } else {
        process.stderr.write(`Error: ${result.error.snippet}\n`)
      }
      this.exit(ExitCode.found)
    }
    this.out(result.text ?? 'null')
    return result
  }

  private readVars(flag: string | undefined): Record<string, unknown> {
    if (flag === undefined) return {}
    let text = flag
    let file: string | undefined
    if (flag.startsWith('@')) {
      file = flag.slice(1)
      try {
        text = fs.readFileSync(file, 'utf8')
      } catch (error) {
        throw new CrowdError('input', `cannot read ${file}: ${(error as Error).message}`, {file})
      }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new CrowdError('usage', `--env: invalid JSON: ${(error as Error).message}`, {file})
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CrowdError('usage', '--env must be a JSON object', {file})
    return parsed as Record<string, unknown>
  }
}
