/**
 * What the bouncer packages' tests feed them: decisions shaped like the runtime's (the contract in
 * src/outputs/bouncers/README.md), but loosely typed, so a test can also hand a package garbage.
 */
export interface PluginDecision {
  value: string
  scope: string
  type: string
  origin: string
  scenario: string
  ttlMs: number
}

/** A decision on `value` (a CIDR is a Range), ban for an hour by default. */
export function pluginDecision(value: string, more: Partial<PluginDecision> = {}): PluginDecision {
  return {value, scope: String(value).includes('/') ? 'Range' : 'Ip', type: 'ban', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf', ttlMs: 3_600_000, ...more}
}
