/**
 * The question `crowd hub install` and `upgrade` ask on a terminal before installing packages
 * that want permissions: what each asks (render.ts), then "Grant these permissions? [y/N]".
 * Everything goes to the output stream given (stderr for the commands: stdout stays the
 * result). Only "y" or "yes" grants; an empty answer, anything else or the end of input refuses.
 */
import * as readline from 'node:readline'
import type {PlanStep} from './plan.js'
import {renderPermissionRequests} from './render.js'

export interface PromptStreams {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
}

export const GRANT_QUESTION = 'Grant these permissions? [y/N] '

/** Whether there is someone to ask: stdin and stderr both terminals. */
export function canPrompt(input: {isTTY?: boolean} = process.stdin, output: {isTTY?: boolean} = process.stderr): boolean {
  return Boolean(input.isTTY) && Boolean(output.isTTY)
}

export async function promptGrant(steps: PlanStep[], streams: PromptStreams): Promise<boolean> {
  streams.output.write(renderPermissionRequests(steps).join('\n') + '\n')
  const rl = readline.createInterface({input: streams.input, output: streams.output})
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      rl.once('close', () => resolve(undefined))
      rl.question(GRANT_QUESTION, resolve)
    })
    if (answer === undefined) streams.output.write('\n')
    return answer !== undefined && /^\s*y(?:es)?\s*$/i.test(answer)
  } finally {
    rl.close()
  }
}
