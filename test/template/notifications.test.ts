/**
 * CrowdSec's shipped notification formats (the yaml file of each cmd/notification-NAME, as the YAML block
 * scalar hands them over) rendered for alerts with and without decisions, with and without
 * Source.Cn; the expected texts apply Go's trim rules by hand (each `-}}` eats the white space
 * after it, `{{-` before it). `{{.|toJson}}` is the LAPI JSON of the alerts (§4's example).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {encodeGoJSON} from '../../src/model/go-format.js'
import {alertsTemplateData, compileTemplate} from '../../src/template/index.js'
import {render, sshAlert} from './helpers.js'

const SLACK = `{{range . -}}
{{$alert := . -}}
{{range .Decisions -}}
{{if $alert.Source.Cn -}}
:flag-{{$alert.Source.Cn}}: <https://www.whois.com/whois/{{.Value}}|{{.Value}}> will get {{.Type}} for next {{.Duration}} for triggering {{.Scenario}} on machine '{{$alert.MachineID}}'. <https://app.crowdsec.net/cti/{{.Value}}|CrowdSec CTI>{{end}}
{{if not $alert.Source.Cn -}}
:pirate_flag: <https://www.whois.com/whois/{{.Value}}|{{.Value}}> will get {{.Type}} for next {{.Duration}} for triggering {{.Scenario}} on machine '{{$alert.MachineID}}'.  <https://app.crowdsec.net/cti/{{.Value}}|CrowdSec CTI>{{end}}
{{end -}}
{{end -}}
`

const EMAIL = `<html><body>
{{range . -}}
  {{$alert := . -}}
  {{range .Decisions -}}
    <p><a href=https://www.whois.com/whois/{{.Value}}>{{.Value}}</a> will get <b>{{.Type}}</b> for next <b>{{.Duration}}</b> for triggering <b>{{.Scenario}}</b> on machine <b>{{$alert.MachineID}}</b>.</p> <p><a href=https://app.crowdsec.net/cti/{{.Value}}>CrowdSec CTI</a></p>
  {{end -}}
{{end -}}
</body></html>
`

const FILE = `{{range . -}}
 { "time": "{{.StopAt}}", "program": "crowdsec", "alert": {{. | toJson }} }
{{ end -}}
`

const IP = '35.188.49.176'
const FR = sshAlert({cn: 'FR'})
const NO_CN = sshAlert()
const NO_DECISION = sshAlert({cn: 'FR', decisions: false})

/** §4's example, field by field: JSON names, Go's order, omitempty (no id, created_at, meta), labels null. */
const NO_CN_JSON = '{"capacity":5,"decisions":[{"duration":"4h","origin":"crowdsec","scenario":"crowdsecurity/ssh-bf","scope":"Ip","type":"ban","uuid":"0f7c-decision","value":"35.188.49.176"}],'
  + '"events":[{"meta":[{"key":"source_ip","value":"35.188.49.176"},{"key":"target_user","value":"root"}],"timestamp":"2026-02-12T14:10:21Z"},'
  + '{"meta":[{"key":"source_ip","value":"35.188.49.176"},{"key":"target_user","value":"admin"}],"timestamp":"2026-02-12T14:10:24Z"}],'
  + '"events_count":6,"kind":"crowdsec","labels":null,"leakspeed":"10s","machine_id":"a7c0machine",'
  + '"message":"Ip 35.188.49.176 performed \'crowdsecurity/ssh-bf\' (6 events over 3s) at 2026-02-12 14:10:24 +0000 UTC","remediation":true,'
  + '"scenario":"crowdsecurity/ssh-bf","scenario_hash":"242f","scenario_version":"0.3","simulated":false,'
  + '"source":{"ip":"35.188.49.176","scope":"Ip","value":"35.188.49.176"},"start_at":"2026-02-12T14:10:21Z","stop_at":"2026-02-12T14:10:24Z","uuid":"9d2e-alert"}'

