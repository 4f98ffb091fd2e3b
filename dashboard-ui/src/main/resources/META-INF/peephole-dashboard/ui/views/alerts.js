// Alerts: pending and firing alerts (admins acknowledge and silence them), silences, the alert
// history of the range, and the rules with their state, health and last error.
import { api } from '../api.js';
import { h, table, uid } from '../dom.js';
import { fmtValue } from '../time.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
// An alert's value comes as Prometheus writes it ("1.0112311704902326e+00"): shown as the charts
// show values (fmtValue), exactly in the tooltip; "+Inf", "NaN" and the like as they are.
const shortValue = (v) => {
  const n = Number(v);
  return v === null || v === undefined || v === '' || !Number.isFinite(n) ? String(v ?? '') : fmtValue(n);
};
const valueCell = (v) => h('span', { title: v ?? '' }, shortValue(v));
const pairs = (m) => Object.entries(m || {}).map(([k, v]) => `${k}="${v}"`).join(', ');

/** One matcher a line: name="value" (also !=, =~, !~); values in JSON's string escapes. */
export function parseMatchers(text) {
  const out = [];
  const re = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*,?\s*$/;
  for (const line of String(text || '').split('\n')) {
    if (!line.trim()) continue;
    const m = re.exec(line);
    if (!m) throw new Error(`not a matcher: ${line.trim()} (name="value" expected)`);
    let value;
    try { value = JSON.parse(m[3]); } catch (e) { throw new Error(`bad quoting in: ${line.trim()}`); }
    out.push({ name: m[1], value, isRegex: m[2].includes('~'), isEqual: !m[2].startsWith('!') });
  }
  if (!out.length) throw new Error('a silence needs at least one matcher');
  return out;
}

