// Overview: agents, frames, recognitions by result, key latencies; each a number and a sparkline.
import { api, query, queryRange } from '../api.js';
import { align, chart, dataTable } from '../chart.js';
import { h } from '../dom.js';
import { fmtValue, rateWindow, stepFor } from '../time.js';

const CALLS = 'traces_span_metrics_calls_total';
const BUCKETS = 'traces_span_metrics_duration_seconds_bucket';
const p95 = (span) => `histogram_quantile(0.95, sum by (le) (rate(${BUCKETS}{span_name="${span}"}[$w])))`;

let statusAvailable = true;

export const PANELS = [
  // the number: agents connected now (stream open, heartbeats arriving); the sparkline: the same
  // over the range, from the up series the collector writes for each agent (1 while connected)
  { id: 'agents', title: 'Agents connected', q: 'sum(up{job="peephole-agent"})', unit: '', connectedNow: true },
  { id: 'frames', title: 'Frames processed', q: `sum(rate(${CALLS}{span_name="Camera.capture"}[$w]))`, unit: '/s',
    total: `sum(increase(${CALLS}{span_name="Camera.capture"}[$range]))` },
  { id: 'recognitions', title: 'Recognitions by result', q: `sum by (recognition_result) (rate(${CALLS}{span_name="FaceRecognizer.recognize"}[$w]))`,
    unit: '/s', legend: 'recognition_result', total: `sum by (recognition_result) (increase(${CALLS}{span_name="FaceRecognizer.recognize"}[$range]))` },
  { id: 'detect-p95', title: 'Face detection p95', q: p95('FaceDetector.detect'), unit: 's' },
  { id: 'recognize-p95', title: 'Face recognition p95', q: p95('FaceRecognizer.recognize'), unit: 's' },
];

function last(col) {
  for (let i = col.length - 1; i >= 0; i -= 1) if (col[i] !== null) return col[i];
  return null;
}

export async function render(ctx) {
  const { start, end } = ctx.span;
  const step = stepFor(start, end);
  const w = rateWindow(step);
  const root = h('section', { 'aria-labelledby': 'overview-title' }, h('h1', { id: 'overview-title' }, 'Overview'));
  // Status, alerts, agents and the panels' queries are all asked at once (not one after another):
  // the first paint waits for the slowest of them only.
  const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));
  const statusAsked = statusAvailable ? settle(api('/api/v1/status', { noRedirect: true })) : null;
  const alertsAsked = settle(api('/api/v1/alerts'));
  const connected = api('/api/v1/agents?withinSeconds=300').then((r) => r.data.filter((a) => a.state === 'connected').length, () => null);
  const grid = h('div', { class: 'cards' });
  const t0 = performance.now();
  const panels = Promise.all(PANELS.map(async (p) => {
    const card = h('article', { class: 'card', id: `card-${p.id}`, 'aria-labelledby': `card-${p.id}-t` },
      h('h2', { id: `card-${p.id}-t` }, p.title));
    grid.appendChild(card);
    try {
      const [range, total] = await Promise.all([
        queryRange(p.q.replaceAll('$w', w), start, end, step),
        p.total ? query(p.total.replaceAll('$range', `${end - start}s`), end) : Promise.resolve(null),
      ]);
      const data = align(range.result, start, end, step, p.legend);
      const big = h('p', { class: 'big' });
      const now = (c, i) => `${p.legend ? `${data.labels[i]}: ` : ''}${fmtValue(last(c), p.unit)}`;
      if (p.connectedNow) {
        const n = await connected;
        big.appendChild(document.createTextNode(n === null ? '–' : String(n)));
      } else if (total) {
        // increase() extrapolates to the range's edges: counts are shown whole
        const parts = total.result.map((s) => `${p.legend ? `${s.metric[p.legend]}: ` : ''}${fmtValue(Math.round(Number(s.value[1])))}`);
        big.appendChild(document.createTextNode(parts.length ? parts.join(' · ') : '–'));
        big.appendChild(h('span', { class: 'sub' }, ` in range · now ${data.ys.map(now).join(' · ') || '–'}`));
      } else {
        big.appendChild(document.createTextNode(data.ys.map(now).join(' · ') || '–'));
      }
      const spark = chart(p.title, data, { unit: p.unit, sparkline: true, onZoom: ctx.zoom });
      const ms = range.ms + (total ? total.ms : 0);
      card.dataset.queryMs = range.ms.toFixed(1);
      Object.assign(card.dataset, { query: p.q.replaceAll('$w', w), start: String(start), end: String(end), step: String(step) });
      card.dataset.points = spark.dataset.points;
      card.append(big, spark, dataTable(p.title, data, p.unit), h('p', { class: 'meta' }, `query ${ms.toFixed(0)} ms`));
    } catch (e) {
      card.appendChild(h('p', { class: 'error', role: 'alert' }, e.message));
    }
  }));
  if (statusAsked) {
    const { value: status, error } = await statusAsked;
    const s = status && (status.data || status);
    if (s && s.status) {
      root.appendChild(h('p', { class: `status status-${s.status}`, id: 'overall-status' }, `Status: ${s.status}`));
      // The reasons: each component that is not healthy, with what its check said (as text: a
      // probe's or an alert's name comes from outside).
      const troubled = (s.components || []).filter((c) => c.status !== 'healthy');
      if (troubled.length) {
        root.appendChild(h('ul', { class: 'status-reasons', id: 'status-reasons', 'aria-label': 'Why the status is not healthy' },
          troubled.map((c) => h('li', { dataset: { component: c.name } },
            h('span', { class: `status-${c.status}` }, `${c.name}: ${c.status}`), c.reason ? ` · ${c.reason}` : ''))));
      }
    }
    if (error && error.status === 404) statusAvailable = false; // this collector has no status endpoint: leave it out
  }
  const { value: r, error: alertsError } = await alertsAsked;
  if (alertsError) {
    root.appendChild(h('p', { class: 'error', id: 'firing-alerts' }, `Alerts: ${alertsError.message}`));
  } else {
    const alerts = (r.data && r.data.alerts) || []; // an empty list may be left out
    const firing = alerts.filter((a) => a.state === 'firing').length;
    const pending = alerts.length - firing;
    const keep = ctx.params.range ? `?range=${encodeURIComponent(ctx.params.range)}` : '';
    root.appendChild(h('p', { class: firing ? 'status status-unhealthy' : 'status status-healthy', id: 'firing-alerts', dataset: { firing: String(firing) } },
      h('a', { href: `#/alerts${keep}` }, `Firing alerts: ${firing}`), pending ? h('span', { class: 'sub' }, ` · ${pending} pending`) : null));
  }
  root.appendChild(grid);
  await panels;
  root.dataset.loadMs = (performance.now() - t0).toFixed(1);
  return root;
}
