// Reports: the stored reports newest first (period, range, generated, delivery, highlights); one
// opened (#reports/{id}) shows the collector's rendered HTML in a sandboxed iframe with its CSV.
// Admins generate one now and manage the schedules (/api/v1/report-schedules); viewers only read.
// Names, addresses and errors come from users and the API: text nodes only.
import { api } from '../api.js';
import { h, table } from '../dom.js';

const LIST_LIMIT = 100;
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const OUTCOMES = { delivered: 'delivered', failed: 'failed', not_sent: 'not sent' };

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const link = (id) => `#reports/${encodeURIComponent(id)}`;

/** The schedule being edited ({} for a new one) with the values typed so far, kept across re-renders. */
let editing = null;

export async function render(ctx) {
  const admin = ctx.user.role === 'admin';
  const root = h('section', { 'aria-labelledby': 'reports-title' }, h('h1', { id: 'reports-title' }, 'Reports'));
  const id = ctx.path || ctx.params.id;
  const [list, open, schedules] = await Promise.all([
    api(`/api/v1/reports?limit=${LIST_LIMIT}`).then((r) => r.data || []),
    id ? api(`/api/v1/reports/${encodeURIComponent(id)}`).then((r) => r.data, (err) => ({ missing: err.message })) : null,
    admin ? api('/api/v1/report-schedules').then((r) => r.data || []) : null,
  ]);
  if (admin) root.appendChild(generateForm());
  if (open && open.missing) root.appendChild(h('p', { class: 'error', role: 'alert', id: 'report-missing' }, `Report ${id}: ${open.missing}`));
  else if (open) root.appendChild(detail(open));
  root.appendChild(list.length
    ? table('Stored reports (newest first)', ['Report', 'Range', 'Generated', 'Delivery', 'Highlights'],
      list.map((r) => row(r, open && r.id === open.id)), { id: 'reports-table', class: 'wide-table' })
    : h('p', { class: 'empty', id: 'reports-empty' }, 'No report yet.'));
  if (admin) root.appendChild(schedulesPart(schedules, ctx));
  return root;
}

function period(r) {
  return `${r.period === 'weekly' ? 'Weekly' : 'Daily'}${r.scheduleName ? ` · ${r.scheduleName}` : ' · on demand'}`;
}

function row(r, isOpen) {
  const a = h('a', { href: link(r.id), class: 'report-link', dataset: { id: String(r.id) } }, `#${r.id} ${period(r)}`);
  if (isOpen) a.setAttribute('aria-current', 'true');
  return [a, `${when(r.start)} – ${when(r.end)}`, when(r.generatedAt), delivery(r.delivery), highlights(r.highlights)];
}

function delivery(d) {
  if (!d) return '—';
  return h('span', { class: `delivery delivery-${d.outcome}` },
    OUTCOMES[d.outcome] || d.outcome,
    d.to && d.to.length ? ` to ${d.to.join(', ')}` : null,
    d.error ? h('span', { class: 'delivery-error' }, `: ${d.error}`) : null);
}

function highlights(x) {
  if (!x) return '—';
  const rec = x.recognitions || {};
  const n = (v) => (v === null || v === undefined ? 'no data' : String(v));
  return h('span', { class: 'highlights' },
    `frames ${n(x.frames)} · known ${n(rec.known)} · unknown ${n(rec.unknown)} · blacklisted ${n(rec.blacklisted)}`
    + ` · alerts fired ${n(x.alertsFired)}`);
}

