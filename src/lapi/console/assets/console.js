// The crowd console's script (served at /console/console.js; docs/console.md).
// Every value shown comes from attackers' log lines: it is only ever set with textContent or as an
// attribute value, never parsed as HTML. No inline handlers, no eval: the page's Content-Security-Policy forbids them.
'use strict'

const SVG = 'http://www.w3.org/2000/svg'
const state = {
  csrf: '',
  role: '',
  machine: '',
  window: '24h',
  alertsQuery: '',
  decisionsQuery: '',
  marks: null,
  /** The newest alert id the unfiltered table showed (the first live event is compared with it). */
  shownAlertId: 0,
  events: null,
  timers: [],
  pending: new Map(),
}

const $ = (id) => document.getElementById(id)

/** An element with text (textContent) and attributes (setAttribute): never HTML. */
function el(tag, options, children) {
  const node = document.createElement(tag)
  const o = options || {}
  if (o.text !== undefined && o.text !== null) node.textContent = String(o.text)
  if (o.className) node.className = o.className
  if (o.title) node.title = String(o.title)
  for (const [k, v] of Object.entries(o.attrs || {})) node.setAttribute(k, String(v))
  for (const child of children || []) if (child) node.append(child)
  return node
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = String(text)
  return node
}

function cell(text, className) {
  return el('td', {text: text === undefined || text === null || text === '' ? '-' : text, className})
}

function replaceRows(tbody, rows) {
  tbody.replaceChildren(...rows)
}

class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

async function api(path, options) {
  const o = options || {}
  const method = o.method || 'GET'
  const headers = {Accept: 'application/json'}
  if (o.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') headers['X-CSRF-Token'] = state.csrf
  const res = await fetch('/console/api/' + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  })
  let data = null
  try {
    data = await res.json()
  } catch {
    data = null
  }
  if (!res.ok) {
    const message = data && typeof data.message === 'string' ? data.message : `${method} ${path}: HTTP ${res.status}`
    if (res.status === 401 && path !== 'login') showLogin(message)
    throw new ApiError(res.status, message)
  }
  return data
}

// ---- time

function when(iso) {
  if (!iso) return '-'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function ago(iso) {
  if (!iso) return 'never'
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000)
  if (Number.isNaN(s)) return String(iso)
  if (s < 60) return `${Math.max(0, s)} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86400) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86400)} d ago`
}

function left(seconds) {
  if (seconds <= 0) return 'ended'
  if (seconds < 60) return `in ${seconds} s`
  if (seconds < 3600) return `in ${Math.round(seconds / 60)} min`
  if (seconds < 86400) return `in ${(seconds / 3600).toFixed(1)} h`
  return `in ${(seconds / 86400).toFixed(1)} d`
}

// ---- login and session

function showLogin(message) {
  stopLive()
  state.csrf = ''
  $('app').hidden = true
  $('who').hidden = true
  $('login').hidden = false
  $('login-error').textContent = message || ''
  document.body.dataset.view = 'login'
}

function showApp(session) {
  state.csrf = session.csrf_token
  state.role = session.role
  state.machine = session.machine_id
  $('login').hidden = true
  $('app').hidden = false
  $('who').hidden = false
  $('who-name').textContent = session.machine_id
  $('who-role').textContent = session.role
  for (const node of document.querySelectorAll('.admin-only')) node.hidden = session.role !== 'admin'
  document.body.dataset.view = 'app'
  document.body.dataset.role = session.role
  startLive()
}

async function login(event) {
  event.preventDefault()
  $('login-error').textContent = ''
  try {
    const session = await api('login', {method: 'POST', body: {machine_id: $('login-machine').value, password: $('login-password').value}})
    $('login-password').value = ''
    showApp(session)
  } catch (error) {
    $('login-error').textContent = error.message
  }
}

async function logout() {
  try {
    await api('logout', {method: 'POST'})
  } catch {
    // the session is gone either way
  }
  showLogin('Logged out.')
}

// ---- refreshing: one request per kind at a time, the last call wins

function refresh(kind) {
  const loaders = {alerts: loadAlerts, stats: loadStats, decisions: loadDecisions, agents: loadAgents, hub: loadHub, metrics: loadMetrics}
  let entry = state.pending.get(kind)
  if (entry) {
    entry.again = true
    return entry.promise
  }
  entry = {again: false, promise: null}
  state.pending.set(kind, entry)
  const mine = entry
  mine.promise = (async () => {
    try {
      do {
        mine.again = false
        try {
          await loaders[kind]()
          $('app-error').textContent = ''
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 401)) $('app-error').textContent = `${kind}: ${error.message}`
        }
      } while (mine.again && state.csrf !== '')
    } finally {
      state.pending.delete(kind)
    }
  })()
  return mine.promise
}

