// Performance: per operation of each service calls/s, error rate, p50/p95/p99 from the span
// metrics, and charts with a latency heatmap; face detection and recognition first.
import { query, queryRange } from '../api.js';
import { heatmap } from '../chart.js';
import { h, table } from '../dom.js';
import { fmtValue, rateWindow, stepFor } from '../time.js';
import { lit, panelGrid } from './panels.js';

const CALLS = 'traces_span_metrics_calls_total';
const BUCKETS = 'traces_span_metrics_duration_seconds_bucket';
const FIRST = ['FaceDetector.detect', 'FaceRecognizer.recognize'];
const BY = 'service_name, span_name';

function key(m) { return `${m.service_name}\u0000${m.span_name}`; }

export async function render(ctx) {
  const { start, end } = ctx.span;
  const win = `${Math.max(60, end - start)}s`;
  const root = h('section', { 'aria-labelledby': 'perf-title' }, h('h1', { id: 'perf-title' }, 'Performance'));
  const q = (x) => query(x, end).then((r) => r.result);
  const [calls, errors, ...qs] = await Promise.all([
    q(`sum by (${BY}) (rate(${CALLS}[${win}]))`),
    q(`sum by (${BY}) (rate(${CALLS}{status_code="STATUS_CODE_ERROR"}[${win}]))`),
    ...[0.5, 0.95, 0.99].map((x) => q(`histogram_quantile(${x}, sum by (${BY}, le) (rate(${BUCKETS}[${win}])))`)),
  ]);
  const ops = new Map();
  for (const s of calls) ops.set(key(s.metric), { service: s.metric.service_name, op: s.metric.span_name, rate: Number(s.value[1]), err: 0, q: [] });
  for (const s of errors) { const o = ops.get(key(s.metric)); if (o) o.err = Number(s.value[1]); }
  qs.forEach((res, i) => res.forEach((s) => { const o = ops.get(key(s.metric)); if (o) o.q[i] = Number(s.value[1]); }));
  const list = [...ops.values()].sort((a, b) => {
    const fa = FIRST.indexOf(a.op); const fb = FIRST.indexOf(b.op);
    if (fa !== fb) return (fa < 0 ? 99 : fa) - (fb < 0 ? 99 : fb);
    return a.service === b.service ? a.op.localeCompare(b.op) : a.service.localeCompare(b.service);
  });
  const chosen = ctx.params.op ? [ctx.params.op] : FIRST;
  const rows = list.map((o) => [
    h('button', { type: 'button', class: 'link', onclick: () => ctx.set({ op: o.op, service: o.service }) }, o.op),
    o.service, fmtValue(o.rate, '/s'), fmtValue(o.rate > 0 ? o.err / o.rate : 0, 'ratio'),
    fmtValue(o.q[0], 's'), fmtValue(o.q[1], 's'), fmtValue(o.q[2], 's'),
  ]);
  root.appendChild(table('Operations over the selected range', ['Operation', 'Service', 'Calls/s', 'Errors', 'p50', 'p95', 'p99'],
    rows, { class: 'ops', id: 'ops-table' }));
  const step = stepFor(start, end);
  for (const op of chosen) {
    const sel = `span_name=${lit(op)}${ctx.params.service && ctx.params.op ? `,service_name=${lit(ctx.params.service)}` : ''}`;
    const sec = h('section', { class: 'op', 'aria-label': op }, h('h2', null, op));
    root.appendChild(sec);
    sec.appendChild(await panelGrid(ctx, [
      { title: `${op}: calls/s`, q: `sum(rate(${CALLS}{${sel}}[$w]))`, unit: '/s', legend: '__none' },
      // no error series at all means no errors: 0 wherever there were calls
      { title: `${op}: error rate`, q: `(sum(rate(${CALLS}{${sel},status_code="STATUS_CODE_ERROR"}[$w])) or vector(0)) / sum(rate(${CALLS}{${sel}}[$w]))`, unit: 'ratio', legend: '__none' },
      { title: `${op}: latency p50 / p95 / p99`, q: `label_replace(histogram_quantile(0.5, sum by (le) (rate(${BUCKETS}{${sel}}[$w]))), "q", "p50", "", "") or label_replace(histogram_quantile(0.95, sum by (le) (rate(${BUCKETS}{${sel}}[$w]))), "q", "p95", "", "") or label_replace(histogram_quantile(0.99, sum by (le) (rate(${BUCKETS}{${sel}}[$w]))), "q", "p99", "", "")`, unit: 's', legend: 'q' },
    ]));
    const { result } = await queryRange(`sum by (le) (rate(${BUCKETS}{${sel}}[${rateWindow(step)}]))`, start, end, step);
    sec.appendChild(heatmap(`${op}: latency heatmap (calls/s per bucket)`, result, start, end, step));
  }
  return root;
}