function detail(r) {
  const base = `/api/v1/reports/${encodeURIComponent(r.id)}`;
  return h('article', { id: 'report-open', class: 'report-open', 'aria-labelledby': 'report-open-title', dataset: { id: String(r.id) } },
    h('div', { class: 'toolbar' },
      h('h2', { id: 'report-open-title' }, `Report #${r.id}: ${period(r)}, ${when(r.start)} – ${when(r.end)}`),
      h('a', { href: `${base}/csv`, download: `report-${r.id}.csv`, id: 'report-csv', class: 'button' }, 'Download CSV'),
      h('a', { href: `${base}/html`, target: '_blank', rel: 'noopener', id: 'report-html', class: 'button' }, 'Open alone'),
      h('a', { href: '#/reports', id: 'report-close', class: 'button' }, 'Close')),
    h('p', { class: 'meta' }, 'Generated ', when(r.generatedAt), ' · delivery: ', delivery(r.delivery)),
    // no scripts run in the frame; same origin only so that its chart images go with the session cookie
    h('iframe', { id: 'report-frame', class: 'report-frame', title: `Report #${r.id}`, src: `${base}/html`,
      sandbox: 'allow-same-origin', referrerpolicy: 'no-referrer' }));
}

function generateForm() {
  const sel = h('select', { id: 'generate-period', 'aria-label': 'Period of the report' },
    h('option', { value: 'daily' }, 'Daily (last 24 h)'), h('option', { value: 'weekly' }, 'Weekly (last 7 days)'));
  const btn = h('button', { type: 'submit', id: 'generate-submit' }, 'Generate now');
  const msg = h('p', { class: 'error', role: 'alert', id: 'generate-error' });
  const form = h('form', { id: 'generate-form', class: 'toolbar', 'aria-label': 'Generate a report' }, sel, btn, msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    msg.textContent = '';
    const status = h('span', { class: 'meta', role: 'status', id: 'generate-status' }, 'Generating…');
    form.appendChild(status);
    try {
      const r = await api('/api/v1/reports', { method: 'POST', json: { period: sel.value } });
      location.hash = link(r.data.id);
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      btn.disabled = false;
      status.remove();
    }
  });
  return form;
}

// ---- schedules (admins) ----

function schedulesPart(schedules, ctx) {
  const part = h('section', { id: 'schedules', 'aria-labelledby': 'schedules-title' }, h('h2', { id: 'schedules-title' }, 'Schedules'));
  const msg = h('p', { class: 'error', role: 'alert', id: 'schedules-error' });
  const rerender = () => ctx.set({});
  const rows = schedules.map((s) => {
    const put = (body) => api(`/api/v1/report-schedules/${s.id}`, { method: 'PUT', json: { ...scheduleBody(s), ...body } });
    const act = (label, cls, fn) => {
      const b = h('button', { type: 'button', class: cls, dataset: { id: String(s.id) } }, label);
      b.addEventListener('click', async () => {
        msg.textContent = '';
        b.disabled = true;
        try {
          await fn(b);
        } catch (err) {
          msg.textContent = `${s.name}: ${err.message}`;
          b.disabled = false;
        }
      });
      return b;
    };
    const actions = h('span', { class: 'actions' },
      act('Edit', 'schedule-edit', async () => { editing = { ...s }; rerender(); }),
      act(s.enabled ? 'Disable' : 'Enable', 'schedule-toggle', async () => { await put({ enabled: !s.enabled }); rerender(); }),
      act('Run now', 'schedule-run', async () => {
        const r = await api(`/api/v1/report-schedules/${s.id}/run`, { method: 'POST' });
        location.hash = link(r.data.id);
      }),
      act('Delete', 'schedule-delete danger', async (b) => {
        if (!b.dataset.armed) { // a second click deletes
          b.dataset.armed = 'true';
          b.textContent = `Delete “${s.name}”?`;
          b.disabled = false;
          return;
        }
        await api(`/api/v1/report-schedules/${s.id}`, { method: 'DELETE' });
        if (editing && editing.id === s.id) editing = null;
        rerender();
      }));
    const last = s.lastRun
      ? h('span', null, when(s.lastRun.at), ' ', h('a', { href: link(s.lastRun.reportId) }, `#${s.lastRun.reportId}`), ' ',
        delivery({ outcome: s.lastRun.outcome, error: s.lastRun.error }))
      : 'never';
    return [h('span', { class: 'schedule-name' }, s.name),
      s.period === 'weekly' ? `weekly, ${s.weekday}` : 'daily', `${s.at} ${s.timezone}`,
      s.receiver || '—', (s.to || []).join(', ') || '—', s.enabled ? 'yes' : 'no', last, `${s.createdBy}, ${when(s.createdAt)}`, actions];
  });
  part.appendChild(schedules.length
    ? table(null, ['Name', 'Period', 'At', 'Receiver', 'To', 'Enabled', 'Last run', 'Created', ''], rows,
      { id: 'schedules-table', class: 'wide-table' })
    : h('p', { class: 'empty', id: 'schedules-empty' }, 'No schedule yet.'));
  part.appendChild(msg);
  part.appendChild(scheduleForm(rerender));
  return part;
}

