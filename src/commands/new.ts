import {Args, Flags} from '@oclif/core'
import {CrowdCommand} from '../cli/base-command.js'
import {SCAFFOLD_KINDS, scaffoldPackage, type ScaffoldKind, type ScaffoldResult} from '../hub/scaffold.js'

export type NewResult = ScaffoldResult

export default class New extends CrowdCommand<typeof New, NewResult> {
  static override summary = 'Create a package (parser, scenario, collection, notification, bouncer) from a template, with a test skeleton.'
  static override examples = [
    '<%= config.bin %> new parser acme/myapp-logs',
    '<%= config.bin %> new scenario myapp-bf --author acme',
    '<%= config.bin %> new parser acme/myapp-logs --stage s01-parse --dir ./myapp-logs',
  ]

  static override args = {
    kind: Args.string({description: 'what to create', required: true, options: [...SCAFFOLD_KINDS]}),
    name: Args.string({description: 'the package name, author/name', required: true}),
  }

  static override flags = {
    author: Flags.string({description: 'author, when NAME has no "author/" part'}),
    dir: Flags.string({description: 'package directory (default: plugins/<author>/<name>)'}),
    stage: Flags.string({description: 'parser stage (default s01-parse)'}),
    force: Flags.boolean({description: 'overwrite existing files', default: false}),
  }

  async run(): Promise<NewResult> {
    const result = scaffoldPackage({
      kind: this.args.kind as ScaffoldKind,
      name: this.args.name,
      author: this.flags.author,
      dir: this.flags.dir,
      stage: this.flags.stage,
      force: this.flags.force,
    })
    this.out([`created ${result.kind} ${result.name} in ${result.directory}`, ...result.files.map((f) => `  ${f}`)].join('\n'))
    return result
  }
}
