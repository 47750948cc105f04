/**
 * Methods templates can call on values (`{{.GetMeta "key"}}`, `{{(now).Format "2006"}}`): the
 * methods a struct type declares (data.ts gives CrowdSec's models theirs), and the common
 * time.Time and time.Duration methods. Go looks methods up before fields.
 */
import {GoDuration, GoTime} from '../model/go-time.js'
import {goFloat} from '../model/go-values.js'
import {fn, type TemplateFunc} from './funcs.js'
import {GoNum, GoStruct} from './value.js'

const TIME_METHODS: Readonly<Record<string, (t: GoTime) => TemplateFunc>> = {
  Format: (t) => fn(['string'], ([layout]) => t.Format(layout as string)),
  String: (t) => fn([], () => t.String()),
  Unix: (t) => fn([], () => new GoNum('int64', t.Unix())),
  UnixMilli: (t) => fn([], () => new GoNum('int64', t.UnixMilli())),
  UTC: (t) => fn([], () => t.UTC()),
  Local: (t) => fn([], () => t.Local()),
  Year: (t) => fn([], () => t.Year()),
  Month: (t) => fn([], () => t.Month()),
  Day: (t) => fn([], () => t.Day()),
  Hour: (t) => fn([], () => t.Hour()),
  Minute: (t) => fn([], () => t.Minute()),
  Second: (t) => fn([], () => t.Second()),
  Weekday: (t) => fn([], () => t.Weekday()),
  YearDay: (t) => fn([], () => t.YearDay()),
  IsZero: (t) => fn([], () => t.IsZero()),
}

const DURATION_METHODS: Readonly<Record<string, (d: GoDuration) => TemplateFunc>> = {
  String: (d) => fn([], () => d.String()),
  Seconds: (d) => fn([], () => goFloat(d.ns / 1e9)),
  Minutes: (d) => fn([], () => goFloat(d.ns / 60e9)),
  Hours: (d) => fn([], () => goFloat(d.ns / 3600e9)),
  Milliseconds: (d) => fn([], () => new GoNum('int64', d.Milliseconds())),
}

/** The method `name` of a value, bound to it, or undefined. */
export function methodOf(receiver: unknown, name: string): TemplateFunc | undefined {
  if (receiver instanceof GoStruct) {
    const methods = receiver.type.methods
    if (methods === undefined || !Object.hasOwn(methods, name)) return undefined
    const m = methods[name]!
    return fn(m.params, (args) => m.call(receiver, args))
  }
  if (receiver instanceof GoTime && Object.hasOwn(TIME_METHODS, name)) return TIME_METHODS[name]!(receiver)
  if (receiver instanceof GoDuration && Object.hasOwn(DURATION_METHODS, name)) return DURATION_METHODS[name]!(receiver)
  return undefined
}
