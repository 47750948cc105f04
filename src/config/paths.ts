/**
 * Where crowd looks for its configuration and keeps its data.
 * Config file: `--config`, then `$CROWD_CONFIG`, then `<user config dir>/crowd/crowd.toml`.
 * Data dir (installed hub items, state): `$CROWD_HOME`, then `paths.data_dir` of the
 * config file, then `<user data dir>/crowd`.
 */
import * as os from 'node:os'
import * as path from 'node:path'

export type Env = Readonly<Record<string, string | undefined>>

export interface ConfigFileChoice {
  path: string
  /** Where the choice came from, for `crowd config show`. */
  from: 'flag' | 'env' | 'default'
  /** A default path may be absent; an explicit one must exist. */
  required: boolean
}

export function userConfigDir(env: Env = process.env): string {
  if (env.XDG_CONFIG_HOME) return env.XDG_CONFIG_HOME
  if (process.platform === 'win32' && env.APPDATA) return env.APPDATA
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support')
  return path.join(env.HOME ?? os.homedir(), '.config')
}

export function userDataDir(env: Env = process.env): string {
  if (env.XDG_DATA_HOME) return env.XDG_DATA_HOME
  if (process.platform === 'win32' && env.LOCALAPPDATA) return env.LOCALAPPDATA
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support')
  return path.join(env.HOME ?? os.homedir(), '.local', 'share')
}

export function chooseConfigFile(flag: string | undefined, env: Env = process.env): ConfigFileChoice {
  if (flag) return {path: path.resolve(flag), from: 'flag', required: true}
  if (env.CROWD_CONFIG) return {path: path.resolve(env.CROWD_CONFIG), from: 'env', required: true}
  return {path: path.join(userConfigDir(env), 'crowd', 'crowd.toml'), from: 'default', required: false}
}

export function chooseDataDir(configured: string | undefined, configFile: string, env: Env = process.env): string {
  if (env.CROWD_HOME) return path.resolve(env.CROWD_HOME)
  if (configured) return path.resolve(path.dirname(configFile), configured)
  return path.join(userDataDir(env), 'crowd')
}
