// Sira Session dashboard: a static page over the authenticated HTTP API (same keys, same tenant scoping).
// The key is kept in sessionStorage only; every call sends it as a bearer token.
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') n.className = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return n;
};
let key = sessionStorage.getItem('sira-key') ?? '';

function showError(err) {
  const box = $('#error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : `${err.code ?? 'error'}: ${err.message}`;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const e = new Error(data?.detail ?? data?.title ?? res.statusText);
    e.code = data?.code ?? `HTTP ${res.status}`;
    throw e;
  }
  return data;
}
const guarded = (fn) => async (...args) => {
  try {
    showError(undefined);
    await fn(...args);
  } catch (err) {
    showError(err);
  }
};
const textOf = (content) => (typeof content === 'string' ? content : content.map((p) => p.text ?? (p.type === 'tool_call' ? `→ ${p.name}(${p.arguments})` : p.type === 'tool_result' ? `← ${p.content}` : `[${p.type}${p.mime ? ' ' + p.mime : ''}]`)).join(' '));

// ---- tabs
const tabs = {};
for (const b of document.querySelectorAll('#tabs button')) {
  b.addEventListener('click', () => {
    for (const o of document.querySelectorAll('#tabs button')) o.classList.toggle('active', o === b);
    for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== b.dataset.tab;
    tabs[b.dataset.tab]?.();
  });
}

// ---- sessions and turns
let cursor = null;
const loadSessions = guarded(async (more = false) => {
  const list = $('#session-list');
  if (!more) list.replaceChildren();
  const page = await api('GET', `/v1/sessions?limit=50${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  cursor = page.next_cursor ?? null;
  $('#more-sessions').hidden = cursor === null;
  for (const s of page.sessions) {
    list.append(el('li', { 'data-id': s.id, onclick: () => openSession(s.id) }, el('strong', {}, s.id), el('span', { class: 'muted' }, ` · ${s.turn_count} turns${s.user_id ? ' · ' + s.user_id : ''}`)));
  }
});
const openSession = guarded(async (id) => {
  for (const li of document.querySelectorAll('#session-list li')) li.classList.toggle('active', li.dataset.id === id);
  const [s, page] = await Promise.all([api('GET', `/v1/sessions/${encodeURIComponent(id)}`), api('GET', `/v1/sessions/${encodeURIComponent(id)}/turns?last=50`)]);
  $('#session-title').textContent = `Turns of ${id}`;
  $('#session-info').textContent = `${s.turn_count} turns · created ${s.created_at} · expires ${s.expires_at ?? 'never'}${s.user_id ? ' · user ' + s.user_id : ''}`;
  $('#turn-list').replaceChildren(...page.turns.map((t) => el('li', { value: t.seq }, el('span', { class: 'role' }, t.role + (t.name ? ` (${t.name})` : '')), textOf(t.content))));
  $('#ctx-session').value = id;
  $('#ev-session').value = id;
});
$('#refresh-sessions').addEventListener('click', () => loadSessions());
$('#more-sessions').addEventListener('click', () => loadSessions(true));

// ---- context: every candidate's score components as a heatmap, with the reasons
$('#context-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  const id = $('#ctx-session').value.trim();
  const r = await api('POST', `/v1/sessions/${encodeURIComponent(id)}/context`, { query: $('#ctx-query').value, budget_tokens: Number($('#ctx-budget').value), explain: true });
  const rows = [...r.selected.map((c) => ({ ...c, chosen: true })), ...(r.dropped ?? []).map((c) => ({ ...c, chosen: false }))].sort((a, b) => b.score - a.score);
  const turns = new Map();
  const page = await api('GET', `/v1/sessions/${encodeURIComponent(id)}/turns?last=500`);
  for (const t of page.turns) turns.set(t.seq, textOf(t.content));
  const names = [...new Set(rows.flatMap((c) => Object.keys(c.components ?? {})))];
  const max = Object.fromEntries(names.map((n) => [n, Math.max(1e-9, ...rows.map((c) => Math.abs(c.components?.[n] ?? 0)))]));
  $('#ctx-usage').textContent = `strategy ${r.strategy} · ${r.usage.used} of ${r.usage.budget} tokens · ${r.selected.length} selected of ${r.usage.candidates} candidates${r.expansion?.length ? ' · expansion: ' + r.expansion.join(', ') : ''}`;
  $('#ctx-table thead').replaceChildren(el('tr', {}, el('th', {}, 'seq'), el('th', {}, 'score'), ...names.map((n) => el('th', {}, n)), el('th', {}, 'tokens'), el('th', {}, 'reason'), el('th', {}, 'text')));
  $('#ctx-table tbody').replaceChildren(
    ...rows.map((c) =>
      el('tr', { class: c.chosen ? 'selected' : 'dropped', 'data-seq': c.seq },
        el('td', { class: 'num' }, c.seq),
        el('td', { class: 'num' }, c.score.toFixed(3)),
        ...names.map((n) => {
          const v = c.components?.[n] ?? 0;
          const cell = el('td', { class: 'num', title: `${n} = ${v}` }, v.toFixed(2));
          cell.style.background = `rgba(59,111,216,${(0.85 * Math.abs(v)) / max[n]})`;
          return cell;
        }),
        el('td', { class: 'num' }, c.tokens ?? ''),
        el('td', {}, c.reason),
        el('td', { class: 'text', title: turns.get(c.seq) ?? '' }, turns.get(c.seq) ?? ''),
      ),
    ),
  );
}));

// ---- events, live (fetch streaming: EventSource cannot send the bearer key)
let follow;
$('#events-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  follow?.abort();
  follow = new AbortController();
  const id = $('#ev-session').value.trim();
  const list = $('#event-list');
  list.replaceChildren();
  const res = await fetch(`/v1/sessions/${encodeURIComponent(id)}/events`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', 'last-event-id': '0' }, signal: follow.signal });
  if (!res.ok) throw Object.assign(new Error((await res.json()).detail), { code: `HTTP ${res.status}` });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const data = buf.slice(0, i).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        buf = buf.slice(i + 2);
        if (data === '') continue;
        const e = JSON.parse(data);
        list.prepend(el('li', { 'data-type': e.type }, el('span', { class: 'role' }, `#${e.id}`), `${e.type} `, el('span', { class: 'muted' }, JSON.stringify(e.data))));
      }
    }
  })();
}));
$('#ev-stop').addEventListener('click', () => follow?.abort());

