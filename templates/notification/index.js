// {{full_name}}: notification plugin. Runs sandboxed; it receives the alerts rendered with
// `format` and the settings of {{name}}.yaml, and must not throw on a bad alert.
export default {
  name: '{{name}}',
  async notify(alerts, settings) {
    // TODO: deliver `alerts` using `settings`
    return {sent: alerts.length}
  },
}
