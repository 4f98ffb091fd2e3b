// Traces: a search form (Jaeger's query API) -> a list of traces -> the waterfall of one trace.
import { api } from '../api.js';
import { clear, h, table, uid } from '../dom.js';
import { fmtDuration } from '../time.js';

/** "k=v k2=v2" (or one per line) -> Jaeger's tags JSON; values may be quoted. */
export function parseTags(text) {
  const out = {};
  const re = /([^\s=]+)=("([^"]*)"|\S*)/g;
  let m;
  while ((m = re.exec(text || '')) !== null) out[m[1]] = m[3] !== undefined ? m[3] : m[2];
  return out;
}

function field(label, input) {
  const id = input.id || uid('f');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

export async function render(ctx) {
  const p = ctx.params;
  const root = h('section', { 'aria-labelledby': 'traces-title' }, h('h1', { id: 'traces-title' }, 'Traces'));
  if (p.trace) {
    root.appendChild(h('p', null, h('button', { type: 'button', class: 'link', onclick: () => ctx.set({ trace: null }) }, '← back to the results')));
    root.appendChild(await waterfall(p.trace));
    return root;
  }
  const services = (await api('/api/services')).data || [];
  const service = p.service && services.includes(p.service) ? p.service : services[0];
  const ops = service ? ((await api(`/api/services/${encodeURIComponent(service)}/operations`)).data || []) : [];
  const svcSel = h('select', { id: 'tr-service', name: 'service' }, services.map((s) => {
    const o = h('option', { value: s }, s); o.selected = s === service; return o;
  }));
  svcSel.addEventListener('change', () => ctx.set({ service: svcSel.value, operation: null }));
  const opSel = h('select', { id: 'tr-operation', name: 'operation' }, h('option', { value: '' }, 'all operations'),
    ops.map((o) => { const e = h('option', { value: o }, o); e.selected = o === p.operation; return e; }));
  const tags = h('input', { id: 'tr-tags', name: 'tags', value: p.tags || '', placeholder: 'recognition.result=UNKNOWN error=true' });
  const minD = h('input', { id: 'tr-min', name: 'minDuration', value: p.minDuration || '', placeholder: 'e.g. 5ms', size: 8 });
  const maxD = h('input', { id: 'tr-max', name: 'maxDuration', value: p.maxDuration || '', placeholder: 'e.g. 1s', size: 8 });
  const limit = h('input', { id: 'tr-limit', name: 'limit', type: 'number', min: 1, max: 1500, value: p.limit || '20' });
  const form = h('form', { class: 'search', id: 'trace-search', 'aria-label': 'Find traces' },
    field('Service', svcSel), field('Operation', opSel), field('Tags', tags), field('Min duration', minD),
    field('Max duration', maxD), field('Limit', limit), h('button', { type: 'submit' }, 'Find traces'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.set({ service: svcSel.value, operation: opSel.value || null, tags: tags.value || null,
      minDuration: minD.value || null, maxDuration: maxD.value || null, limit: limit.value || null, search: String(Date.now()) });
  });
  root.appendChild(form);
  if (!service) {
    root.appendChild(h('p', { class: 'empty' }, 'No service has sent spans yet.'));
    return root;
  }
  const q = new URLSearchParams({ service, start: String(ctx.span.start * 1e6), end: String(ctx.span.end * 1e6), limit: p.limit || '20' });
  if (p.operation) q.set('operation', p.operation);
  if (p.tags) q.set('tags', JSON.stringify(parseTags(p.tags)));
  if (p.minDuration) q.set('minDuration', p.minDuration);
  if (p.maxDuration) q.set('maxDuration', p.maxDuration);
  const results = h('div', { id: 'trace-results', 'aria-live': 'polite' });
  root.appendChild(results);
  try {
    const traces = (await api(`/api/traces?${q}`)).data || [];
    const rows = traces.map((t) => {
      const spans = t.spans;
      const rootSpan = spans.find((s) => !s.references || !s.references.length) || spans[0];
      const first = Math.min(...spans.map((s) => s.startTime));
      const lastEnd = Math.max(...spans.map((s) => s.startTime + s.duration));
      const errs = spans.filter((s) => (s.tags || []).some((g) => g.key === 'error' && g.value === true)).length;
      return [
        h('button', { type: 'button', class: 'link trace-link', dataset: { trace: t.traceID }, onclick: () => ctx.set({ trace: t.traceID }) },
          rootSpan.operationName),
        t.traceID.slice(0, 16), String(spans.length), errs ? String(errs) : '', fmtDuration(lastEnd - first),
        new Date(first / 1000).toLocaleString(),
      ];
    });
    results.appendChild(rows.length
      ? table(`${rows.length} traces`, ['Root span', 'Trace', 'Spans', 'Errors', 'Duration', 'Start'], rows, { class: 'traces' })
      : h('p', { class: 'empty' }, 'No traces match.'));
  } catch (e) {
    results.appendChild(h('p', { class: 'error', role: 'alert' }, e.message));
  }
  return root;
}

/** Spans in tree order (depth-first by start time) with their depth. */
export function treeOrder(spans) {
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    const parent = (s.references || []).find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (parent) {
      if (!children.has(parent.spanID)) children.set(parent.spanID, []);
      children.get(parent.spanID).push(s);
    } else roots.push(s);
  }
  const out = [];
  const walk = (s, depth) => {
    out.push({ span: s, depth });
    (children.get(s.spanID) || []).sort((a, b) => a.startTime - b.startTime).forEach((c) => walk(c, depth + 1));
  };
  roots.sort((a, b) => a.startTime - b.startTime).forEach((r) => walk(r, 0));
  return out;
}