// ---- workspaces
tabs.workspaces = guarded(async () => {
  const page = await api('GET', '/v1/workspaces?limit=100');
  $('#ws-list').replaceChildren(...page.workspaces.map((w) => el('li', { onclick: guarded(async () => {
    const [members, state] = await Promise.all([api('GET', `/v1/workspaces/${encodeURIComponent(w.id)}/members`), api('GET', `/v1/workspaces/${encodeURIComponent(w.id)}/state`)]);
    $('#ws-title').textContent = `Workspace ${w.id}`;
    $('#ws-detail').textContent = JSON.stringify({ members: members.members, state }, null, 2);
  }) }, w.id)));
});

// ---- profiles
$('#profile-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  const p = await api('GET', `/v1/users/${encodeURIComponent($('#profile-user').value.trim())}/profile`);
  $('#profile-table').setAttribute('data-done', 'true');
  $('#profile-table tbody').replaceChildren(...(p.entries ?? []).map((e) => el('tr', {}, el('td', {}, e.slot), el('td', {}, JSON.stringify(e.value)), el('td', {}, e.polarity ?? ''), el('td', { class: 'num' }, (e.confidence ?? 0).toFixed(2)), el('td', { class: 'text' }, (e.evidence ?? []).map((x) => x.quote ?? x.text ?? '').join(' | ')))));
}));

// ---- experiences
$('#exp-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  const r = await api('POST', '/v1/experiences/search', { task: $('#exp-task').value, k: 10 });
  $('#exp-list').setAttribute('data-done', 'true');
  $('#exp-list').replaceChildren(...(r.results ?? r.experiences ?? []).map((x) => el('li', {}, el('strong', {}, (x.experience?.task ?? x.task ?? x.id) + ' '), el('span', { class: 'muted' }, `score ${Number(x.score ?? 0).toFixed(3)} · ${x.experience?.outcome ?? x.outcome ?? ''}`))));
}));

