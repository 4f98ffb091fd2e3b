// The dashboard shell: login, navigation, time range, URL state, live updates.
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { clear, h } from './dom.js';
import { RELATIVE, resolve } from './time.js';
import * as overview from './views/overview.js';
import * as hosts from './views/hosts.js';
import * as performanceView from './views/performance.js';
import * as traces from './views/traces.js';
import * as agents from './views/agents.js';
import * as alerts from './views/alerts.js';
import * as security from './views/security.js';
import * as dashboards from './views/dashboards.js';
import * as storage from './views/storage.js';
import * as reports from './views/reports.js';

// The views in navigation order.
// live: re-rendered when new data was committed (trace search results stay as searched).
const VIEWS = [
  { id: 'overview', title: 'Overview', module: overview, live: true },
  { id: 'hosts', title: 'Hosts & JVMs', module: hosts, live: true },
  { id: 'performance', title: 'Performance', module: performanceView, live: true },
  { id: 'traces', title: 'Traces', module: traces, live: false },
  { id: 'alerts', title: 'Alerts', module: alerts, live: true },
  { id: 'security', title: 'Security', module: security, live: true },
  { id: 'agents', title: 'Agents', module: agents, live: true },
  { id: 'dashboards', title: 'Dashboards', module: dashboards, live: true },
  { id: 'storage', title: 'Storage', module: storage, live: false },
  { id: 'reports', title: 'Reports', module: reports, live: false },
];
const LIVE_MIN_INTERVAL_MS = 5000;
/** No live re-render within this long after the user touched the page (typing, clicking, selecting). */
const LIVE_QUIET_AFTER_INPUT_MS = 10000;
let lastInteraction = 0;

const $ = (id) => document.getElementById(id);
let user = null;
let rendering = 0;
let lastRender = 0;
let lastBatches = null;
let source = null;

/**
 * The URL hash holds the view, an optional item of it and its parameters: #/traces?range=1h&service=doorbell,
 * #reports/12 (the links in notifications).
 */
function state() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, qs] = hash.split('?');
  const params = Object.fromEntries(new URLSearchParams(qs || ''));
  const slash = path.indexOf('/');
  const viewId = slash < 0 ? path : path.slice(0, slash);
  const view = VIEWS.find((v) => v.id === viewId) || VIEWS[0];
  const sub = slash < 0 || view.id !== viewId ? '' : decodeURIComponent(path.slice(slash + 1));
  let range = { rel: '1h' };
  if (params.from && params.to && Number(params.to) > Number(params.from)) range = { from: Number(params.from), to: Number(params.to) };
  else if (params.range && RELATIVE[params.range]) range = { rel: params.range };
  return { view, params, range, sub };
}

function go(view, params, sub) {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ''));
  const next = `#/${view}${sub ? `/${encodeURIComponent(sub)}` : ''}?${new URLSearchParams(clean)}`;
  if (next === location.hash) render(); else location.hash = next;
}

function setParams(changes) {
  const s = state();
  go(s.view.id, { ...s.params, ...changes }, s.sub);
}

function zoom(fromSec, toSec) {
  const s = state();
  const p = { ...s.params, from: String(Math.floor(fromSec * 1000)), to: String(Math.ceil(toSec * 1000)) };
  delete p.range;
  go(s.view.id, p, s.sub);
}

function renderNav(current) {
  const nav = clear($('nav'));
  const s = state();
  const keep = {};
  for (const k of ['range', 'from', 'to']) if (s.params[k]) keep[k] = s.params[k];
  for (const v of VIEWS) {
    const a = h('a', { href: `#/${v.id}?${new URLSearchParams(keep)}`, id: `nav-${v.id}` }, v.title);
    if (v.id === current) a.setAttribute('aria-current', 'page');
    nav.appendChild(h('li', null, a));
  }
}

function renderRange(range) {
  const sel = $('range-select');
  const abs = $('range-abs');
  if (range.rel) {
    sel.value = range.rel;
    abs.hidden = true;
  } else {
    sel.value = 'abs';
    abs.hidden = false;
    $('range-from').value = localInput(range.from);
    $('range-to').value = localInput(range.to);
  }
}

function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}

