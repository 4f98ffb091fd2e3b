// Custom dashboards: a list (new, import), and a dashboard of PromQL panels (line, area, bar, stat,
// table) with units and threshold lines, arranged by drag or Up/Down, saved server-side
// (/api/v1/dashboards), shared by link (id and range in the URL), exported as JSON (the
// dashboard) and CSV (a panel's data). Titles and queries come from users: text nodes only.
import { api, queryRange } from '../api.js';
import { align, chart, dataTable } from '../chart.js';
import { h, table } from '../dom.js';
import { fmtValue, rateWindow, stepFor } from '../time.js';

const TYPES = ['line', 'area', 'bar', 'stat', 'table'];
const UNITS = [['', 'number'], ['s', 'seconds'], ['bytes', 'bytes'], ['bytes/s', 'bytes/s'], ['ratio', 'ratio (%)'], ['/s', 'per second']];
const MAX_POINTS_PER_SERIES = 11000; // Prometheus' (and the collector's) range query limit
const RATE_INTERVAL = '$__rate_interval';

/** The open dashboard as edited here: {id, title, owner, canEdit, panels, dirty}. Kept across live re-renders. */
let draft = null;
/** The panel being edited: {index} (index = panels.length for a new one), or null. */
let editing = null;

export async function render(ctx) {
  const id = ctx.params.id;
  if (!id) {
    draft = null;
    editing = null;
    return renderList(ctx);
  }
  if (!draft || String(draft.id) !== id || !draft.dirty) {
    const r = await api(`/api/v1/dashboards/${encodeURIComponent(id)}`);
    draft = { ...r.data, dirty: false };
    if (editing && editing.id !== draft.id) editing = null;
  }
  return renderDashboard(ctx, draft);
}

/** The range shown, for links: relative (range=1h) or absolute (from, to in ms). */
function keepRange(ctx) {
  if (ctx.range.rel) return { range: ctx.range.rel };
  return { from: String(ctx.range.from), to: String(ctx.range.to) };
}

function linkTo(ctx, id) {
  return `#/dashboards?${new URLSearchParams({ id: String(id), ...keepRange(ctx) })}`;
}

// ---- the list ----

async function renderList(ctx) {
  const root = h('section', { 'aria-labelledby': 'dashboards-title' }, h('h1', { id: 'dashboards-title' }, 'Dashboards'));
  const list = (await api('/api/v1/dashboards')).data || [];
  if (list.length) {
    root.appendChild(table('Custom dashboards', ['Title', 'Owner', 'Panels', 'Updated'], list.map((d) => [
      h('a', { href: linkTo(ctx, d.id), class: 'dash-link', dataset: { id: String(d.id) } }, d.title),
      d.owner, String(d.panels), `${new Date(d.updatedAt).toLocaleString()} by ${d.updatedBy}`,
    ]), { id: 'dashboards-table', class: 'dash-list' }));
  } else {
    root.appendChild(h('p', { class: 'empty' }, 'No dashboard yet.'));
  }

  const title = h('input', { id: 'new-title', required: true, maxlength: 200, placeholder: 'Title' });
  const msg = h('p', { class: 'error', role: 'alert', id: 'new-error' });
  const create = h('form', { id: 'new-dashboard', class: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'new-title' }, 'New dashboard'), title),
    h('button', { type: 'submit', id: 'new-submit' }, 'Create'), msg);
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('/api/v1/dashboards', { method: 'POST', json: { title: title.value, panels: [] } });
      ctx.set({ id: String(r.data.id) });
    } catch (err) {
      msg.textContent = err.message;
    }
  });

  const file = h('input', { type: 'file', id: 'import-file', accept: 'application/json,.json' });
  const importMsg = h('p', { class: 'error', role: 'alert', id: 'import-error' });
  file.addEventListener('change', async () => {
    importMsg.textContent = '';
    if (!file.files.length) return;
    try {
      const text = await file.files[0].text();
      const r = await api('/api/v1/dashboards', { method: 'POST', jsonText: text });
      ctx.set({ id: String(r.data.id) });
    } catch (err) {
      importMsg.textContent = `Not imported: ${err.message}`;
      file.value = '';
    }
  });
  const imp = h('div', { class: 'search', id: 'import' },
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, 'Import a dashboard (JSON, as exported)'), file), importMsg);
  root.append(create, imp);
  return root;
}

// ---- one dashboard ----

function panelStep(p, start, end) {
  const auto = stepFor(start, end);
  if (!p.step) return auto;
  return Math.max(p.step, Math.ceil((end - start) / MAX_POINTS_PER_SERIES));
}