async function waterfall(traceId) {
  const data = (await api(`/api/traces/${encodeURIComponent(traceId)}`)).data;
  const t = data && data[0];
  const box = h('section', { class: 'waterfall', id: 'waterfall', 'aria-label': `Trace ${traceId}` });
  if (!t) {
    box.appendChild(h('p', { class: 'empty' }, 'Trace not found.'));
    return box;
  }
  const order = treeOrder(t.spans);
  const start = Math.min(...t.spans.map((s) => s.startTime));
  const total = Math.max(1, Math.max(...t.spans.map((s) => s.startTime + s.duration)) - start);
  const detail = h('div', { class: 'span-detail', id: 'span-detail', 'aria-live': 'polite' });
  box.appendChild(h('h2', null, `Trace ${traceId}: ${t.spans.length} spans, ${fmtDuration(total)}`));
  const list = h('ol', { class: 'wf-rows', role: 'tree', 'aria-label': 'Spans' });
  box.append(list, detail);
  for (const { span, depth } of order) {
    const proc = t.processes && t.processes[span.processID];
    const isErr = (span.tags || []).some((g) => g.key === 'error' && g.value === true);
    const bar = h('span', { class: isErr ? 'bar err' : 'bar' });
    bar.style.left = `${((span.startTime - start) / total) * 100}%`;
    bar.style.width = `${Math.max(0.3, (span.duration / total) * 100)}%`;
    const label = h('span', { class: 'wf-label' }, span.operationName, h('span', { class: 'sub' }, ` ${fmtDuration(span.duration)}`));
    label.style.paddingLeft = `${depth * 14}px`;
    const row = h('li', { class: 'wf-row', role: 'treeitem', tabindex: '0', 'aria-level': String(depth + 1),
      dataset: { depth: String(depth), span: span.spanID } },
    label, h('span', { class: 'track' }, bar));
    const show = () => {
      list.querySelectorAll('.wf-row.sel').forEach((r) => r.classList.remove('sel'));
      row.classList.add('sel');
      clear(detail).appendChild(spanDetail(span, proc, start));
    };
    row.addEventListener('click', show);
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(); } });
    list.appendChild(row);
  }
  return box;
}

function spanDetail(span, proc, traceStart) {
  const tags = (span.tags || []).map((g) => [g.key, String(g.value)]);
  const out = h('div', null, h('h3', null, span.operationName),
    h('p', { class: 'meta' }, `span ${span.spanID} · starts at +${fmtDuration(span.startTime - traceStart)} · ${fmtDuration(span.duration)}`
      + (proc ? ` · ${proc.serviceName}` : '')),
    table('Attributes', ['Key', 'Value'], tags, { class: 'kv', id: 'span-attributes' }));
  const logs = span.logs || [];
  const exceptions = logs.filter((l) => (l.fields || []).some((f) => f.key === 'event' && f.value === 'exception'));
  if (exceptions.length) {
    out.appendChild(h('h4', null, 'Exceptions'));
    for (const l of exceptions) {
      const f = Object.fromEntries(l.fields.map((x) => [x.key, String(x.value)]));
      out.appendChild(h('div', { class: 'exception' }, h('p', null, `${f['exception.type'] || ''}: ${f['exception.message'] || ''}`),
        f['exception.stacktrace'] ? h('pre', null, f['exception.stacktrace']) : null));
    }
  }
  if (logs.length) {
    out.appendChild(table('Events', ['At', 'Fields'], logs.map((l) => [`+${fmtDuration(l.timestamp - traceStart)}`,
      (l.fields || []).map((f) => `${f.key}=${f.value}`).join(', ')]), { class: 'kv' }));
  }
  return out;
}