export function matchersText(labels) {
  return Object.entries(labels || {}).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`).join('\n');
}

/** "90m", "2h", "1d", "1h30m" -> milliseconds (null if not a duration). */
export function durationMs(text) {
  const s = String(text || '').trim();
  if (!/^(\d+[smhdw])+$/.test(s)) return null;
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };
  let ms = 0;
  for (const [, n, u] of s.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * unit[u];
  return ms > 0 ? ms : null;
}

function field(label, input) {
  const id = input.id || uid('f');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

function silenceForm(labels, done) {
  const matchers = h('textarea', { id: 'silence-matchers', rows: Math.max(2, Object.keys(labels).length), cols: 50 });
  matchers.value = matchersText(labels);
  const duration = h('input', { id: 'silence-duration', value: '2h', size: 8 });
  const endsAt = h('input', { id: 'silence-end', type: 'datetime-local', step: 1 });
  const comment = h('input', { id: 'silence-comment', size: 40, required: true });
  const msg = h('p', { class: 'error', id: 'silence-error', role: 'alert' });
  const form = h('form', { class: 'search silence-form', id: 'silence-form', 'aria-label': 'New silence', dataset: { keepOpen: '1' } },
    field('Matchers (one a line: name="value")', matchers), field('Duration', duration), field('or ends at', endsAt),
    field('Comment', comment), h('button', { type: 'submit', id: 'silence-submit' }, 'Create silence'),
    h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try {
      const list = parseMatchers(matchers.value);
      let end;
      if (endsAt.value) end = new Date(endsAt.value).getTime();
      else {
        const ms = durationMs(duration.value);
        if (ms === null) throw new Error('duration: e.g. 30m, 2h or 1d');
        end = Date.now() + ms;
      }
      if (!Number.isFinite(end)) throw new Error('the end time is not valid');
      await api('/api/v1/silences', { method: 'POST', json: { matchers: list, endsAt: new Date(end).toISOString(), comment: comment.value } });
      done();
    } catch (err) {
      msg.textContent = err.message;
    }
  });
  return form;
}

export async function render(ctx) {
  const admin = ctx.user.role === 'admin';
  const { start, end } = ctx.span;
  const root = h('section', { 'aria-labelledby': 'alerts-title' }, h('h1', { id: 'alerts-title' }, 'Alerts'));
  const rerender = () => ctx.set({ t: String(Date.now()) });
  const [alerts, silences, history, rules] = await Promise.all([
    api('/api/v1/alerts'),
    api('/api/v1/silences'),
    api(`/api/v1/alerts/history?start=${start}&end=${end}&limit=500`),
    api('/api/v1/rules'),
  ]);

  // ---- active alerts
  // empty lists may be left out of the JSON
  const active = ((alerts.data && alerts.data.alerts) || []).slice().sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
  const formSlot = h('div', { id: 'silence-slot' });
  const firing = active.filter((a) => a.state === 'firing').length;
  root.appendChild(h('h2', null, `Active alerts: ${firing} firing, ${active.length - firing} pending`));
  const actions = (a) => {
    if (!admin) return '';
    const msg = h('span', { class: 'msg', role: 'status' });
    // an alert without an id is not stored yet (it was met between its evaluation and its write)
    const ack = a.acknowledgedBy || !a.id ? null : h('button', { type: 'button', class: 'ack', dataset: { id: String(a.id) } }, 'Acknowledge');
    if (ack) {
      ack.addEventListener('click', async () => {
        try { await api(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, { method: 'POST' }); rerender(); } catch (err) { msg.textContent = err.message; }
      });
    }
    const silence = h('button', { type: 'button', class: 'silence', dataset: { id: String(a.id || '') } }, 'Silence');
    silence.addEventListener('click', () => {
      formSlot.replaceChildren(h('h3', null, `Silence ${a.labels.alertname || ''}`), silenceForm(a.labels, rerender));
      document.getElementById('silence-comment').focus();
    });
    return h('span', { class: 'actions' }, ack, silence, msg);
  };
  const rows = active.map((a) => [a.labels.alertname || '', h('span', { class: `alert-${a.state}` }, a.state), pairs(a.labels),
    pairs(a.annotations), when(a.firedAt || a.activeAt), valueCell(a.value), a.acknowledgedBy ? `${a.acknowledgedBy} ${when(a.acknowledgedAt)}` : '', actions(a)]);
  if (rows.length) {
    const t = table(null, ['Alert', 'State', 'Labels', 'Annotations', 'Since', 'Value', 'Acknowledged by', admin ? 'Actions' : ''],
      rows, { class: 'ops', id: 'alerts-table' });
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      tr.dataset.alertname = active[i].labels.alertname || '';
      if (active[i].id) tr.dataset.id = String(active[i].id);
    });
    root.appendChild(t);
  } else {
    root.appendChild(h('p', { class: 'empty', id: 'alerts-table' }, 'No alert is pending or firing.'));
  }
  root.appendChild(formSlot);

  // ---- silences
  root.appendChild(h('h2', null, 'Silences'));
  const sil = (silences.data || []).slice().sort((a, b) => (a.status.state === 'expired') - (b.status.state === 'expired'));
  const silRows = sil.map((s) => {
    let expire = '';
    if (admin && (s.status || {}).state !== 'expired') {
      expire = h('button', { type: 'button', class: 'expire', dataset: { id: s.id } }, 'Expire');
      expire.addEventListener('click', async () => {
        try { await api(`/api/v1/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' }); rerender(); } catch (err) { expire.textContent = err.message; }
      });
    }
    const m = (s.matchers || []).map((x) => `${x.name}${x.isEqual === false ? (x.isRegex ? '!~' : '!=') : (x.isRegex ? '=~' : '=')}${JSON.stringify(x.value)}`).join(', ');
    return [m, (s.status || {}).state, when(s.startsAt), when(s.endsAt), s.createdBy, s.comment, expire];
  });
  root.appendChild(silRows.length
    ? table(null, ['Matchers', 'State', 'Starts', 'Ends', 'Created by', 'Comment', admin ? 'Actions' : ''], silRows, { class: 'ops', id: 'silences-table' })
    : h('p', { class: 'empty', id: 'silences-table' }, 'No silences.'));

  // ---- history
  root.appendChild(h('h2', null, 'History of the range'));
  const eps = history.data || [];
  const histRows = eps.map((e) => [e.alertname, pairs(e.labels), e.state, when(e.activeAt), when(e.firedAt), when(e.resolvedAt),
    e.acknowledgedBy || '',
    h('ol', { class: 'transitions' }, (e.events || []).map((ev) => h('li', null,
      `${when(ev.at)}: ${ev.from ? `${ev.from} → ` : ''}${ev.to}${ev.actor ? ` by ${ev.actor}` : ''}${ev.value !== null && ev.value !== undefined ? ` (value ${shortValue(ev.value)})` : ''}`)))]);
  root.appendChild(histRows.length
    ? table(null, ['Alert', 'Labels', 'State', 'Active at', 'Fired at', 'Resolved at', 'Acknowledged by', 'Transitions'], histRows, { class: 'ops', id: 'history-table' })
    : h('p', { class: 'empty', id: 'history-table' }, 'No alert episodes in this range.'));

  // ---- rules
  root.appendChild(h('h2', null, 'Rules'));
  // loadErrors: {source: message} of rule files that do not load (their previous rules stay)
  for (const [source, message] of Object.entries((rules.data && rules.data.loadErrors) || {})) {
    root.appendChild(h('p', { class: 'error rule-load-error' }, `${source}: ${message}`));
  }
  const ruleRows = [];
  for (const g of (rules.data && rules.data.groups) || []) {
    for (const r of g.rules || []) {
      ruleRows.push([r.name, g.name, r.type, r.state || '', h('span', { class: `health-${r.health}` }, r.health || ''),
        r.lastEvaluation && !r.lastEvaluation.startsWith('0001') ? when(r.lastEvaluation) : 'never', r.lastError || '', r.source || '']);
    }
  }
  root.appendChild(ruleRows.length
    ? table(null, ['Rule', 'Group', 'Type', 'State', 'Health', 'Last evaluation', 'Last error', 'Source'], ruleRows, { class: 'ops', id: 'rules-table' })
    : h('p', { class: 'empty', id: 'rules-table' }, 'No rules.'));
  return root;
}