function markDirty(ctx) {
  draft.dirty = true;
  ctx.set({});
}

async function save(ctx, status) {
  status.textContent = 'Saving…';
  try {
    const r = await api(`/api/v1/dashboards/${draft.id}`, { method: 'PUT', json: { title: draft.title, panels: draft.panels } });
    draft = { ...r.data, dirty: false };
    ctx.set({});
  } catch (err) {
    status.textContent = `Not saved: ${err.message}`;
  }
}

function move(ctx, from, to) {
  if (to < 0 || to >= draft.panels.length || from === to) return;
  const [p] = draft.panels.splice(from, 1);
  draft.panels.splice(to, 0, p);
  markDirty(ctx);
}

async function renderDashboard(ctx, d) {
  const edit = d.canEdit;
  // (the shell gives the view's root its id: #view-dashboards)
  const root = h('section', { 'aria-labelledby': 'dash-title', class: 'dashboard', dataset: { dashboard: String(d.id), dirty: String(d.dirty) } });
  root.appendChild(h('p', { class: 'meta' }, h('a', { href: `#/dashboards?${new URLSearchParams(keepRange(ctx))}`, id: 'dash-back' }, 'All dashboards')));
  root.appendChild(h('h1', { id: 'dash-title' }, d.title));
  root.appendChild(h('p', { class: 'meta', id: 'dash-meta' }, `by ${d.owner} · saved ${new Date(d.updatedAt).toLocaleString()} by ${d.updatedBy}`
    + (edit ? '' : ' · read only')));

  const status = h('span', { id: 'dash-status', role: 'status', class: 'msg' }, d.dirty ? 'Unsaved changes' : '');
  const bar = h('div', { class: 'toolbar', id: 'dash-toolbar' });
  if (edit) {
    const rename = h('input', { id: 'dash-rename', value: d.title, maxlength: 200, 'aria-label': 'Dashboard title' });
    rename.addEventListener('change', () => { if (rename.value.trim()) { draft.title = rename.value; markDirty(ctx); } });
    const add = h('button', { type: 'button', id: 'dash-add' }, 'Add panel');
    add.addEventListener('click', () => { editing = { id: d.id, index: d.panels.length }; ctx.set({}); });
    const saveBtn = h('button', { type: 'button', id: 'dash-save', disabled: !d.dirty }, 'Save');
    saveBtn.addEventListener('click', () => save(ctx, status));
    bar.append(rename, add, saveBtn);
  }
  const exp = h('a', { href: `/api/v1/dashboards/${d.id}/export`, download: `dashboard-${d.id}.json`, id: 'dash-export', class: 'button' }, 'Export JSON');
  const share = h('input', { id: 'share-link', readonly: true, value: `${location.origin}${location.pathname}${linkTo(ctx, d.id)}`,
    'aria-label': 'Link to this dashboard and time range', class: 'share' });
  share.addEventListener('focus', () => share.select());
  bar.append(exp, h('label', { for: 'share-link' }, 'Share'), share);
  if (edit) {
    const del = h('button', { type: 'button', id: 'dash-delete' }, 'Delete…');
    del.addEventListener('click', () => {
      const really = h('button', { type: 'button', id: 'dash-delete-confirm', class: 'danger' }, `Delete “${d.title}”`);
      really.addEventListener('click', async () => {
        try {
          await api(`/api/v1/dashboards/${d.id}`, { method: 'DELETE' });
          draft = null;
          ctx.set({ id: null });
        } catch (err) {
          status.textContent = err.message;
        }
      });
      del.replaceWith(really);
      really.focus();
    });
    bar.append(del);
  }
  bar.append(status);
  root.appendChild(bar);

  if (edit && editing && editing.id === d.id) root.appendChild(editor(ctx, d, editing.index));

  const grid = h('div', { class: 'grid', id: 'dash-panels' });
  root.appendChild(grid);
  if (!d.panels.length) grid.appendChild(h('p', { class: 'empty' }, edit ? 'No panels yet: add one.' : 'No panels.'));
  const { start, end } = ctx.span;
  await Promise.all(d.panels.map((p, i) => renderPanel(ctx, d, p, i, grid, start, end)));
  return root;
}

