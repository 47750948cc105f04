/**
 * The style sheet and the script of the HTML scan report, inlined in the page and allowed by
 * their sha256 hashes in its Content-Security-Policy. The script reads the data from the
 * page's `<script type="application/json">` block and builds the page with DOM calls: strings
 * from the data only ever become text nodes or attribute values, never markup.
 *
 * Charts are hand-written SVG (a timeline of small multiples, horizontal bars): a chart library
 * would weigh more than the rest of the file together, and drawing these few shapes by hand lets
 * every chart carry its own <title>/aria-label and a table with the same figures next to it.
 *
 * The script is plain ES2020 kept in a String.raw template (no backquote and no dollar-brace in it).
 */

export const REPORT_STYLE = String.raw`
:root { --fg:#1d232b; --muted:#5b6673; --bg:#f6f7f9; --card:#fff; --line:#d9dee4; --accent:#2f6fb3; --alert:#c0392b; --bar:#5b8fc9; --bar2:#8e6fc1; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { background:#1d2a3a; color:#fff; padding:14px 24px; }
header h1 { margin:0; font-size:20px; font-weight:600; }
header p { margin:2px 0 0; color:#c5d0dc; font-size:12px; }
main { max-width:1240px; margin:0 auto; padding:16px 24px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:14px 18px; margin:14px 0; }
h2 { font-size:16px; margin:0 0 10px; }
h3 { font-size:14px; margin:14px 0 6px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(112px, 1fr)); gap:10px; margin:0; }
.cards div { border:1px solid var(--line); border-radius:5px; padding:8px 10px; }
.cards dt { color:var(--muted); font-size:12px; }
.cards dd { margin:0; font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; }
.cards .hot dd { color:var(--alert); }
.notice { background:#fff6df; border:1px solid #e8cf85; border-radius:5px; padding:8px 12px; margin:10px 0 0; }
.notice ul { margin:4px 0 0; padding-left:20px; }
.muted { color:var(--muted); }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
@media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
svg { display:block; max-width:100%; height:auto; }
svg text { font:11px system-ui, sans-serif; fill:var(--fg); }
svg .axis { stroke:var(--line); }
svg .ev { fill:var(--bar); }
svg .al { fill:var(--alert); }
svg .bar { fill:var(--bar); }
svg .bar2 { fill:var(--bar2); }
svg .lane { fill:#f0f3f6; }
.legend span { display:inline-block; margin-right:14px; font-size:12px; color:var(--muted); }
.legend i { display:inline-block; width:10px; height:10px; margin-right:4px; vertical-align:-1px; }
.legend .k-ev { background:var(--bar); } .legend .k-al { background:var(--alert); }
.controls { display:flex; flex-wrap:wrap; gap:8px; align-items:center; margin:6px 0; }
.controls input, .controls select { font:inherit; padding:4px 6px; border:1px solid var(--line); border-radius:4px; }
.controls input { min-width:240px; }
.count { color:var(--muted); font-size:12px; }
.tablewrap { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; }
caption { text-align:left; font-weight:600; padding:4px 0; }
th, td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
td { overflow-wrap:anywhere; }
th { background:#f0f3f6; white-space:nowrap; }
th button { font:inherit; font-weight:600; border:0; background:none; padding:0; cursor:pointer; color:inherit; }
th[aria-sort=ascending] button::after { content:" \25B2"; font-size:10px; }
th[aria-sort=descending] button::after { content:" \25BC"; font-size:10px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.detail > td { background:#fafbfc; padding:8px 12px 12px 28px; }
.toggle { font:inherit; font-size:12px; border:1px solid var(--line); background:#fff; border-radius:4px; cursor:pointer; padding:1px 6px; white-space:nowrap; }
.meta { display:grid; grid-template-columns:max-content 1fr; gap:1px 10px; margin:0; }
.meta dt { color:var(--muted); }
.meta dd { margin:0; font-family:ui-monospace, Menlo, Consolas, monospace; font-size:12px; overflow-wrap:anywhere; white-space:pre-wrap; }
.more { margin-top:6px; font:inherit; }
.tag { display:inline-block; font-size:11px; padding:0 5px; border-radius:3px; background:#eee; color:#555; margin-left:4px; }
.err { color:var(--alert); }
`

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var PAGE = 100;
  var app = document.getElementById('app');

  function add(parent, kids) {
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined || k === false) continue;
      parent.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    }
    return parent;
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    return add(e, kids || []);
  }
  function sv(tag, attrs, kids) {
    var e = document.createElementNS(NS, tag);
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    return add(e, kids || []);
  }
  function titled(node, text) { node.appendChild(sv('title', {}, [text])); return node; }
  function n(x) { return Number(x).toLocaleString('en-US'); }
  function plural(x, word) { return n(x) + ' ' + word + (x === 1 ? '' : 's'); }
  function when(s) { return s ? String(s).replace('T', ' ') : ''; }
  function bytes(b) {
    if (b < 1024) return b + ' B';
    if (b < 1048576) return (b / 1024).toFixed(1) + ' KiB';
    if (b < 1073741824) return (b / 1048576).toFixed(1) + ' MiB';
    return (b / 1073741824).toFixed(2) + ' GiB';
  }
  function iso(ms) { return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z'); }
  function section(id, title, kids) {
    return el('section', {id: id, 'aria-labelledby': id + '-h'}, [el('h2', {id: id + '-h'}, [title])].concat(kids));
  }

  // ---- summary
  function summary() {
    var s = D.summary;
    var items = [['Inputs', s.inputs], ['Sources', s.sources], ['Lines', s.lines], ['Parsed', s.parsed], ['Unparsed', s.unparsed],
      ['Whitelisted', s.whitelisted], ['Alerts', s.alerts, s.alerts > 0], ['Decisions', s.decisions, s.decisions > 0], ['Input errors', s.input_errors, s.input_errors > 0]];
    var cards = el('dl', {class: 'cards', id: 'summary-cards'});
    items.forEach(function (it) {
      cards.appendChild(el('div', it[2] ? {class: 'hot'} : {}, [el('dt', {}, [it[0]]), el('dd', {'data-key': it[0].toLowerCase().replace(' ', '_')}, [n(it[1])])]));
    });
    var kids = [cards];
    if (D.content) {
      kids.push(el('p', {class: 'muted'}, ['Content: ' + D.content.origin + ', ' + plural(D.content.parsers, 'parser') + ', ' + plural(D.content.scenarios, 'scenario') +
        (D.content.collections.length ? ' (' + D.content.collections.join(', ') + ')' : '') + '.']));
    }
    var c = D.caps, capped = [];
    if (c.alerts.shown < c.alerts.total) capped.push('Alerts: the first ' + n(c.alerts.shown) + ' of ' + n(c.alerts.total) + ' are listed (totals, charts and top tables count them all).');
    if (c.events.shown < c.events.total) capped.push('Events: ' + n(c.events.shown) + ' of the ' + n(c.events.total) + ' events the alerts carry are shown (at most ' + n(c.events.per_alert) + ' per alert and ' + n(c.events.max) + ' in all; the timeline counts them all).');
    if (c.decisions.shown < c.decisions.total) capped.push('Decisions: the first ' + n(c.decisions.shown) + ' of ' + n(c.decisions.total) + ' are listed.');
    if (c.top_sources.shown < c.top_sources.total) capped.push('Top sources: the top ' + n(c.top_sources.shown) + ' of ' + n(c.top_sources.total) + ' sources.');
    if (c.top_scenarios.shown < c.top_scenarios.total) capped.push('Top scenarios: the top ' + n(c.top_scenarios.shown) + ' of ' + n(c.top_scenarios.total) + ' scenarios.');
    if (c.warnings.shown < c.warnings.total) capped.push('Warnings: the first ' + n(c.warnings.shown) + ' of ' + n(c.warnings.total) + '.');
    if (c.values_cut > 0) capped.push(plural(c.values_cut, 'value') + ' longer than ' + n(c.value_chars) + ' characters cut (ending with \u2026).');
    if (capped.length) {
      var ul = el('ul', {}, capped.map(function (t) { return el('li', {}, [t]); }));
      kids.push(el('div', {class: 'notice', id: 'caps', role: 'note'}, [el('strong', {}, ['This report is capped to stay fast in a browser:']), ul]));
    }
    return section('summary', 'Summary', kids);
  }

  // ---- timeline: one lane per scenario, events as bars, alerts as marks below
  function timeline() {
    var t = D.timeline;
    if (!t.scenarios.length) return section('timeline', 'Timeline', [el('p', {class: 'muted'}, ['No alert, so no event to draw.'])]);
    var W = 1100, L = 210, R = 16, laneH = 34, top = 8, axisH = 26;
    var plotW = W - L - R, bw = plotW / t.buckets, H = top + t.scenarios.length * laneH + axisH;
    var span = t.buckets * t.bucket_ms;
    var desc = 'Events carried by alerts and alerts started, per ' + dur(t.bucket_ms) + ', from ' + iso(t.start) + ' to ' + iso(t.start + span) + ' (UTC), one lane per scenario.';
    var svg = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-labelledby': 'tl-title tl-desc', id: 'timeline-chart'});
    svg.appendChild(sv('title', {id: 'tl-title'}, ['Timeline of events and alerts per scenario']));
    svg.appendChild(sv('desc', {id: 'tl-desc'}, [desc]));
    t.scenarios.forEach(function (row, r) {
      var y = top + r * laneH, max = Math.max.apply(null, row.events.concat([1]));
      var ev = 0, al = 0;
      row.events.forEach(function (x) { ev += x; });
      row.alerts.forEach(function (x) { al += x; });
      var g = sv('g', {class: 'lane-row', 'data-scenario': row.name});
      titled(g, row.name + ': ' + plural(ev, 'event') + ', ' + plural(al, 'alert'));
      g.appendChild(sv('rect', {class: 'lane', x: L, y: y, width: plotW, height: laneH - 6}));
      g.appendChild(sv('text', {x: L - 8, y: y + 13, 'text-anchor': 'end'}, [clip(row.name, 30)]));
      g.appendChild(sv('text', {x: L - 8, y: y + 25, 'text-anchor': 'end', class: 'muted'}, [plural(ev, 'event') + ' \u00b7 ' + plural(al, 'alert')]));
      for (var i = 0; i < t.buckets; i++) {
        var from = t.start + i * t.bucket_ms, label = row.name + ', ' + iso(from) + ' + ' + dur(t.bucket_ms) + ': ';
        if (row.events[i] > 0) {
          var h = Math.max(2, (laneH - 14) * row.events[i] / max);
          g.appendChild(titled(sv('rect', {class: 'ev', x: L + i * bw + 0.5, y: y + laneH - 12 - h, width: Math.max(1, bw - 1), height: h}), label + plural(row.events[i], 'event')));
        }
        if (row.alerts[i] > 0) {
          var cx = L + i * bw + bw / 2, cy = y + laneH - 9;
          g.appendChild(titled(sv('path', {class: 'al', d: 'M' + cx + ' ' + (cy - 4) + 'l4 4l-4 4l-4 -4z'}), label + plural(row.alerts[i], 'alert')));
        }
      }
      svg.appendChild(g);
    });
    var ay = top + t.scenarios.length * laneH;
    svg.appendChild(sv('line', {class: 'axis', x1: L, x2: L + plotW, y1: ay, y2: ay}));
    var ticks = Math.min(6, t.buckets);
    for (var k = 0; k <= ticks; k++) {
      var x = L + plotW * k / ticks;
      svg.appendChild(sv('line', {class: 'axis', x1: x, x2: x, y1: ay, y2: ay + 4}));
      svg.appendChild(sv('text', {x: x, y: ay + 16, 'text-anchor': k === 0 ? 'start' : k === ticks ? 'end' : 'middle'}, [tick(t.start + span * k / ticks, span)]));
    }
    var legend = el('p', {class: 'legend', 'aria-hidden': 'true'}, [el('span', {}, [el('i', {class: 'k-ev'}), 'events (bar height relative to the lane\u2019s busiest ' + dur(t.bucket_ms) + ')']), el('span', {}, [el('i', {class: 'k-al'}), 'alerts started'])]);
    return section('timeline', 'Timeline', [el('p', {class: 'muted'}, [desc]), el('div', {class: 'tablewrap'}, [svg]), legend]);
  }
  function dur(ms) {
    var s = ms / 1000;
    if (s < 60) return s + ' s';
    if (s < 3600) return s / 60 + ' min';
    if (s < 86400) return s / 3600 + ' h';
    return s / 86400 + ' d';
  }
  function tick(ms, span) {
    var s = new Date(Math.round(ms)).toISOString();
    if (span <= 120000) return s.slice(11, 19);
    if (span <= 86400000) return s.slice(11, 16);
    return s.slice(5, 10) + ' ' + s.slice(11, 16);
  }
  function clip(s, max) { return s.length > max ? s.slice(0, max - 1) + '\u2026' : s; }

  // ---- horizontal bar chart of the first rows of a top table
  function bars(id, title, rows, label, value) {
    var shown = rows.slice(0, 10), W = 560, L = 200, R = 50, rowH = 22, H = shown.length * rowH + 6;
    var max = Math.max.apply(null, shown.map(value).concat([1]));
    var svg = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': title, id: id});
    svg.appendChild(sv('title', {}, [title]));
    shown.forEach(function (r, i) {
      var w = (W - L - R) * value(r) / max, y = 3 + i * rowH;
      var g = titled(sv('g', {}), label(r) + ': ' + plural(value(r), 'alert') + ', ' + plural(r.events, 'event'));
      g.appendChild(sv('text', {x: L - 8, y: y + 14, 'text-anchor': 'end'}, [clip(label(r), 32)]));
      g.appendChild(sv('rect', {class: 'bar', x: L, y: y + 3, width: Math.max(1, w), height: rowH - 8}));
      g.appendChild(sv('text', {x: L + w + 6, y: y + 14}, [n(value(r))]));
      svg.appendChild(g);
    });
    return svg;
  }

  // ---- tables: text filter, scenario filter, sortable headers, pages of PAGE rows, detail rows
  function table(o) {
    var state = {key: o.sortKey || null, dir: o.sortDir || 1, text: '', scenario: '', limit: PAGE};
    var rows = o.rows.map(function (r, i) {
      var text = o.columns.map(function (c) { return r[c.key]; }).join('\u0001');
      if (o.extraText) text += '\u0001' + o.extraText(r);
      return {r: r, i: i, text: text.toLowerCase()};
    });
    var wrap = el('div', {class: 'table-block', id: o.id});
    var controls = el('div', {class: 'controls'});
    if (o.filter !== false) {
      var input = el('input', {type: 'search', placeholder: 'Filter\u2026', 'aria-label': 'Filter ' + o.caption.toLowerCase(), 'data-role': 'filter'});
      input.addEventListener('input', function () { state.text = input.value.toLowerCase(); state.limit = PAGE; render(); });
      controls.appendChild(input);
    }
    if (o.scenarioKey) {
      var names = {};
      o.rows.forEach(function (r) { names[r[o.scenarioKey]] = true; });
      var select = el('select', {'aria-label': 'Scenario of ' + o.caption.toLowerCase(), 'data-role': 'scenario'}, [el('option', {value: ''}, ['All scenarios'])]);
      Object.keys(names).sort().forEach(function (name) { select.appendChild(el('option', {value: name}, [name])); });
      select.addEventListener('change', function () { state.scenario = select.value; state.limit = PAGE; render(); });
      controls.appendChild(select);
    }
    var count = el('span', {class: 'count', 'aria-live': 'polite', 'data-role': 'count'});
    controls.appendChild(count);
    var heads = o.columns.map(function (c) {
      var th = el('th', {scope: 'col', class: c.num ? 'num' : '', 'aria-sort': 'none', 'data-key': c.key});
      var b = el('button', {type: 'button'}, [c.label]);
      b.addEventListener('click', function () {
        if (state.key === c.key) state.dir = -state.dir; else { state.key = c.key; state.dir = c.num ? -1 : 1; }
        render();
      });
      th.appendChild(b);
      return th;
    });
    if (o.detail) heads.unshift(el('th', {scope: 'col'}, [el('span', {class: 'muted'}, ['Detail'])]));
    var tbody = el('tbody');
    var tableEl = el('table', {}, [el('caption', {}, [o.caption]), el('thead', {}, [el('tr', {}, heads)]), tbody]);
    var more = el('button', {type: 'button', class: 'more', 'data-role': 'more'}, ['Show more']);
    more.addEventListener('click', function () { state.limit += PAGE; render(); });
    add(wrap, [controls, el('div', {class: 'tablewrap'}, [tableEl]), more]);

    function render() {
      var list = rows.filter(function (x) {
        return (!state.text || x.text.indexOf(state.text) >= 0) && (!state.scenario || x.r[o.scenarioKey] === state.scenario);
      });
      if (state.key) {
        var col = o.columns.filter(function (c) { return c.key === state.key; })[0];
        list.sort(function (a, b) {
          var x = a.r[state.key], y = b.r[state.key];
          var d = col.num ? x - y : String(x).localeCompare(String(y), 'en');
          return d * state.dir || a.i - b.i;
        });
      }
      heads.forEach(function (th) {
        var k = th.getAttribute('data-key');
        if (k) th.setAttribute('aria-sort', k === state.key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
      });
      var shown = list.slice(0, state.limit), out = [];
      shown.forEach(function (x) {
        var tr = el('tr', {class: 'row'});
        var cells = o.columns.map(function (c) { return el('td', c.num ? {class: 'num'} : {}, [c.fmt ? c.fmt(x.r[c.key], x.r) : x.r[c.key]]); });
        if (o.detail) {
          var btn = el('button', {type: 'button', class: 'toggle', 'aria-expanded': 'false'}, [o.detailLabel(x.r)]);
          cells.unshift(el('td', {}, [btn]));
          var detail = null;
          btn.addEventListener('click', function () {
            if (detail) { detail.remove(); detail = null; btn.setAttribute('aria-expanded', 'false'); return; }
            detail = el('tr', {class: 'detail'}, [el('td', {colspan: String(o.columns.length + 1)}, [o.detail(x.r)])]);
            tr.after(detail);
            btn.setAttribute('aria-expanded', 'true');
          });
        }
        add(tr, cells);
        out.push(tr);
      });
      tbody.replaceChildren.apply(tbody, out);
      count.textContent = (list.length === rows.length ? plural(rows.length, 'row') : n(list.length) + ' of ' + plural(rows.length, 'row') + ' match') +
        (shown.length < list.length ? ', ' + n(shown.length) + ' shown' : '');
      more.hidden = shown.length >= list.length;
      more.textContent = 'Show ' + n(Math.min(PAGE, list.length - shown.length)) + ' more';
    }
    render();
    return wrap;
  }

  function num(key, label, fmt) { return {key: key, label: label, num: true, fmt: fmt || n}; }
  function txt(key, label, fmt) { return {key: key, label: label, fmt: fmt}; }

  function alertEvents(a) {
    var box = el('div', {class: 'events'});
    if (!a.events.length) box.appendChild(el('p', {class: 'muted'}, ['No event detail kept for this alert (report cap).']));
    a.events.forEach(function (e, i) {
      var dl = el('dl', {class: 'meta'});
      e.meta.forEach(function (m) { add(dl, [el('dt', {}, [m[0]]), el('dd', {}, [m[1]])]); });
      box.appendChild(el('h3', {}, ['Event ' + (i + 1) + ' \u00b7 ' + when(e.t)]));
      box.appendChild(dl);
    });
    if (a.events.length < a.events_count) box.appendChild(el('p', {class: 'muted'}, ['The first ' + n(a.events.length) + ' of ' + plural(a.events_count, 'event') + ' are shown.']));
    if (a.message) box.appendChild(el('p', {class: 'muted'}, [a.message]));
    return box;
  }

  function alerts() {
    var rows = D.alerts.map(function (a) {
      return {n: a.n, scenario: a.scenario, source: a.scope + ':' + a.value, cn: a.cn, start: a.start, stop: a.stop, events_count: a.events_count, decisions: a.decisions, simulated: a.simulated, a: a};
    });
    return section('alerts', 'Alerts', [table({
      id: 'alerts-table', caption: 'Alerts and their events', rows: rows, scenarioKey: 'scenario',
      columns: [num('n', '#'), txt('scenario', 'Scenario', function (v, r) { return r.simulated ? add(el('span'), [v, el('span', {class: 'tag'}, ['simulated'])]) : v; }),
        txt('source', 'Source'), txt('cn', 'Country'), txt('start', 'Start', when), txt('stop', 'Stop', when), num('events_count', 'Events'), num('decisions', 'Decisions')],
      extraText: function (r) { return r.a.events.map(function (e) { return e.meta.map(function (m) { return m[1]; }).join('\u0001'); }).join('\u0001'); },
      detail: function (r) { return alertEvents(r.a); },
      detailLabel: function (r) { return 'events (' + n(r.a.events.length) + ')'; },
    })]);
  }

  function tops() {
    var src = D.top_sources, sc = D.top_scenarios;
    var left = el('div', {}, [el('h3', {}, ['Top sources']), bars('top-sources-chart', 'Top sources by alerts', src, function (r) { return r.source; }, function (r) { return r.alerts; }),
      table({id: 'top-sources-table', caption: 'Alerts, events and decisions per source', rows: src, sortKey: 'alerts', sortDir: -1,
        columns: [txt('source', 'Source'), num('alerts', 'Alerts'), num('events', 'Events'), num('scenarios', 'Scenarios'), num('decisions', 'Decisions')]})]);
    var right = el('div', {}, [el('h3', {}, ['Top scenarios']), bars('top-scenarios-chart', 'Top scenarios by alerts', sc, function (r) { return r.scenario; }, function (r) { return r.alerts; }),
      table({id: 'top-scenarios-table', caption: 'Alerts, events and decisions per scenario', rows: sc, sortKey: 'alerts', sortDir: -1,
        columns: [txt('scenario', 'Scenario'), num('alerts', 'Alerts'), num('events', 'Events'), num('sources', 'Sources'), num('decisions', 'Decisions')]})]);
    if (!src.length) return section('top', 'Top sources and scenarios', [el('p', {class: 'muted'}, ['No alert.'])]);
    return section('top', 'Top sources and scenarios', [el('div', {class: 'grid2'}, [left, right])]);
  }

  function decisions() {
    if (!D.decisions.length) return section('decisions', 'Decisions', [el('p', {class: 'muted'}, ['No decision.'])]);
    return section('decisions', 'Decisions', [table({
      id: 'decisions-table', caption: 'Decisions', rows: D.decisions, scenarioKey: 'scenario',
      columns: [txt('type', 'Type', function (v, r) { return r.simulated ? v + ' (simulated)' : v; }), txt('scope', 'Scope'), txt('value', 'Value'), txt('duration', 'Duration'),
        txt('until', 'Until', when), txt('scenario', 'Scenario'), txt('origin', 'Origin')],
    })]);
  }

  function metrics() {
    var kids = [
      table({id: 'inputs-table', caption: 'Inputs', rows: D.inputs, columns: [txt('src', 'Source'), txt('type', 'Type', function (v, r) { return r.type_from ? v + ' (' + r.type_from + ')' : v; }),
        num('lines', 'Lines'), num('bytes', 'Bytes', bytes), num('parsed', 'Parsed'), num('unparsed', 'Unparsed'), num('whitelisted', 'Whitelisted'), num('poured', 'Poured'),
        num('truncated', 'Truncated'), num('invalid_utf8', 'Invalid UTF-8'), txt('error', 'Error', function (v) { return v ? el('span', {class: 'err'}, [v]) : ''; })]}),
      table({id: 'acquisition-table', caption: 'Acquisition metrics', rows: D.acquisition, columns: [txt('source', 'Source'), num('lines_read', 'Lines read'), num('lines_parsed', 'Lines parsed'),
        num('lines_unparsed', 'Lines unparsed'), num('lines_poured', 'Lines poured to bucket')]}),
      table({id: 'parsers-table', caption: 'Parser metrics', rows: D.parsers, columns: [txt('name', 'Parser'), txt('stage', 'Stage'), num('hits', 'Hits'), num('parsed', 'Parsed'), num('unparsed', 'Unparsed')]}),
      table({id: 'buckets-table', caption: 'Scenario metrics', rows: D.buckets, columns: [txt('name', 'Scenario'), num('instantiated', 'Instantiated'), num('poured', 'Poured'),
        num('overflows', 'Overflows'), num('underflows', 'Expired'), num('live', 'Open at end'), num('limited', 'Limited')]}),
    ];
    return section('metrics', 'Inputs and metrics', kids);
  }

  function warnings() {
    if (!D.warnings.length) return null;
    return section('warnings', 'Warnings', [el('ul', {}, D.warnings.map(function (w) { return el('li', {}, [w]); }))]);
  }

  add(app, [summary(), timeline(), tops(), alerts(), decisions(), metrics(), warnings()]);
  document.getElementById('generated').textContent = 'Generated ' + when(D.generated_at) + ' \u00b7 ' + plural(D.summary.lines, 'line') + ' scanned';
  document.documentElement.setAttribute('data-ready', 'true');
  if (window.performance && performance.mark) performance.mark('crowd-report-ready');
})();
`