async function render() {
  if (!user) return;
  const mine = ++rendering;
  const s = state();
  renderNav(s.view.id);
  renderRange(s.range);
  document.title = `${s.view.title} · Peephole`;
  const ctx = {
    params: s.params,
    path: s.sub,
    range: s.range,
    span: resolve(s.range),
    user,
    zoom,
    set: setParams,
  };
  const target = $('view');
  target.setAttribute('aria-busy', 'true');
  try {
    const node = await s.view.module.render(ctx);
    if (mine !== rendering) return;
    node.id = `view-${s.view.id}`;
    node.classList.add('view');
    clear(target).appendChild(node);
    target.dataset.view = s.view.id;
    target.dataset.rendered = String(Date.now());
    target.dataset.renderedAt = performance.now().toFixed(0); // ms since navigation start
  } catch (e) {
    if (mine !== rendering) return;
    clear(target).appendChild(h('p', { class: 'error', role: 'alert' }, e.message));
  } finally {
    if (mine === rendering) target.removeAttribute('aria-busy');
    lastRender = Date.now();
  }
}

/** Live updates: the server's ticks say when new data was committed; relative ranges refresh. */
function startLive() {
  if (source) source.close();
  source = new EventSource('/api/v1/live');
  source.addEventListener('tick', (e) => {
    const t = JSON.parse(e.data);
    const live = $('live');
    // open streams on this collector (an agent whose heartbeats stopped keeps its stream a while:
    // the Overview's "Agents connected" counts only agents with heartbeats arriving)
    live.textContent = `Live · ${t.agentsConnected} agent stream${t.agentsConnected === 1 ? '' : 's'} open · updated ${new Date(t.time).toLocaleTimeString()}`;
    live.dataset.ticks = String(Number(live.dataset.ticks || 0) + 1);
    const changed = lastBatches !== null && t.batchesCommitted !== lastBatches;
    lastBatches = t.batchesCommitted;
    const s = state();
    const interacting = (document.activeElement && ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName))
      || Date.now() - lastInteraction < LIVE_QUIET_AFTER_INPUT_MS
      || document.querySelector('#view [data-keep-open]') !== null; // an open form (a new silence) stays
    if (changed && s.view.live && s.range.rel && !interacting && Date.now() - lastRender > LIVE_MIN_INTERVAL_MS
        && !$('view').hasAttribute('aria-busy')) {
      render();
    }
  });
}

function showLogin(message) {
  user = null;
  setCsrf(null);
  if (source) { source.close(); source = null; }
  $('top').hidden = true;
  clear($('view'));
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-user').focus();
}

function loggedIn(session) {
  user = { username: session.username, role: session.role };
  setCsrf(session.csrfToken);
  $('login').hidden = true;
  $('top').hidden = false;
  $('who').textContent = `${session.username} (${session.role})`;
  document.body.dataset.role = session.role;
  startLive();
  render();
}

function applyTheme(theme) {
  const dark = theme === 'dark' || (!theme && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  $('theme').textContent = dark ? 'Light' : 'Dark';
  $('theme').setAttribute('aria-label', dark ? 'Switch to the light theme' : 'Switch to the dark theme');
}

function init() {
  // The live stream holds one of the browser's six connections to the collector: a page left
  // (reload, another address) closes it at once rather than leaving it to the page's teardown.
  window.addEventListener('pagehide', () => { if (source) { source.close(); source = null; } });
  window.addEventListener('pageshow', (e) => { if (e.persisted && user) startLive(); });
  for (const type of ['pointerdown', 'keydown', 'input']) {
    document.addEventListener(type, () => { lastInteraction = Date.now(); }, { capture: true, passive: true });
  }
  applyTheme(localStorage.getItem('peephole.theme'));
  $('theme').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('peephole.theme', next);
    applyTheme(next);
    render();
  });
  setUnauthorizedHandler(() => showLogin('Your session has ended; log in again.'));
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    try {
      const r = await api('/api/v1/session', { method: 'POST', noRedirect: true,
        json: { username: $('login-user').value, password: $('login-password').value } });
      $('login-password').value = '';
      loggedIn(r.data);
    } catch (err) {
      $('login-error').textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
    }
  });
  $('logout').addEventListener('click', async () => {
    try { await api('/api/v1/session', { method: 'DELETE', noRedirect: true }); } catch (e) { /* gone already */ }
    showLogin('Logged out.');
  });
  $('range-select').addEventListener('change', () => {
    const v = $('range-select').value;
    if (v === 'abs') {
      $('range-abs').hidden = false;
      const { start, end } = resolve(state().range);
      $('range-from').value = localInput(start * 1000);
      $('range-to').value = localInput(end * 1000);
      return;
    }
    setParams({ range: v, from: null, to: null });
  });
  $('range').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = new Date($('range-from').value).getTime();
    const to = new Date($('range-to').value).getTime();
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) setParams({ from: String(from), to: String(to), range: null });
  });
  window.addEventListener('hashchange', render);
  api('/api/v1/session', { noRedirect: true }).then((r) => loggedIn(r.data)).catch(() => showLogin(''));
}

init();
