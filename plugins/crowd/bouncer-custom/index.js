'use strict'
// crowd/bouncer-custom: runs the user's program for each decision, with CrowdSec custom-bouncer's
// convention: `<bin_path> add|del <value> <duration in seconds> <scenario> <decision JSON> [bin_args...]`,
// deletions first, then additions. With `feed_via_stdin: true` the program runs once per batch and
// reads one JSON line per decision on its standard input ({...decision, "action": "add"|"del"}).
// A program that exits non-zero fails the batch (the runtime retries it); the program's own path
// is the only one the package may run (its configuration's `bin_path`).

function decisionJson(d, action) {
  return {duration: `${Math.max(0, Math.round(d.ttlMs / 1000))}s`, origin: d.origin, scenario: d.scenario, scope: d.scope, type: d.type, value: d.value, ...(action ? {action} : {})}
}

module.exports = {
  async apply(batch, options, host) {
    const bin = options.bin_path
    if (typeof bin !== 'string' || bin === '') throw new Error('bin_path is not set')
    const extra = Array.isArray(options.bin_args) ? options.bin_args.map(String) : []
    const steps = [...batch.deleted.map((d) => ['del', d]), ...batch.added.map((d) => ['add', d])]
    if (steps.length === 0) return {added: 0, deleted: 0, runs: 0}
    if (options.feed_via_stdin === true) {
      const lines = steps.map(([action, d]) => JSON.stringify(decisionJson(d, action))).join('\n') + '\n'
      const r = await host.exec(bin, extra, lines)
      if (r.code !== 0) throw new Error(`${bin} exited with ${r.code}: ${String(r.stderr).slice(0, 200)}`)
      return {added: batch.added.length, deleted: batch.deleted.length, runs: 1}
    }
    let runs = 0
    for (const [action, d] of steps) {
      const seconds = String(Math.max(0, Math.round(d.ttlMs / 1000)))
      const r = await host.exec(bin, [action, d.value, seconds, d.scenario, JSON.stringify(decisionJson(d)), ...extra])
      runs++
      if (r.code !== 0) throw new Error(`${bin} ${action} ${d.value} exited with ${r.code}: ${String(r.stderr).slice(0, 200)}`)
    }
    return {added: batch.added.length, deleted: batch.deleted.length, runs}
  },
}