test('slack: a flag line per decision when the source has a country', () => {
  const want = `:flag-FR: <https://www.whois.com/whois/${IP}|${IP}> will get ban for next 4h for triggering crowdsecurity/ssh-bf on machine 'a7c0machine'. <https://app.crowdsec.net/cti/${IP}|CrowdSec CTI>\n\n`
  assert.is(render(SLACK, alertsTemplateData([FR])), want)
})

test('slack: the pirate flag without a country (the first if leaves its newline)', () => {
  const want = `\n:pirate_flag: <https://www.whois.com/whois/${IP}|${IP}> will get ban for next 4h for triggering crowdsecurity/ssh-bf on machine 'a7c0machine'.  <https://app.crowdsec.net/cti/${IP}|CrowdSec CTI>\n`
  assert.is(render(SLACK, alertsTemplateData([NO_CN])), want)
})

test('slack: an alert without decisions renders nothing; two alerts render one after the other', () => {
  assert.is(render(SLACK, alertsTemplateData([NO_DECISION])), '')
  const one = render(SLACK, alertsTemplateData([FR]))
  const two = render(SLACK, alertsTemplateData([NO_CN]))
  assert.is(render(SLACK, alertsTemplateData([FR, NO_DECISION, NO_CN])), one + two)
})

test('email: an HTML paragraph per decision', () => {
  const p = `<p><a href=https://www.whois.com/whois/${IP}>${IP}</a> will get <b>ban</b> for next <b>4h</b> for triggering <b>crowdsecurity/ssh-bf</b> on machine <b>a7c0machine</b>.</p> <p><a href=https://app.crowdsec.net/cti/${IP}>CrowdSec CTI</a></p>`
  assert.is(render(EMAIL, alertsTemplateData([FR])), `<html><body>\n${p}\n  </body></html>\n`)
  assert.is(render(EMAIL, alertsTemplateData([FR, NO_CN])), `<html><body>\n${p}\n  ${p}\n  </body></html>\n`)
  assert.is(render(EMAIL, alertsTemplateData([NO_DECISION])), '<html><body>\n</body></html>\n')
})

test('http / splunk / sentinel / dummy ({{.|toJson}}): the LAPI JSON of the alert list', () => {
  assert.is(render('{{.|toJson}}', alertsTemplateData([NO_CN])), `[${NO_CN_JSON}]`)
  // the same as crowd's wire encoding of the model alerts (Alert.toJSON through Go's encoder)
  for (const alerts of [[FR], [NO_CN, NO_DECISION], [sshAlert({simulated: true})], []]) {
    assert.is(render('{{.|toJson}}', alertsTemplateData(alerts)), encodeGoJSON(alerts))
  }
  // an alert without decisions: decisions null, remediation omitted
  const json = JSON.parse(render('{{.|toJson}}', alertsTemplateData([NO_DECISION]))) as Record<string, unknown>[]
  assert.is(json[0]!.decisions, null)
  assert.not.ok('remediation' in json[0]!)
})

test('file: one NDJSON line per alert', () => {
  const want = `{ "time": "2026-02-12T14:10:24Z", "program": "crowdsec", "alert": ${NO_CN_JSON} }\n`
  assert.is(render(FILE, alertsTemplateData([NO_CN])), want)
  assert.is(render(FILE, alertsTemplateData([NO_CN, NO_CN])), want + want)
})

test('toJson escapes <, > and & as Go does (\\u003c...), and keeps Go struct order in nested values', () => {
  const a = sshAlert()
  a.Message = '<script>alert("x") & more</script>'
  assert.is(render('{{range .}}{{.Message | toJson}}|{{.Source | toJson}}{{end}}', alertsTemplateData([a])),
    `"\\u003cscript\\u003ealert(\\"x\\") \\u0026 more\\u003c/script\\u003e"|{"ip":"${IP}","scope":"Ip","value":"${IP}"}`)
  assert.is(render('{{range .}}{{.Message | toRawJson}}{{end}}', alertsTemplateData([a])), '"<script>alert(\\"x\\") & more</script>"')
})

