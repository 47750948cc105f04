/**
 * The alerts `crowd notifications test` sends: a realistic built-in one (an SSH brute force with
 * its ban, as the LAPI hands it to a notification: notifications-and-cti.md §1), or those of a
 * file: a JSON list of alerts in the LAPI shape (`crowd alerts list --json`) or a whole
 * `crowd scan --json` document (its `alerts`).
 */
import * as fs from 'node:fs'
import {Alert, Decision, EventEntry, MetaItem, Source} from '../../model/alert.js'
import {alertFromJson} from '../../model/alert-json.js'
import {CrowdError} from '../../model/errors.js'

const SAMPLE_IP = '203.0.113.42'

/** An SSH brute-force alert from a documentation address, with a 4h ban; the same every time. */
export function sampleAlert(): Alert {
  const a = new Alert()
  a.Capacity = 5
  a.EventsCount = 6
  a.Kind = 'crowdsec'
  a.Leakspeed = '10s'
  a.MachineID = 'crowd-notifications-test'
  a.Message = `Ip ${SAMPLE_IP} performed 'crowdsecurity/ssh-bf' (6 events over 3s) at 2026-02-12 14:10:24 +0000 UTC`
  a.Remediation = true
  a.Scenario = 'crowdsecurity/ssh-bf'
  a.ScenarioHash = '4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f'
  a.ScenarioVersion = '0.3'
  a.Simulated = false
  a.Source = new Source({Scope: 'Ip', Value: SAMPLE_IP, IP: SAMPLE_IP, Range: '203.0.113.0/24', AsName: 'EXAMPLE-NET', AsNumber: '64496', Cn: 'FR',
    Latitude: 48.8582, Longitude: 2.3387})
  a.StartAt = '2026-02-12T14:10:21Z'
  a.StopAt = '2026-02-12T14:10:24Z'
  a.UUID = '9d2e5f0a-3c41-4b8e-9f6d-2a7c1e0b5d34'
  const users = ['root', 'admin', 'root', 'ubuntu', 'root', 'oracle']
  a.Events = users.map((user, i) => new EventEntry(`2026-02-12T14:10:2${1 + Math.floor(i / 2)}Z`, [
    new MetaItem('log_type', 'ssh_failed-auth'), new MetaItem('service', 'ssh'), new MetaItem('source_ip', SAMPLE_IP), new MetaItem('target_user', user),
  ]))
  a.Meta = [new MetaItem('target_user', '["root","admin","ubuntu","oracle"]'), new MetaItem('service', '["ssh"]')]
  a.Decisions = [new Decision({
    Duration: '4h', Origin: 'crowdsec', Scenario: a.Scenario, Scope: 'Ip', Type: 'ban', UUID: '0f7c3b9e-8d2a-4e61-b5f4-6c1d9a2e7b80', Value: SAMPLE_IP,
  })]
  return a
}

/** The alerts of `file`: a JSON list of alerts, or a `crowd scan --json` document. */
export function readAlertsFile(file: string): Alert[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new CrowdError('input', `cannot read alerts: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {file})
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new CrowdError('input', `not JSON: ${(error as Error).message}`, {file})
  }
  const list = Array.isArray(doc) ? doc
    : doc !== null && typeof doc === 'object' && Array.isArray((doc as {alerts?: unknown}).alerts) ? (doc as {alerts: unknown[]}).alerts
    : undefined
  if (list === undefined) throw new CrowdError('input', 'neither a list of alerts (crowd alerts list --json) nor a crowd scan --json document', {file})
  if (list.length === 0) throw new CrowdError('input', 'no alert in the file', {file})
  return list.map((item, i) => {
    try {
      return alertFromJson(item)
    } catch (error) {
      throw new CrowdError('input', `alert ${i + 1}: ${(error as Error).message}`, {file})
    }
  })
}
