#!/usr/bin/env node
// Writes docs/commands.md from oclif.manifest.json, so the command reference is always the
// one the binary has. Run by `npm run build`; test/cli/cli.test.ts checks it is current.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8'))
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

export function renderCommandDocs(manifest, pkg) {
  const bin = pkg.oclif.bin
  const ids = Object.keys(manifest.commands).sort()
  const lines = [
    '# Command reference',
    '',
    `Generated from oclif.manifest.json by scripts/command-docs.mjs (\`npm run build\`). Do not edit by hand.`,
    'Exit codes are described in [exit-codes.md](exit-codes.md). Every command takes `--json` (the result as one JSON',
    'document on stdout; logs and progress go to stderr), `--log-level` and `--config`.',
    '',
  ]
  for (const id of ids) lines.push(`- [\`${bin} ${id.replaceAll(':', ' ')}\`](#${anchor(bin, id)})`)
  lines.push('')
  for (const id of ids) {
    const c = manifest.commands[id]
    const name = `${bin} ${id.replaceAll(':', ' ')}`
    lines.push(`## \`${name}\``, '')
    if (c.summary) lines.push(c.summary, '')
    if (c.description) lines.push(c.description, '')
    const args = Object.values(c.args ?? {})
    const usage = [name, ...args.map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`))]
    lines.push('```', usage.join(' ') + (Object.keys(c.flags ?? {}).length ? ' [FLAGS]' : ''), '```', '')
    if (args.length) {
      lines.push('Arguments:', '')
      for (const a of args) lines.push(`- \`${a.name.toUpperCase()}\`: ${a.description ?? ''}`)
      lines.push('')
    }
    const flags = Object.values(c.flags ?? {}).filter((f) => !f.hidden)
    if (flags.length) {
      lines.push('Flags:', '')
      for (const f of flags.sort((a, b) => a.name.localeCompare(b.name))) {
        const head = `\`--${f.name}${f.type === 'option' ? ' ' + (f.options ? f.options.join('|') : 'VALUE') : ''}\``
        const extras = [f.char ? `-${f.char}` : '', f.multiple ? 'repeatable' : '', f.default !== undefined && f.type === 'option' ? `default: ${f.default}` : ''].filter(Boolean)
        lines.push(`- ${head}${extras.length ? ` (${extras.join(', ')})` : ''}: ${f.summary ?? f.description ?? ''}`)
      }
      lines.push('')
    }
    if (c.examples?.length) {
      lines.push('Examples:', '', '```')
      for (const e of c.examples) lines.push(String(typeof e === 'string' ? e : e.command).replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', id.replaceAll(':', ' ')))
      lines.push('```', '')
    }
  }
  return lines.join('\n')
}

function anchor(bin, id) {
  return `${bin}-${id.replaceAll(':', '-')}`.toLowerCase()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(path.join(root, 'docs', 'commands.md'), renderCommandDocs(manifest, pkg))
}
