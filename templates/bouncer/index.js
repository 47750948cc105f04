// {{full_name}}: bouncer plugin. Called with the decisions added and deleted since the last
// poll of the local API; it applies them to the protected component.
export default {
  name: '{{name}}',
  async apply({added, deleted}, settings) {
    // TODO: block `added` and unblock `deleted`
    return {added: added.length, deleted: deleted.length}
  },
}