/** The alerts first (the page's main table), then the rest side by side. */
async function refreshAll() {
  await refresh('alerts')
  for (const kind of ['stats', 'decisions', 'agents', 'hub', 'metrics']) void refresh(kind)
}

function startLive() {
  stopLive()
  void refreshAll()
  const events = new EventSource('/console/api/events')
  state.events = events
  events.addEventListener('open', () => $('live').classList.add('on'))
  events.addEventListener('error', () => $('live').classList.remove('on'))
  events.addEventListener('logout', () => showLogin('The session ended: log in again.'))
  events.addEventListener('change', (message) => {
    let marks
    try {
      marks = JSON.parse(message.data)
    } catch {
      return
    }
    const before = state.marks
    state.marks = marks
    if (before === null) {
      // the first event: what the store has now; an alert stored between the first load and the stream is loaded here
      document.body.dataset.live = 'ready'
      if (marks.alerts !== state.shownAlertId) {
        void refresh('alerts')
        void refresh('stats')
        void refresh('decisions')
      }
      return
    }
    if (marks.alerts !== before.alerts) {
      void refresh('alerts')
      void refresh('stats')
    }
    if (marks.alerts !== before.alerts || marks.decisions !== before.decisions || marks.active_decisions !== before.active_decisions) void refresh('decisions')
  })
  state.timers.push(setInterval(() => void refresh('agents'), 10_000))
  state.timers.push(setInterval(() => void refresh('metrics'), 5000))
  state.timers.push(setInterval(() => void refresh('hub'), 60_000))
  // the window moves on even when nothing arrives
  state.timers.push(setInterval(() => void refresh('stats'), 30_000))
}

function stopLive() {
  if (state.events) state.events.close()
  state.events = null
  state.marks = null
  delete document.body.dataset.live
  for (const t of state.timers) clearInterval(t)
  state.timers = []
  $('live').classList.remove('on')
}

// ---- charts: hand-written SVG, each with a title and a description for screen readers

let chartIds = 0

function chartFrame(width, height, title, description) {
  const id = `chart-${++chartIds}`
  const root = svg('svg', {viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'svg-chart', preserveAspectRatio: 'xMinYMin meet'})
  root.append(svg('title', {id: `${id}-t`}, title), svg('desc', {id: `${id}-d`}, description))
  return root
}

function niceMax(n) {
  if (n <= 5) return Math.max(1, n)
  const p = 10 ** Math.floor(Math.log10(n))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p
  return n
}

function drawTimeline(stats) {
  const W = 900
  const H = 220
  const pad = {l: 44, r: 10, t: 10, b: 28}
  const n = stats.buckets.length
  const max = niceMax(Math.max(0, ...stats.buckets))
  const since = new Date(stats.since).getTime()
  const peak = stats.buckets.reduce((best, v, i) => (v > stats.buckets[best] ? i : best), 0)
  const root = chartFrame(W, H, `Alerts per ${Math.round(stats.bucket_ms / 60000)} minutes, ${stats.window}`,
    `${stats.total} alerts from ${when(stats.since)} to ${when(stats.until)}` + (stats.total > 0 ? `; the most, ${stats.buckets[peak]}, at ${when(new Date(since + peak * stats.bucket_ms).toISOString())}` : ''))
  const plotW = W - pad.l - pad.r
  const plotH = H - pad.t - pad.b
  for (let k = 0; k <= 4; k++) {
    const y = pad.t + plotH - (plotH * k) / 4
    root.append(svg('line', {x1: pad.l, x2: W - pad.r, y1: y, y2: y, class: 'grid'}))
    root.append(svg('text', {x: pad.l - 6, y: y + 4, 'text-anchor': 'end', class: 'axis'}, Math.round((max * k) / 4)))
  }
  const bw = plotW / n
  stats.buckets.forEach((v, i) => {
    if (v === 0) return
    const h = (plotH * v) / max
    const start = new Date(since + i * stats.bucket_ms).toISOString()
    const bar = svg('rect', {x: pad.l + i * bw + 0.5, y: pad.t + plotH - h, width: Math.max(1, bw - 1), height: h, class: 'bar'})
    bar.append(svg('title', {}, `${when(start)}: ${v} alert${v === 1 ? '' : 's'}`))
    root.append(bar)
  })
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    const t = new Date(since + i * stats.bucket_ms)
    const label = stats.bucket_ms >= 3600_000 ? when(t.toISOString()).slice(5, 16) : when(t.toISOString()).slice(11, 16)
    root.append(svg('text', {x: pad.l + i * bw + bw / 2, y: H - 8, 'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle', class: 'axis'}, label))
  }
  $('timeline').replaceChildren(root)
}