async function renderPanel(ctx, d, p, i, grid, start, end) {
  const edit = d.canEdit;
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'loading' }, 'loading…'));
  const csv = h('button', { type: 'button', class: 'csv', disabled: true }, 'CSV');
  const tools = h('span', { class: 'panel-tools' }, csv);
  const head = h('div', { class: 'panel-head' }, h('h2', null, p.title), tools);
  const slot = h('div', { class: 'panel dash-panel', dataset: { index: String(i), type: p.type }, 'aria-busy': 'true' }, head, body);
  if (edit) {
    const btn = (cls, label, aria, fn) => {
      const b = h('button', { type: 'button', class: cls, 'aria-label': `${aria} ${p.title}` }, label);
      b.addEventListener('click', fn);
      return b;
    };
    const handle = h('span', { class: 'drag', draggable: 'true', title: 'Drag to move', 'aria-hidden': 'true' }, '⠿');
    handle.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', String(i)); e.dataTransfer.effectAllowed = 'move'; });
    slot.addEventListener('dragover', (e) => { e.preventDefault(); slot.classList.add('drop'); });
    slot.addEventListener('dragleave', () => slot.classList.remove('drop'));
    slot.addEventListener('drop', (e) => {
      e.preventDefault();
      const from = Number(e.dataTransfer.getData('text/plain'));
      if (Number.isInteger(from)) move(ctx, from, i);
    });
    tools.append(
      btn('edit', 'Edit', 'Edit', () => { editing = { id: d.id, index: i }; ctx.set({}); }),
      btn('up', '↑', 'Move up', () => move(ctx, i, i - 1)),
      btn('down', '↓', 'Move down', () => move(ctx, i, i + 1)),
      btn('remove', '✕', 'Remove', () => { draft.panels.splice(i, 1); markDirty(ctx); }));
    head.prepend(handle);
  }
  grid.appendChild(slot);
  const step = panelStep(p, start, end);
  try {
    const q = p.query.replaceAll(RATE_INTERVAL, rateWindow(step));
    const t0 = performance.now();
    const { result, ms } = await queryRange(q, start, end, step);
    const data = align(result, start, end, step);
    const shown = draw(ctx, p, data);
    const points = data.ys.reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
    Object.assign(slot.dataset, { points: String(points), queryMs: ms.toFixed(1), renderMs: (performance.now() - t0 - ms).toFixed(1) });
    body.replaceChildren(shown, h('p', { class: 'meta' }, `step ${step}s · ${points} points · query ${ms.toFixed(0)} ms`));
    csv.disabled = false;
    csv.setAttribute('aria-label', `Download the data of ${p.title} as CSV`);
    csv.addEventListener('click', () => download(`${fileName(p.title)}.csv`, 'text/csv;charset=utf-8', toCsv(result)));
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${p.title}: ${e.message}`));
  }
  slot.removeAttribute('aria-busy');
}

/** The panel's content for its type. */
function draw(ctx, p, data) {
  const thresholds = p.thresholds || [];
  if (p.type === 'stat' || p.type === 'table') {
    const latest = data.ys.map((col, i) => ({ label: data.labels[i], col, v: last(col) }));
    let node;
    if (p.type === 'stat') {
      node = h('div', { class: 'stats' }, latest.map((s) => {
        const big = h('p', { class: 'big stat' }, data.labels.length > 1 ? h('span', { class: 'sub' }, `${s.label}: `) : null, fmtValue(s.v, p.unit));
        colour(big, s.v, thresholds);
        return big;
      }));
      if (!latest.length) node.appendChild(h('p', { class: 'empty' }, 'No data in this range'));
      const spark = chart(p.title, data, { unit: p.unit, sparkline: true, thresholds, onZoom: ctx.zoom });
      return h('div', { class: 'stat-panel' }, node, spark, dataTable(p.title, data, p.unit));
    }
    const rows = latest.map((s) => {
      const vals = s.col.filter((v) => v !== null);
      const cell = h('span', null, fmtValue(s.v, p.unit));
      colour(cell, s.v, thresholds);
      return [s.label, cell, fmtValue(vals.length ? Math.min(...vals) : null, p.unit), fmtValue(vals.length ? Math.max(...vals) : null, p.unit)];
    });
    node = table(p.title, ['Series', 'Last', 'Min', 'Max'], rows, { class: 'value-table' });
    return h('div', null, node, dataTable(p.title, data, p.unit));
  }
  return chart(p.title, data, { unit: p.unit, type: p.type, thresholds, onZoom: ctx.zoom });
}

function last(col) {
  for (let i = col.length - 1; i >= 0; i -= 1) if (col[i] !== null) return col[i];
  return null;
}

/** The colour of the highest threshold the value reaches. */
function colour(el, v, thresholds) {
  if (v === null) return;
  const hit = thresholds.filter((t) => v >= t.value).sort((a, b) => b.value - a.value)[0];
  if (hit) {
    el.style.color = hit.color;
    el.dataset.threshold = String(hit.value);
  }
}

// ---- the panel editor ----

function editor(ctx, d, index) {
  const p = d.panels[index] || { title: '', query: '', type: 'line', unit: '', thresholds: [] };
  const title = h('input', { id: 'panel-title', value: p.title, required: true, maxlength: 200 });
  const query = h('textarea', { id: 'panel-query', required: true, rows: 3, maxlength: 4000, spellcheck: 'false' });
  query.value = p.query;
  const type = h('select', { id: 'panel-type' }, TYPES.map((t) => h('option', { value: t, selected: t === p.type }, t)));
  const unit = h('select', { id: 'panel-unit' }, UNITS.map(([v, l]) => h('option', { value: v, selected: v === (p.unit || '') }, l)));
  const step = h('input', { id: 'panel-step', type: 'number', min: 1, step: 1, value: p.step ? String(p.step) : '', placeholder: 'auto' });
  const rows = h('ul', { id: 'thresholds', class: 'thresholds' });
  const addRow = (t) => {
    const value = h('input', { type: 'number', step: 'any', class: 'threshold-value', value: t ? String(t.value) : '', 'aria-label': 'Threshold value' });
    const color = h('input', { type: 'color', class: 'threshold-color', value: t ? t.color : '#ef4444', 'aria-label': 'Threshold colour' });
    const rm = h('button', { type: 'button', class: 'threshold-remove', 'aria-label': 'Remove this threshold' }, '✕');
    const li = h('li', null, value, color, rm);
    rm.addEventListener('click', () => li.remove());
    rows.appendChild(li);
  };
  (p.thresholds || []).forEach(addRow);
  const addT = h('button', { type: 'button', id: 'threshold-add' }, 'Add threshold');
  addT.addEventListener('click', () => addRow(null));
  const msg = h('p', { class: 'error', role: 'alert', id: 'panel-error' });
  const cancel = h('button', { type: 'button', id: 'panel-cancel' }, 'Cancel');
  cancel.addEventListener('click', () => { editing = null; ctx.set({}); });
  const form = h('form', { id: 'panel-editor', class: 'editor', 'aria-label': 'Panel', dataset: { keepOpen: 'true' } },
    h('div', { class: 'field' }, h('label', { for: 'panel-title' }, 'Title'), title),
    h('div', { class: 'field wide' }, h('label', { for: 'panel-query' }, `PromQL query (${RATE_INTERVAL} is the rate window of the step)`), query),
    h('div', { class: 'field' }, h('label', { for: 'panel-type' }, 'Chart'), type),
    h('div', { class: 'field' }, h('label', { for: 'panel-unit' }, 'Unit'), unit),
    h('div', { class: 'field' }, h('label', { for: 'panel-step' }, 'Step (s)'), step),
    h('fieldset', { class: 'field wide' }, h('legend', null, 'Thresholds (drawn as lines)'), rows, addT),
    h('div', { class: 'field wide' }, h('span', null, h('button', { type: 'submit', id: 'panel-apply' }, 'Apply'), ' ', cancel), msg));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const thresholds = [...rows.querySelectorAll('li')].map((li) => ({
      value: Number(li.querySelector('.threshold-value').value), color: li.querySelector('.threshold-color').value,
      blank: li.querySelector('.threshold-value').value.trim() === '',
    })).filter((t) => !t.blank).map(({ value, color }) => ({ value, color }));
    if (thresholds.some((t) => !Number.isFinite(t.value))) { msg.textContent = 'A threshold needs a number.'; return; }
    const panel = { title: title.value.trim(), query: query.value.trim(), type: type.value, unit: unit.value, thresholds };
    if (step.value) panel.step = Number(step.value);
    if (!panel.title || !panel.query) { msg.textContent = 'A panel needs a title and a query.'; return; }
    draft.panels[index] = panel;
    editing = null;
    markDirty(ctx);
  });
  requestAnimationFrame(() => title.focus());
  return form;
}

// ---- CSV ----

/** One row per point: series (Prometheus' notation), Unix time, ISO time, value. */
export function toCsv(result) {
  const lines = [['series', 'timestamp', 'time', 'value']];
  for (const s of result) {
    const name = seriesName(s.metric);
    for (const [t, v] of s.values) lines.push([name, String(t), new Date(t * 1000).toISOString(), v]);
  }
  return `${lines.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

function seriesName(metric) {
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `${metric.__name__ || ''}{${labels.join(', ')}}`;
}

/** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
function csvField(x) {
  const s = String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function fileName(title) {
  return (title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'panel').slice(0, 80);
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
