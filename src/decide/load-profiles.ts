/** Profiles from a file (or CrowdSec's defaults), compiled with the expression engine (env 'alert'). */
import {compileExpr} from '../expr/index.js'
import {readProfiles} from './profile-config.js'
import {compileProfiles, type CompileFn, type Profile} from './profiles.js'

export const compileAlertExpr: CompileFn = (source, options) => compileExpr(source, options)

export function loadProfiles(file?: string, compile: CompileFn = compileAlertExpr): Profile[] {
  return compileProfiles(readProfiles(file), compile)
}