// ---- metrics: request rate and latency quantiles from the Prometheus histogram
const history = [];
let timer;
function parseProm(text) {
  const buckets = new Map();
  const counts = new Map();
  for (const line of text.split('\n')) {
    const m = /^sira_http_request_duration_seconds_(bucket|count)\{([^}]*)\} ([0-9.e+-]+)/.exec(line);
    if (m === null) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.route === '/metrics') continue;
    const route = `${labels.method} ${labels.route}`;
    if (m[1] === 'count') counts.set(route, (counts.get(route) ?? 0) + Number(m[3]));
    else {
      const b = buckets.get(route) ?? new Map();
      b.set(labels.le, (b.get(labels.le) ?? 0) + Number(m[3]));
      buckets.set(route, b);
    }
  }
  return { buckets, counts };
}
function quantile(bucketMap, q) {
  const entries = [...bucketMap.entries()].map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n]).sort((a, b) => a[0] - b[0]);
  const total = entries.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  for (const [le, n] of entries) if (n >= q * total) return Number.isFinite(le) ? le * 1000 : entries.at(-2)?.[0] * 1000;
  return 0;
}
function merged(buckets) {
  const all = new Map();
  for (const b of buckets.values()) for (const [le, n] of b) all.set(le, (all.get(le) ?? 0) + n);
  return all;
}
function line(svg, series, colors) {
  const max = Math.max(1e-9, ...series.flat());
  const n = Math.max(2, ...series.map((s) => s.length));
  svg.replaceChildren();
  series.forEach((s, k) => {
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    p.setAttribute('points', s.map((v, i) => `${(i / (n - 1)) * 390 + 5},${135 - (v / max) * 125}`).join(' '));
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', colors[k]);
    p.setAttribute('stroke-width', '2');
    svg.append(p);
  });
  const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  label.setAttribute('x', '5');
  label.setAttribute('y', '12');
  label.setAttribute('font-size', '11');
  label.textContent = `max ${max.toFixed(2)}`;
  svg.append(label);
  svg.dataset.samples = String(Math.max(0, ...series.map((s) => s.length)));
}
const sample = guarded(async () => {
  const res = await fetch('/metrics', { headers: { authorization: `Bearer ${key}` } });
  const { buckets, counts } = parseProm(await res.text());
  const now = performance.now();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const prev = history.at(-1);
  const all = merged(buckets);
  let p50 = quantile(all, 0.5);
  let p99 = quantile(all, 0.99);
  if (prev !== undefined) {
    // Quantiles of the last interval only: bucket deltas.
    const delta = new Map([...all].map(([le, n]) => [le, n - (prev.all.get(le) ?? 0)]));
    if ([...delta.values()].some((n) => n > 0)) {
      p50 = quantile(delta, 0.5);
      p99 = quantile(delta, 0.99);
    }
  }
  history.push({ at: now, total, all, rps: prev === undefined ? 0 : ((total - prev.total) * 1000) / (now - prev.at), p50, p99 });
  if (history.length > 60) history.shift();
  line($('#chart-rps'), [history.map((h) => h.rps)], ['#3b6fd8']);
  line($('#chart-lat'), [history.map((h) => h.p50), history.map((h) => h.p99)], ['#2e9e5b', '#d8563b']);
  $('#route-table tbody').replaceChildren(...[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([route, n]) => el('tr', { 'data-route': route }, el('td', {}, route), el('td', { class: 'num' }, n), el('td', { class: 'num' }, quantile(buckets.get(route), 0.5).toFixed(1)), el('td', { class: 'num' }, quantile(buckets.get(route), 0.99).toFixed(1)))));
});
tabs.metrics = () => {
  clearInterval(timer);
  sample();
  timer = setInterval(() => ($('#metrics').hidden ? clearInterval(timer) : sample()), 2000);
};

// ---- login
$('#login').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  key = $('#key').value.trim();
  sessionStorage.setItem('sira-key', key);
  await connect();
}));
async function connect() {
  await api('GET', '/v1/sessions?limit=1');
  $('#who').textContent = 'connected';
  document.body.dataset.connected = 'true';
  await loadSessions();
}
if (key !== '') guarded(connect)();
