/**
 * The CLI's progress view of a plan's prepare steps: listr2 on stderr, used by the hub
 * commands only when stderr is a TTY and --json is off. (A CLI adapter; it lives here until
 * src/cli/ grows a tasks module.)
 */
import {Listr, ListrLogger, ProcessOutput} from 'listr2'

export function shouldShowProgress(json: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  return !json && Boolean(stream.isTTY)
}

export async function runListrTasks(tasks: {title: string; run: () => Promise<void>}[]): Promise<void> {
  const list = new Listr(
    tasks.map((t) => ({title: t.title.replace(/\s+/g, ' '), task: () => t.run()})),
    {concurrent: false, exitOnError: true, rendererOptions: {logger: new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr)})}},
  )
  await list.run()
}