function drawBars(container, rows, title) {
  const W = 420
  const rowH = 22
  const H = Math.max(1, rows.length) * rowH + 4
  const max = Math.max(1, ...rows.map((r) => r.count))
  const root = chartFrame(W, H, title, rows.length === 0 ? 'nothing in this window' : rows.map((r) => `${r.label}: ${r.count}`).join(', '))
  rows.forEach((r, i) => {
    const y = i * rowH + 2
    const w = ((W - 190) * r.count) / max
    root.append(svg('text', {x: 0, y: y + 15, class: 'label'}, r.label.length > 26 ? r.label.slice(0, 25) + '…' : r.label))
    const bar = svg('rect', {x: 170, y, width: Math.max(1, w), height: rowH - 6, class: 'bar'})
    bar.append(svg('title', {}, `${r.label}: ${r.count}`))
    root.append(bar)
    root.append(svg('text', {x: 174 + w, y: y + 13, class: 'value'}, r.count))
  })
  container.replaceChildren(root)
}

// ---- sections

async function loadStats() {
  const stats = await api(`stats?window=${encodeURIComponent(state.window)}`)
  $('stats-total').textContent = String(stats.total)
  drawTimeline(stats)
  drawBars($('top-sources'), stats.sources.map((s) => ({label: s.value, count: s.count})), `Top attackers, ${stats.window}`)
  drawBars($('top-scenarios'), stats.scenarios.map((s) => ({label: s.scenario, count: s.count})), `Top scenarios, ${stats.window}`)
  replaceRows($('top-sources-body'), stats.sources.map((s) => el('tr', {}, [cell(s.value), cell(s.cn), cell(s.as_name), cell(s.count, 'num')])))
  replaceRows($('top-scenarios-body'), stats.scenarios.map((s) => el('tr', {}, [cell(s.scenario), cell(s.count, 'num')])))
}

async function loadAlerts() {
  const q = state.alertsQuery === '' ? '' : `&q=${encodeURIComponent(state.alertsQuery)}`
  const data = await api(`alerts?limit=50${q}`)
  replaceRows($('alerts-body'), data.alerts.map((a) => {
    const decisions = a.decisions.length === 0 ? '-' : a.decisions.map((d) => `${d.type} ${d.active ? left(d.remaining_s) : '(ended)'}`).join(', ')
    const row = el('tr', {attrs: {'data-alert-id': a.id}}, [
      cell(when(a.created_at)),
      cell(a.scenario, 'scenario'),
      cell(a.source.value, 'source'),
      cell(a.source.cn),
      cell(a.source.as_name),
      cell(a.events_count, 'num'),
      cell(decisions),
      cell(a.machine_id),
    ])
    row.title = a.message
    return row
  }))
  $('alerts-empty').hidden = data.alerts.length > 0
  if (state.alertsQuery === '') state.shownAlertId = Math.max(0, ...data.alerts.map((a) => a.id))
  document.body.dataset.alertsLoaded = String(data.alerts.length)
  if (data.alerts.length > 0 && !document.body.dataset.alertsFirstRender) document.body.dataset.alertsFirstRender = String(Math.round(performance.now()))
}

async function loadDecisions() {
  const q = state.decisionsQuery === '' ? '' : `&q=${encodeURIComponent(state.decisionsQuery)}`
  const data = await api(`decisions?limit=200${q}`)
  const admin = state.role === 'admin'
  replaceRows($('decisions-body'), data.decisions.map((d) => {
    const actions = el('td', {className: 'admin-only'})
    actions.hidden = !admin
    if (admin) {
      const button = el('button', {text: 'Delete', className: 'delete-decision', attrs: {type: 'button', 'data-decision-id': d.id, 'aria-label': `delete decision ${d.id} on ${d.value}`}})
      button.addEventListener('click', () => void deleteDecision(d.id, d.value, button))
      actions.append(button)
    }
    return el('tr', {attrs: {'data-decision-id': d.id}}, [
      cell(d.id, 'num'), cell(d.type), cell(d.scope), cell(d.value, 'value'), cell(d.origin), cell(d.scenario), cell(`${left(d.remaining_s)} (${when(d.until)})`), actions,
    ])
  }))
  $('decisions-empty').hidden = data.decisions.length > 0
}

