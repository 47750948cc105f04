/**
 * The systemd unit and the crontab line of docs/watch.md are checked, not just shown: the unit by
 * systemd-analyze verify (with ExecStart pointed at this checkout's crowd), the crontab line's
 * schedule by the crontab(5) field rules, and its crowd command run for real (paths swapped for
 * a temporary acquis.yaml and config).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {BIN, ROOT} from '../helpers/run-cli.js'

const doc = fs.readFileSync(path.join(ROOT, 'docs', 'watch.md'), 'utf8')
const block = (lang: string): string => {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc)
  assert.ok(m !== null, `docs/watch.md has a ${lang} block`)
  return m![1]!
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-watch-docs-'))
test.after(() => fs.rmSync(tmp, {recursive: true, force: true}))

function verifyUnit(text: string): string {
  const unit = path.join(tmp, 'crowd-watch.service')
  fs.writeFileSync(unit, text.replace('/usr/bin/crowd', `${process.execPath} ${BIN}`))
  const r = spawnSync('systemd-analyze', ['verify', unit], {encoding: 'utf8'})
  assert.ok(r.error === undefined, `systemd-analyze does not run (${r.error?.message}): apt-get install systemd`)
  // only what it says about this unit (a container may have complaints about its own units)
  return [r.status === 0 ? '' : `exit ${r.status}`, ...r.stderr.split('\n').filter((l) => l.includes('crowd-watch'))].filter((l) => l !== '').join('\n')
}

test('the systemd unit passes systemd-analyze verify; a typo in it does not', () => {
  const unit = block('ini')
  assert.match(unit, /ExecStart=\/usr\/bin\/crowd watch /)
  assert.match(unit, /ExecReload=\/bin\/kill -HUP \$MAINPID/)
  assert.is(verifyUnit(unit), '')
  assert.match(verifyUnit(unit.replace('Type=simple', 'Typo=simple')), "Unknown key 'Typo'")
})

/** crontab(5): a field is `*`, or a comma list of N, N-M, each optionally /STEP, within the field's range. */
function cronFieldOk(field: string, lo: number, hi: number): boolean {
  return field.split(',').every((part) => {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part)
    if (m === null) return false
    const a = m[2] === undefined ? lo : Number(m[2])
    const b = m[3] === undefined ? (m[2] === undefined ? hi : a) : Number(m[3])
    const step = m[4] === undefined ? 1 : Number(m[4])
    return a >= lo && b <= hi && a <= b && step >= 1
  })
}

test('the crontab line: a valid schedule, a user, and a crowd command that runs', () => {
  const line = block('crontab').trim()
  const fields = line.split(/\s+/)
  const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]]
  ranges.forEach(([lo, hi], i) => assert.ok(cronFieldOk(fields[i]!, lo, hi), `field ${i + 1} "${fields[i]}"`))
  assert.not.ok(cronFieldOk('61', 0, 59))
  assert.is(fields[5], 'root')
  const command = fields.slice(6).join(' ')
  const m = /^CROWD_CONFIG=(\S+) \/usr\/bin\/crowd (watch [^>]*?)\s*>/.exec(command)
  assert.ok(m !== null, command)
  const args = m![2]!.split(' ')
  // the same flags, on a temporary home
  const log = path.join(tmp, 'auth.log')
  fs.writeFileSync(log, 'Mar  2 06:00:01 web01 sshd[1]: Failed password for root from 198.51.100.5 port 22 ssh2\n')
  const acquis = path.join(tmp, 'acquis.yaml')
  fs.writeFileSync(acquis, `filenames:\n  - ${log}\nlabels:\n  type: syslog\n`)
  const config = path.join(tmp, 'crowd.toml')
  fs.writeFileSync(config, `[paths]\ndata_dir = ${JSON.stringify(path.join(tmp, 'data'))}\n`)
  const swapped = args.map((a) => (a === '/etc/crowd/acquis.yaml' ? acquis : a))
  const out = execFileSync(process.execPath, [BIN, ...swapped], {cwd: ROOT, env: {...process.env, CROWD_CONFIG: config, CROWD_STORE_URL: '', CROWD_LOG_LEVEL: ''}, encoding: 'utf8'})
  const result = JSON.parse(out) as {summary: {lines: number}; exit_code: number}
  assert.is(result.summary.lines, 1)
  assert.is(result.exit_code, 0)
})

test.run()
