/** Colour for a command's stdout: on a terminal only, never with --json. */
import {Chalk} from 'chalk'

export function stdoutChalk(json: boolean): InstanceType<typeof Chalk> {
  return new Chalk({level: process.stdout.isTTY && !json ? 1 : 0})
}