test('simulated decisions carry simulated:true; a simulated alert is still a true pointer', () => {
  const a = sshAlert({simulated: true})
  a.Decisions![0]!.Simulated = true
  assert.is(render('{{range .}}{{range .Decisions}}{{if .Simulated}}sim {{.Simulated}}{{end}}{{end}} {{.Simulated}}{{end}}', alertsTemplateData([a])), 'sim true true')
  // a decision that is not simulated has no Simulated pointer: false, and <nil> when printed
  assert.is(render('{{range .}}{{range .Decisions}}{{if .Simulated}}sim{{else}}live {{.Simulated}}{{end}}{{end}}{{end}}', alertsTemplateData([FR])), 'live <nil>')
})

test('GetMeta: the values of a key across the events, duplicates kept; nil when none', () => {
  assert.is(render('{{range .}}{{GetMeta . "target_user"}}|{{GetMeta . "nope" | len}}|{{join "," (GetMeta . "source_ip")}}|{{GetMeta . "nope" | toJson}}{{end}}'), `[root admin]|0|${IP},${IP}|null`)
  // a literal can only be a basic type's argument (evalArg)
  assert.is(render('{{GetMeta "x" "k"}}'), 'ERR template: t:1:10: executing "t" at <"x">: can\'t handle "x" for arg of type *models.Alert')
  assert.is(render('{{GetMeta (index . 0).Source "k"}}'), 'ERR template: t:1:21: executing "t" at <(index . 0).Source>: wrong type for value; expected *models.Alert; got *models.Source')
})

test('CrowdsecCTI answers from the lookup of the render options, else the empty smoke item', () => {
  const smoke = {ip: IP, reputation: 'malicious', location: {country: 'US', city: null}, behaviors: [{name: 'ssh:bruteforce', label: 'SSH Bruteforce'}],
    scores: {overall: {total: 4, trust: 5}}, classifications: {classifications: [{name: 'community-blocklist'}]}, cves: ['CVE-1'], target_countries: {FR: 20, DE: 3}}
  const asked: string[] = []
  const lookup = (ip: string): unknown => {
    asked.push(ip)
    return ip === IP ? smoke : null
  }
  const text = '{{range .}}{{with CrowdsecCTI .Source.Value}}{{.Reputation}}|{{.Location.Country}}|{{range .Behaviors}}{{.Label}},{{end}}|{{.Scores.Overall.Total}}|{{(index .Classifications.Classifications 0).Name}}|{{.CVEs}}|{{.TargetCountries}}{{end}}{{end}}'
  assert.is(render(text, undefined, {ctiLookup: lookup}), 'malicious|US|SSH Bruteforce,|4|community-blocklist|[CVE-1]|map[DE:3 FR:20]')
  assert.equal(asked, [IP])
  assert.is(render('{{(CrowdsecCTI "1.2.3.4").Reputation}}|{{(CrowdsecCTI "1.2.3.4").Scores.LastDay.Total}}|{{len (CrowdsecCTI "x").Behaviors}}'), '|0|0')
})

test('Hostname and HTMLEscape', () => {
  assert.is(render('{{Hostname}}', [], {hostname: 'sensor-1'}), 'sensor-1')
  // html.EscapeString: &#39; and &#34;, like the builtin html
  assert.is(render('{{HTMLEscape "<a href=\\"x\\">\'&"}}'), '&lt;a href=&#34;x&#34;&gt;&#39;&amp;')
})

test('env and expandenv never reveal the environment', () => {
  process.env.CROWD_TEMPLATE_SECRET = 'hunter2'
  const out = render('{{env "CROWD_TEMPLATE_SECRET"}}|{{expandenv "a $CROWD_TEMPLATE_SECRET ${CROWD_TEMPLATE_SECRET} $HOME b"}}')
  delete process.env.CROWD_TEMPLATE_SECRET
  assert.is(out, '|a    b')
  assert.not.ok(out.includes('hunter2'))
})

test('a compiled template renders many times, and each render starts fresh', () => {
  const t = compileTemplate('{{$x := 0}}{{range .}}{{$x = add $x 1}}{{end}}{{$x}}', {name: 'count'})
  assert.is(t.render(alertsTemplateData([FR, NO_CN])), '2')
  assert.is(t.render(alertsTemplateData([FR])), '1')
})

test.run()