/** The fields the API takes for a schedule. */
function scheduleBody(s) {
  return { name: s.name, period: s.period, at: s.at, weekday: s.period === 'weekly' ? (s.weekday || null) : null,
    timezone: s.timezone, receiver: s.receiver || null, to: s.to || [], enabled: s.enabled !== false };
}

function scheduleForm(rerender) {
  const s = editing || {};
  const isNew = s.id === undefined;
  const field = (label, control) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  const name = h('input', { id: 'schedule-name', value: s.name || '', maxlength: 200, required: true });
  const periodSel = h('select', { id: 'schedule-period' }, h('option', { value: 'daily' }, 'daily'), h('option', { value: 'weekly' }, 'weekly'));
  periodSel.value = s.period || 'daily';
  const at = h('input', { id: 'schedule-at', value: s.at || '07:00', size: 6, placeholder: 'HH:MM' });
  const weekday = h('select', { id: 'schedule-weekday' }, h('option', { value: '' }, '—'), WEEKDAYS.map((d) => h('option', { value: d }, d)));
  weekday.value = s.weekday || '';
  const tz = h('input', { id: 'schedule-timezone', value: s.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', size: 16 });
  const receiver = h('input', { id: 'schedule-receiver', value: s.receiver || '', size: 12, placeholder: 'a receiver of the notify config' });
  const to = h('input', { id: 'schedule-to', value: (s.to || []).join(', '), size: 28, placeholder: 'a@example.org, b@example.org' });
  const enabled = h('input', { id: 'schedule-enabled', type: 'checkbox' });
  enabled.checked = s.enabled !== false;
  const error = h('p', { class: 'error wide', role: 'alert', id: 'schedule-error' });
  const submit = h('button', { type: 'submit', id: 'schedule-save' }, isNew ? 'Create schedule' : 'Save schedule');
  const cancel = isNew ? null : h('button', { type: 'button', id: 'schedule-cancel' }, 'Cancel');
  const form = h('form', { id: 'schedule-form', class: 'editor', 'aria-labelledby': 'schedule-form-title', dataset: isNew ? {} : { id: String(s.id) } },
    h('h3', { id: 'schedule-form-title', class: 'wide' }, isNew ? 'New schedule' : `Edit schedule “${s.name}”`),
    field('Name', name), field('Period', periodSel), field('At (HH:MM)', at), field('Weekday (weekly)', weekday),
    field('Time zone', tz), field('Receiver', receiver), field('To (comma-separated, optional)', to),
    h('div', { class: 'field' }, h('label', { for: 'schedule-enabled' }, 'Enabled'), enabled),
    h('div', { class: 'actions wide' }, submit, cancel), error);
  if (!isNew) form.dataset.keepOpen = 'true'; // live updates leave an open edit alone
  if (cancel) cancel.addEventListener('click', () => { editing = null; rerender(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = scheduleBody({ name: name.value.trim(), period: periodSel.value, at: at.value.trim(), weekday: weekday.value,
      timezone: tz.value.trim(), receiver: receiver.value.trim(), enabled: enabled.checked,
      to: to.value.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean) });
    submit.disabled = true;
    try {
      if (isNew) await api('/api/v1/report-schedules', { method: 'POST', json: body });
      else await api(`/api/v1/report-schedules/${s.id}`, { method: 'PUT', json: body });
      editing = null;
      rerender();
    } catch (err) {
      error.textContent = err.message;
      submit.disabled = false;
    }
  });
  return form;
}
