// Switchyard routing console. Vanilla JavaScript, no dependencies.
//
// Every value that comes from the gateway (router and model names, upstream
// error messages, arm names) is written as text: el() and svg() set
// textContent and attributes, never innerHTML, so a model name like
// "<img onerror=…>" shows as those characters. The page's
// Content-Security-Policy forbids inline script as a second line.
'use strict';

(function () {
  const KEY = 'switchyard.adminKey';
  const SVGNS = 'http://www.w3.org/2000/svg';
  const TRACE_POLL_MS = 2000;
  const METRICS_POLL_MS = 5000;
  const $ = (id) => document.getElementById(id);

  // el builds an element: attrs are set with setAttribute (class, id,
  // data-*), children are nodes or strings (as text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  const fmtMs = (v) => (v === undefined || v === null) ? '—' : (v < 10 ? v.toFixed(1) : Math.round(v).toString()) + ' ms';
  const fmtUSD = (v) => '$' + (v || 0).toFixed(v >= 1 ? 2 : 6);
  const fmtPct = (v) => (100 * (v || 0)).toFixed(1) + '%';
  const fmtTime = (iso) => { const d = new Date(iso); return isNaN(d) ? String(iso) : d.toLocaleTimeString(); };

  // --- API ----------------------------------------------------------------

  class APIError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // api calls the gateway with the admin key as a bearer token (none on a
  // keyless loopback gateway) and returns the parsed JSON answer.
  async function api(path, body) {
    const headers = { 'Accept': 'application/json' };
    const key = sessionStorage.getItem(KEY);
    if (key) headers['Authorization'] = 'Bearer ' + key;
    const init = { headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      init.method = 'POST';
      headers['Content-Type'] = 'application/json';
      init.body = body;
    }
    const resp = await fetch(path, init);
    let data = null;
    try { data = await resp.json(); } catch (_) { /* not JSON */ }
    if (!resp.ok) {
      const msg = data && data.error && data.error.message ? data.error.message : resp.status + ' ' + resp.statusText;
      throw new APIError(resp.status, msg);
    }
    return data;
  }

  function setStatus(err) {
    const s = $('status');
    if (!err) { s.textContent = 'live'; s.className = 'ok'; return; }
    let msg = err.message;
    if (err.status === 401) msg = 'the gateway needs a key: paste the admin key above (' + err.message + ')';
    if (err.status === 403) msg = 'this key is not an admin key (' + err.message + ')';
    s.textContent = msg;
    s.className = '';
  }

  // --- recent requests ------------------------------------------------------

  let selected = null;
  let shown = null; // the trace ids the table shows, to redraw only on change

  function renderRequests(list) {
    const sig = list.map((t) => t.trace_id).join(' ');
    if (sig === shown) return;
    shown = sig;
    const body = $('requests-body');
    clear(body);
    $('requests-empty').hidden = list.length > 0;
    for (const t of list) {
      const failed = t.status >= 400 || t.error_code;
      const tr = el('tr', { 'data-trace-id': t.trace_id, class: failed ? 'failed' : 'served' },
        el('td', {}, fmtTime(t.time)),
        el('td', {}, t.router || ''),
        el('td', {}, t.target || '—'),
        el('td', { class: 'num' }, t.attempts),
        el('td', { class: t.fallback ? 'warn' : '' }, t.fallback ? 'yes' : '—'),
        el('td', { class: failed ? 'bad' : 'good' }, String(t.status) + (t.error_code ? ' ' + t.error_code : '')),
        el('td', { class: 'num' }, fmtMs(t.duration_ms)),
        el('td', { class: 'num' }, fmtUSD(t.cost_usd)),
        el('td', {}, t.arm || ''));
      if (t.trace_id === selected) tr.classList.add('selected');
      tr.addEventListener('click', () => showTrace(t.trace_id));
      body.appendChild(tr);
    }
  }

  async function pollTraces() {
    try {
      const data = await api('/v1/traces?limit=50');
      renderRequests(data.data || []);
      setStatus(null);
    } catch (err) {
      setStatus(err);
    }
  }

  // --- one trace ------------------------------------------------------------

  async function showTrace(id) {
    selected = id;
    for (const tr of $('requests-body').children) {
      tr.classList.toggle('selected', tr.getAttribute('data-trace-id') === id);
    }
    try {
      renderTrace(await api('/v1/traces/' + encodeURIComponent(id)));
    } catch (err) {
      setStatus(err);
    }
  }

  function renderTrace(rec) {
    $('trace').hidden = false;
    $('trace-id').textContent = rec.trace_id;
    const parts = ['router ' + rec.router, rec.strategy ? '(' + rec.strategy + ')' : '',
      '→ status ' + rec.status, rec.error_code ? rec.error_code : '', rec.target ? 'served by ' + rec.target : '',
      rec.fallback ? '(fallback)' : '', rec.arm ? 'arm ' + rec.arm : '', fmtMs(rec.duration_ms), fmtUSD(rec.cost_usd),
      rec.rerouted_to ? 'rerouted to ' + rec.rerouted_to : '', rec.truncated ? '[truncated]' : ''];
    $('trace-summary').textContent = parts.filter(Boolean).join(' ');
    if (rec.error) $('trace-summary').appendChild(el('div', { class: 'error' }, rec.error));
    renderWaterfall(rec);

    const cands = $('trace-candidates');
    clear(cands);
    for (const c of rec.candidates || []) {
      cands.appendChild(el('li', {}, c.target + (c.via ? ' via ' + c.via : '') + (c.arm ? ' [arm ' + c.arm + ']' : '')));
    }
    const decs = $('trace-decisions');
    clear(decs);
    for (const d of rec.decisions || []) {
      const li = el('li', {}, d.router + ' (' + d.strategy + ')' + (d.route ? ' route ' + d.route : '') + ': ' + (d.order || []).join(' → '));
      if (d.why) li.appendChild(el('div', { class: 'hint' }, d.why));
      for (const s of d.scores || []) {
        li.appendChild(el('div', { class: 'hint' }, s.target + ' score ' + s.score.toFixed(3) + (s.reason ? ' — ' + s.reason : '')));
      }
      decs.appendChild(li);
    }
    const skipped = $('trace-skipped');
    clear(skipped);
    for (const s of rec.skipped || []) skipped.appendChild(el('li', {}, s.target + ': ' + s.reason));
    if (!(rec.skipped || []).length) skipped.appendChild(el('li', { class: 'hint' }, 'none'));
  }

  // renderWaterfall draws each attempt as a bar from its start to its end
  // on the request's time line, green when it answered, red when it failed.
  function renderWaterfall(rec) {
    const box = $('waterfall');
    clear(box);
    const attempts = rec.attempts || [];
    if (!attempts.length) { box.appendChild(el('p', { class: 'hint' }, 'No attempt was made.')); return; }
    const W = 900, labelW = 260, rowH = 22, top = 18;
    const total = Math.max(rec.duration_ms || 0, ...attempts.map((a) => a.start_ms + a.ms), 1);
    const scale = (W - labelW - 10) / total;
    const g = svg('svg', { id: 'waterfall-svg', viewBox: `0 0 ${W} ${top + rowH * attempts.length + 6}`, role: 'img' });
    g.appendChild(svg('text', { x: labelW, y: 12 }, '0'));
    g.appendChild(svg('text', { x: W - 10, y: 12, 'text-anchor': 'end' }, fmtMs(total)));
    attempts.forEach((a, i) => {
      const y = top + i * rowH;
      const ok = a.status >= 200 && a.status < 300 && !a.class;
      g.appendChild(svg('text', { x: 0, y: y + 14, class: 'label' }, (i + 1) + '. ' + a.target));
      const bar = svg('rect', { x: labelW + a.start_ms * scale, y: y + 3, width: Math.max(a.ms * scale, 2), height: rowH - 8,
        class: 'attempt ' + (ok ? 'ok' : 'fail') });
      bar.appendChild(svg('title', {}, a.target + ': ' + a.status + (a.class ? ' ' + a.class : '') + ' in ' + fmtMs(a.ms) +
        (a.reason ? ' — ' + a.reason : '')));
      g.appendChild(bar);
      const note = a.status + (a.class ? ' ' + a.class : '') + ' · ' + fmtMs(a.ms) + (a.retry ? ' · retried' : '');
      const nx = labelW + (a.start_ms + a.ms) * scale + 4;
      g.appendChild(svg('text', { x: Math.min(nx, W - 150), y: y + 14, class: 'attempt-note' }, note));
    });
    box.appendChild(g);
    const reasons = attempts.filter((a) => a.reason);
    if (reasons.length) {
      const ul = el('ul', { class: 'reasons' });
      for (const a of reasons) ul.appendChild(el('li', {}, a.target + ': ' + a.reason));
      box.appendChild(ul);
    }
  }

  // --- charts ---------------------------------------------------------------

  // lineChart draws series over [from, to] on a shared time axis: one
  // polyline and a dot per point (a step without traffic has no point).
  function lineChart(title, points, lines, from, to, opts) {
    const W = 320, H = 120, L = 56, R = 6, T = 8, B = 18;
    const wrap = el('div', { class: 'chart' }, el('div', { class: 'chart-title' }, title));
    const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': title });
    let ymax = opts.ymax || 0;
    for (const p of points) for (const ln of lines) ymax = Math.max(ymax, ln.value(p));
    if (!(ymax > 0)) ymax = 1;
    const x = (t) => L + (W - L - R) * (t - from) / Math.max(to - from, 1);
    const y = (v) => T + (H - T - B) * (1 - v / ymax);
    g.appendChild(svg('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }));
    g.appendChild(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
    g.appendChild(svg('text', { x: L - 3, y: T + 8, 'text-anchor': 'end' }, opts.fmt(ymax)));
    g.appendChild(svg('text', { x: L - 3, y: H - B, 'text-anchor': 'end' }, opts.fmt(0)));
    g.appendChild(svg('text', { x: L, y: H - 4 }, new Date(from).toLocaleTimeString()));
    g.appendChild(svg('text', { x: W - R, y: H - 4, 'text-anchor': 'end' }, new Date(to).toLocaleTimeString()));
    for (const ln of lines) {
      const pts = points.map((p) => `${x(p.ts).toFixed(1)},${y(ln.value(p)).toFixed(1)}`);
      if (pts.length > 1) g.appendChild(svg('polyline', { points: pts.join(' '), class: 's-' + ln.cls }));
      for (const p of points) {
        const dot = svg('circle', { cx: x(p.ts), cy: y(ln.value(p)), r: 2.2, class: 'dot d-' + ln.cls });
        dot.appendChild(svg('title', {}, ln.label + ' ' + opts.fmt(ln.value(p)) + ' at ' + new Date(p.ts).toLocaleTimeString()));
        g.appendChild(dot);
      }
    }
    wrap.appendChild(g);
    return wrap;
  }

  function renderCharts(series, totals) {
    const box = $('charts');
    clear(box);
    const from = Date.parse(series.from), to = Date.parse(series.to);
    $('series-hint').textContent = 'one point per ' + (series.step_seconds / 60) + ' min with traffic, from the metric buckets';
    const names = Object.keys(series.targets || {}).sort();
    $('charts-empty').hidden = names.length > 0;
    for (const name of names) {
      const pts = series.targets[name].map((p) => Object.assign({ ts: Date.parse(p.t) }, p));
      const tot = (totals.targets || {})[name];
      const card = el('div', { class: 'target-card', 'data-target': name }, el('h3', {}, name));
      if (tot) {
        card.appendChild(el('div', { class: 'hint' }, tot.requests + ' attempts · ' + fmtPct(tot.success_rate) + ' ok · p50 ' +
          fmtMs(tot.latency_ms.p50) + ' · p95 ' + fmtMs(tot.latency_ms.p95) + ' · ' + fmtUSD(tot.cost_usd) +
          ' · fallback ' + fmtPct(tot.fallback_rate) + (tot.skips ? ' · ' + tot.skips + ' cooldown skips' : '')));
      }
      const grid = el('div', { class: 'chart-grid' });
      grid.appendChild(lineChart('success rate', pts, [{ cls: 'rate', label: 'success', value: (p) => p.success_rate }],
        from, to, { ymax: 1, fmt: fmtPct }));
      grid.appendChild(lineChart('latency p50 / p95', pts, [
        { cls: 'p50', label: 'p50', value: (p) => p.latency_ms.p50 },
        { cls: 'p95', label: 'p95', value: (p) => p.latency_ms.p95 }], from, to, { fmt: fmtMs }));
      grid.appendChild(lineChart('cost', pts, [{ cls: 'cost', label: 'cost', value: (p) => p.cost_usd }], from, to, { fmt: fmtUSD }));
      grid.appendChild(lineChart('fallback rate', pts, [{ cls: 'fallback', label: 'fallback', value: (p) => p.fallback_rate }],
        from, to, { ymax: 1, fmt: fmtPct }));
      card.appendChild(grid);
      box.appendChild(card);
    }
  }

  // --- A/B arms ---------------------------------------------------------------

  function renderArms(totals) {
    const box = $('arms');
    clear(box);
    const routers = Object.keys(totals.arms || {}).sort();
    $('arms-empty').hidden = routers.length > 0;
    const rows = [
      ['requests', (a) => String(a.requests)],
      ['success rate', (a) => fmtPct(a.success_rate)],
      ['latency p50', (a) => fmtMs(a.latency_ms.p50)],
      ['latency p95', (a) => fmtMs(a.latency_ms.p95)],
      ['cost', (a) => fmtUSD(a.cost_usd)],
      ['fallback rate', (a) => fmtPct(a.fallback_rate)],
    ];
    for (const r of routers) {
      const arms = totals.arms[r];
      const names = Object.keys(arms).sort();
      const table = el('table', { class: 'arms-table', 'data-router': r });
      const head = el('tr', {}, el('th', {}, r));
      for (const n of names) head.appendChild(el('th', { class: 'arm-name' }, n));
      table.appendChild(el('thead', {}, head));
      const tb = el('tbody');
      for (const [label, f] of rows) {
        const tr = el('tr', {}, el('td', {}, label));
        for (const n of names) tr.appendChild(el('td', { class: 'num' }, f(arms[n])));
        tb.appendChild(tr);
      }
      // Success rate as bars, side by side.
      const tr = el('tr', {}, el('td', {}, ''));
      for (const n of names) {
        const b = svg('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'arm-bar' });
        b.appendChild(svg('rect', { x: 0, y: 0, width: 100, height: 10, class: 'track' }));
        b.appendChild(svg('rect', { x: 0, y: 0, width: 100 * (arms[n].success_rate || 0), height: 10, class: 'ok' }));
        tr.appendChild(el('td', {}, b));
      }
      tb.appendChild(tr);
      table.appendChild(tb);
      box.appendChild(table);
    }
  }

  // --- budgets ----------------------------------------------------------------

  function renderBudgets(data) {
    const box = $('budgets');
    clear(box);
    const list = data.data || [];
    $('budgets-empty').hidden = list.length > 0;
    for (const b of list) {
      const row = el('div', { class: 'budget', 'data-budget': b.name },
        el('div', { class: 'name' }, b.name, el('div', { class: 'hint' }, b.scope + ' · per ' + b.period + (b.on_exceed ? ' · ' + b.on_exceed : ''))));
      const bar = svg('svg', { viewBox: '0 0 400 14', preserveAspectRatio: 'none', class: 'budget-bar' });
      bar.appendChild(svg('rect', { x: 0, y: 0, width: 400, height: 14, class: 'track' }));
      let text;
      if (b.per_user) {
        text = 'one counter per user: ' + fmtUSD(b.limit_usd) + ' each';
      } else if (b.unknown) {
        text = 'spend unknown (store unreadable) of ' + fmtUSD(b.limit_usd);
      } else {
        const pct = b.remaining_pct;
        bar.appendChild(svg('rect', { x: 0, y: 0, width: 4 * pct, height: 14, class: pct <= 0 ? 'out' : pct < 20 ? 'low' : 'left' }));
        text = pct.toFixed(1) + '% left · ' + fmtUSD(b.spent_usd) + ' of ' + fmtUSD(b.limit_usd);
      }
      row.appendChild(bar);
      row.appendChild(el('div', { class: 'mono' }, text));
      box.appendChild(row);
    }
  }

  async function pollMetrics() {
    const w = $('window').value;
    try {
      const [totals, series, budgets] = await Promise.all([
        api('/v1/metrics?window=' + encodeURIComponent(w)),
        api('/v1/metrics?window=' + encodeURIComponent(w) + '&view=series'),
        api('/v1/budgets'),
      ]);
      renderCharts(series, totals);
      renderArms(totals);
      renderBudgets(budgets);
    } catch (err) {
      setStatus(err);
    }
  }

  // --- explain ------------------------------------------------------------------

  async function explain(ev) {
    ev.preventDefault();
    const out = $('explain-result');
    clear(out);
    const text = $('explain-body').value;
    try { JSON.parse(text); } catch (e) {
      out.appendChild(el('p', { class: 'error' }, 'not JSON: ' + e.message));
      return;
    }
    let plan;
    try {
      plan = await api('/v1/routing/explain', text);
    } catch (err) {
      out.appendChild(el('p', { class: 'error', id: 'explain-error' }, err.message));
      return;
    }
    out.appendChild(el('p', {}, 'router ' + plan.router + ' (' + plan.strategy + ')' + (plan.route ? ', route ' + plan.route : '')));
    if (plan.budget_outcome) {
      const o = plan.budget_outcome;
      out.appendChild(el('p', { class: 'warn' }, 'budget ' + o.budget + ': ' + o.action + (o.router ? ' to ' + o.router : '') + ' — ' + o.why));
    }
    out.appendChild(el('h3', {}, 'Candidates, in try order'));
    const ol = el('ol', { id: 'plan-candidates' });
    for (const c of plan.candidates || []) {
      ol.appendChild(el('li', { class: 'plan-candidate' }, c.target + (c.via ? ' via ' + c.via : '') + (c.arm ? ' [arm ' + c.arm + ']' : '') +
        (c.estimated_cost_usd !== undefined ? ' · est. ≤ ' + fmtUSD(c.estimated_cost_usd) : '') + (c.cooling_down ? ' · cooling down' : '')));
    }
    out.appendChild(ol);
    if ((plan.decisions || []).length) {
      out.appendChild(el('h3', {}, 'Decisions'));
      const ul = el('ul');
      for (const d of plan.decisions) {
        ul.appendChild(el('li', {}, d.router + ' (' + d.strategy + '): ' + (d.order || []).join(' → ') + (d.why ? ' — ' + d.why : '') +
          ((d.drained || []).length ? ' · drained: ' + d.drained.join(', ') : '')));
      }
      out.appendChild(ul);
    }
    if ((plan.budgets || []).length) {
      out.appendChild(el('h3', {}, 'Budgets'));
      const ul = el('ul');
      for (const b of plan.budgets) ul.appendChild(el('li', {}, b.name + ': ' + b.remaining_pct.toFixed(1) + '% left (' + fmtUSD(b.spent_usd) + ' of ' + fmtUSD(b.limit_usd) + ')'));
      out.appendChild(ul);
    }
    out.appendChild(el('details', {}, el('summary', {}, 'raw plan'), el('pre', {}, JSON.stringify(plan, null, 2))));
  }

  // --- wiring -----------------------------------------------------------------

  function loop(fn, ms) {
    const tick = async () => { await fn(); setTimeout(tick, ms); };
    tick();
  }

  function start() {
    $('key-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const k = $('key').value.trim();
      if (k) sessionStorage.setItem(KEY, k);
      $('key').value = '';
      pollTraces();
      pollMetrics();
    });
    $('key-clear').addEventListener('click', () => { sessionStorage.removeItem(KEY); setStatus(null); });
    $('window').addEventListener('change', pollMetrics);
    $('explain-form').addEventListener('submit', explain);
    loop(pollTraces, TRACE_POLL_MS);
    loop(pollMetrics, METRICS_POLL_MS);
  }

  start();
}());
