/**
 * The embedded sshd content on logs shaped like a real Internet-facing server's, through
 * `crowd scan` with no flags (a fresh machine: the embedded default content).
 *
 * One failed password is one attempt: its PAM line, its "Failed password" line and the
 * disconnect that ends its connection are three lines but one guess (only log_type
 * ssh_failed-auth is counted by crowd/ssh-bf and crowd/ssh-slow-bf; docs/hub.md).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {freshMachineEnv, runCli} from '../helpers/run-cli.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crowd-scan-sshd-'))
const env = freshMachineEnv(home)
const REALWORLD = 'test/hub/tests/ssh-slow-bf-realworld/ssh-slow-bf-realworld.log'

interface ScanJson {alerts: {scenario: string; source: {value: string}}[]}
const flagged = (file: string): string[] => {
  const r = runCli(['scan', file, '--json', '--fail-on', 'none'], {env})
  assert.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout) as ScanJson
  return [...new Set(out.alerts.map((a) => `${a.source.value} ${a.scenario}`))].sort()
}

/** One guess as sshd and PAM log it when the client opens one connection per password. */
const guess = (at: string, pid: number, ip: string, port: number): string[] => [
  `Mar  2 ${at} srv1 sshd[${pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=root`,
  `Mar  2 ${at} srv1 sshd[${pid}]: Failed password for root from ${ip} port ${port} ssh2`,
  `Mar  2 ${at} srv1 sshd[${pid}]: Disconnected from authenticating user root ${ip} port ${port} [preauth]`,
]

test('slow root guessers, a quick user enumerator, MaxAuthTries and a banner scanner are flagged; the benign are not', () => {
  assert.equal(flagged(REALWORLD), [
    '192.0.2.10 crowd/ssh-slow-bf', // 6 passwords over 100 s, one per connection
    '192.0.2.77 crowd/ssh-bf', // 6 passwords in one connection, then MaxAuthTries
    '192.0.2.77 crowd/ssh-slow-bf',
    '198.51.100.23 crowd/ssh-slow-bf', // 5 passwords over 2 minutes
    '198.51.100.88 crowd/ssh-bf', // 8 failed key exchanges / banners in 8 s
    '203.0.113.45 crowd/ssh-user-enum', // 3 nonexistent users in 8 s
  ])
})

test('a failed password is one attempt, not one per line: 4 guesses (12 lines) are not flagged, 5 are', () => {
  const dir = fs.mkdtempSync(path.join(home, 'in-'))
  const file = path.join(dir, 'auth.log')
  const lines: string[] = []
  for (let i = 0; i < 4; i++) lines.push(...guess(`07:0${i}:00`, 4000 + i, '192.0.2.50', 40000 + i))
  for (let i = 0; i < 5; i++) lines.push(...guess(`08:0${i}:00`, 5000 + i, '192.0.2.51', 41000 + i))
  fs.writeFileSync(file, lines.join('\n') + '\n')
  assert.equal(flagged(file), ['192.0.2.51 crowd/ssh-slow-bf'])
})

test.after(() => fs.rmSync(home, {recursive: true, force: true}))

test.run()
