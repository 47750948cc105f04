/**
 * crowd's per-user cache directory: `$XDG_CACHE_HOME/crowd`, `~/.cache/crowd`, or the temp dir
 * when there is no home. Everything in it can be deleted at any time (the embedded hub's layout,
 * content cache bundles, cached help): it is rebuilt on the next run.
 */
import * as os from 'node:os'
import * as path from 'node:path'

export function cacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'crowd')
  const home = env.HOME ?? safeHomedir()
  if (home !== undefined && home !== '') return path.join(home, '.cache', 'crowd')
  return path.join(os.tmpdir(), `crowd-cache-${safeUid()}`)
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir()
  } catch {
    return undefined
  }
}

function safeUid(): string {
  try {
    return String(os.userInfo().uid)
  } catch {
    return 'user'
  }
}
