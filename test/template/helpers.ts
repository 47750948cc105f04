/**
 * Shared by the template tests: alerts as the LAPI hands them to notifications
 * (notifications-and-cti.md §1: id 0, no created_at, decisions with the profile's duration),
 * and a render helper that answers the error text instead of throwing.
 */
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../src/model/alert.js'
import {alertsTemplateData, compileTemplate, type RenderOptions} from '../../src/template/index.js'

export function sshAlert(options: {cn?: string; decisions?: boolean; simulated?: boolean; value?: string} = {}): Alert {
  const value = options.value ?? '35.188.49.176'
  const a = new Alert()
  a.Capacity = 5
  a.EventsCount = 6
  a.Kind = 'crowdsec'
  a.Leakspeed = '10s'
  a.MachineID = 'a7c0machine'
  a.Message = `Ip ${value} performed 'crowdsecurity/ssh-bf' (6 events over 3s) at 2026-02-12 14:10:24 +0000 UTC`
  a.Remediation = options.decisions !== false
  a.Scenario = 'crowdsecurity/ssh-bf'
  a.ScenarioHash = '242f'
  a.ScenarioVersion = '0.3'
  a.Simulated = options.simulated ?? false
  a.Source = new Source({Scope: 'Ip', Value: value, IP: value, Cn: options.cn ?? '', AsName: options.cn === undefined ? '' : 'Google LLC', AsNumber: options.cn === undefined ? '' : '396982'})
  a.StartAt = '2026-02-12T14:10:21Z'
  a.StopAt = '2026-02-12T14:10:24Z'
  a.UUID = '9d2e-alert'
  a.Events = [
    new EventEntry('2026-02-12T14:10:21Z', [new MetaItem('source_ip', value), new MetaItem('target_user', 'root')]),
    new EventEntry('2026-02-12T14:10:24Z', [new MetaItem('source_ip', value), new MetaItem('target_user', 'admin')]),
  ]
  if (options.decisions !== false) {
    a.Decisions = [new Decision({Duration: '4h', Origin: 'crowdsec', Scenario: a.Scenario, Scope: 'Ip', Type: 'ban', UUID: '0f7c-decision', Value: value})]
  }
  return a
}

/** Renders `text` over `data` (default: one alert with decisions, country FR); errors come back as `ERR message`. */
export function render(text: string, data: unknown = alertsTemplateData([sshAlert({cn: 'FR'})]), options: RenderOptions = {}): string {
  try {
    return compileTemplate(text, {name: 't'}).render(data, options)
  } catch (error) {
    return 'ERR ' + (error as Error).message.replace(/ \(<input>:\d+\)$/, '')
  }
}
