/**
 * Go text/template as CrowdSec's notification `format` uses it (notifications-and-cti.md §4),
 * with Sprig's text functions and CrowdSec's own (GetMeta, CrowdsecCTI, Hostname, HTMLEscape).
 *
 *   const t = compileTemplate(format, {name: 'slack_default', file, line})   // parse once
 *   const text = t.render(alertsTemplateData(alerts), {ctiLookup})            // render many times
 *
 * Templates are downloaded content: a render is bounded (output bytes, steps, range
 * iterations, template call depth), never reaches the network or the environment, and every
 * failure is a CrowdError ('config') with Go's message and the file line of the template.
 */
import {hostname as osHostname} from 'node:os'
import {CrowdError} from '../model/errors.js'
import {BUILTINS} from './builtins.js'
import {CROWDSEC_FUNCS} from './crowdsec.js'
import {Program, TemplateExecError, type ExecLimits} from './exec.js'
import type {TemplateFunc} from './funcs.js'
import {TemplateSyntaxError, parseTemplate} from './parse.js'
import {SPRIG_FUNCS} from './sprig/index.js'

export {alertTemplateValue, alertsTemplateData} from './data.js'
export {UNSUPPORTED_SPRIG} from './sprig/index.js'
export type {ExecLimits} from './exec.js'

export interface TemplateOptions {
  /** The template's name in messages (CrowdSec: the notification's name). */
  name: string
  /** The file the template comes from, for error locations. */
  file?: string
  /** The line of `file` where the template text starts (default 1). */
  line?: number
}

export interface RenderOptions {
  /** Limits of this render; each defaults to DEFAULT_LIMITS. */
  limits?: Partial<ExecLimits>
  /** Answers `CrowdsecCTI "ip"`: a CTI smoke item (the API's JSON) or null. Default: nothing known. */
  ctiLookup?: (ip: string) => unknown
  /** What `Hostname` answers (default: this machine's host name). */
  hostname?: string
}

export const DEFAULT_LIMITS: Readonly<ExecLimits> = {
  maxOutputBytes: 1 << 20,
  maxSteps: 1_000_000,
  maxRangeIterations: 100_000,
  maxTemplateDepth: 100,
}

export interface CompiledTemplate {
  readonly name: string
  /** Names of the templates of the set (the main one and each define/block). */
  readonly templates: readonly string[]
  /** Runs the template over `data` (for notifications: alertsTemplateData(alerts)). */
  render(data: unknown, options?: RenderOptions): string
}

/** The functions a template can call: Go's builtins, then Sprig, then CrowdSec (later ones win, as in CrowdSec). */
export const TEMPLATE_FUNCS: ReadonlyMap<string, TemplateFunc> = new Map([...BUILTINS, ...SPRIG_FUNCS, ...CROWDSEC_FUNCS])

/** Parses and compiles a template. Throws CrowdError('config') with Go's parse message. */
export function compileTemplate(text: string, options: TemplateOptions): CompiledTemplate {
  const where = (templateLine: number): {file?: string; line: number} => ({file: options.file, line: (options.line ?? 1) + templateLine - 1})
  let program: Program
  try {
    const trees = parseTemplate(options.name, text, (name) => TEMPLATE_FUNCS.has(name))
    program = new Program(options.name, text, trees, TEMPLATE_FUNCS)
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new CrowdError('config', error.message, where(error.line), {cause: error})
    throw error
  }
  return {
    name: options.name,
    templates: [...program.templates.keys()],
    render(data: unknown, renderOptions: RenderOptions = {}): string {
      const limits = {...DEFAULT_LIMITS, ...renderOptions.limits}
      const lookup = renderOptions.ctiLookup ?? (() => null)
      const host = renderOptions.hostname
      try {
        return program.execute(data, limits, {ctiLookup: lookup, hostname: () => host ?? osHostname()})
      } catch (error) {
        if (error instanceof TemplateExecError) throw new CrowdError('config', error.message, where(error.line), {cause: error})
        if (error instanceof RangeError) throw new CrowdError('config', `template: ${options.name}: execution stopped: ${error.message}`, where(1), {cause: error})
        throw error
      }
    },
  }
}