async function deleteDecision(id, value, button) {
  button.disabled = true
  try {
    await api(`decisions/${encodeURIComponent(id)}`, {method: 'DELETE'})
    $('decisions-message').textContent = `Decision ${id} on ${value} deleted.`
    await refresh('decisions')
  } catch (error) {
    button.disabled = false
    $('decisions-message').textContent = `Decision ${id} not deleted: ${error.message}`
  }
}

async function addDecision(event) {
  event.preventDefault()
  const body = {value: $('add-value').value.trim(), type: $('add-type').value, duration: $('add-duration').value.trim(), reason: $('add-reason').value.trim()}
  if ($('add-scope').value !== '') body.scope = $('add-scope').value
  try {
    const r = await api('decisions', {method: 'POST', body})
    $('decisions-message').textContent = `Added: ${r.type} on ${r.scope} ${r.value} for ${r.duration}.`
    $('add-value').value = ''
    $('add-reason').value = ''
    await refresh('decisions')
  } catch (error) {
    $('decisions-message').textContent = `Not added: ${error.message}`
  }
}

async function loadAgents() {
  const data = await api('agents')
  replaceRows($('machines-body'), data.machines.map((m) => el('tr', {}, [
    cell(m.machine_id), cell(m.role), cell(m.ip_address), cell(m.version), cell(ago(m.last_push)), cell(ago(m.last_heartbeat)), cell(m.is_validated ? 'yes' : 'no'),
  ])))
  replaceRows($('bouncers-body'), data.bouncers.map((b) => el('tr', {}, [cell(b.name), cell(b.type), cell(b.ip_address), cell(b.version), cell(ago(b.last_pull))])))
}

async function loadHub() {
  const data = await api('hub')
  $('hub-message').textContent = data.available ? `${data.packages.length} installed.` : data.message
  replaceRows($('hub-body'), data.packages.map((p) => {
    const upgrade = p.latest && p.installed && p.latest !== p.installed
    const status = [p.tainted ? 'tainted (local changes)' : '', upgrade ? `upgrade available: ${p.latest}` : ''].filter(Boolean).join('; ') || 'up to date'
    return el('tr', {className: p.tainted ? 'tainted' : upgrade ? 'outdated' : ''}, [cell(p.name), cell(p.type), cell(p.installed), cell(p.latest), cell(status)])
  }))
}

const METRIC_TABLES = [
  ['acquisition', 'Acquisition', ['source', 'lines_read', 'lines_parsed', 'lines_unparsed', 'lines_poured']],
  ['parsers', 'Parsers', ['name', 'hits', 'parsed', 'unparsed']],
  ['buckets', 'Scenarios (buckets)', ['name', 'current', 'instantiated', 'poured', 'overflows', 'underflows']],
  ['alerts', 'Alerts', ['scenario', 'count']],
]

async function loadMetrics() {
  const data = await api('metrics')
  if (!data.available) {
    $('metrics-message').textContent = data.message
    $('metrics-tables').replaceChildren()
    return
  }
  const f = data.figures || {}
  $('metrics-message').textContent = `From ${data.from}, at ${when(f.at)}, counting since ${when(f.since)}.`
  const parts = []
  for (const [key, title, columns] of METRIC_TABLES) {
    const rows = Array.isArray(f[key]) ? f[key] : []
    if (rows.length === 0) continue
    parts.push(el('h3', {text: title}))
    const head = el('tr', {}, columns.map((c) => el('th', {text: c.replace(/_/g, ' '), className: c === columns[0] ? '' : 'num'})))
    const body = rows.map((r) => el('tr', {}, columns.map((c, i) => cell(r[c], i === 0 ? '' : 'num'))))
    parts.push(el('table', {className: 'compact'}, [el('thead', {}, [head]), el('tbody', {}, body)]))
  }
  if (parts.length === 0) parts.push(el('p', {text: 'No figures yet.', className: 'muted'}))
  $('metrics-tables').replaceChildren(...parts)
}

// ---- start

async function start() {
  $('login-form').addEventListener('submit', login)
  $('logout').addEventListener('click', () => void logout())
  $('window').addEventListener('change', () => {
    state.window = $('window').value
    void refresh('stats')
  })
  $('alerts-search').addEventListener('submit', (event) => {
    event.preventDefault()
    state.alertsQuery = $('alerts-q').value.trim()
    void refresh('alerts')
  })
  $('decisions-search').addEventListener('submit', (event) => {
    event.preventDefault()
    state.decisionsQuery = $('decisions-q').value.trim()
    void refresh('decisions')
  })
  $('decision-add').addEventListener('submit', addDecision)
  try {
    const session = await api('session')
    if (session.authenticated) showApp(session)
    else showLogin('')
  } catch (error) {
    showLogin(error.message)
  }
}

document.addEventListener('DOMContentLoaded', () => void start())
