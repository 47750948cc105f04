/** The filter flags `crowd decisions` and `crowd alerts` share (cscli's names). */
import {Flags} from '@oclif/core'

export const targetFlags = {
  ip: Flags.string({description: 'decisions on this IP (or ranges containing it)', char: 'i'}),
  range: Flags.string({description: 'decisions on this range (or ranges containing it)', char: 'r'}),
  scope: Flags.string({description: 'decision scope (Ip, Range, Country, AS, or custom)'}),
  value: Flags.string({description: 'decision value (an IP, a range, a country code...)', char: 'v'}),
  type: Flags.string({description: 'decision type (ban, captcha...)', char: 't'}),
  origin: Flags.string({description: 'decision origin (crowdsec, cscli, cscli-import, CAPI, lists...)'}),
  scenario: Flags.string({description: 'scenario (or reason) of the decision', char: 's'}),
}

/** The target of a decisions or alerts command (the shape of src/lapi's DecisionTarget). */
export function targetOf(flags: {[K in keyof typeof targetFlags]?: string}): Record<keyof typeof targetFlags, string | undefined> {
  return {ip: flags.ip, range: flags.range, scope: flags.scope, value: flags.value, type: flags.type, origin: flags.origin, scenario: flags.scenario}
}
