// Security: recognitions by kind over time, unknown and blacklisted visitors (each with its trace),
// top visitors and the hour-of-day pattern of the range's events.
import { api, queryRange } from '../api.js';
import { align, chart } from '../chart.js';
import { h, table } from '../dom.js';
import { rateWindow, stepFor } from '../time.js';

const MAX_EVENTS = 10000;
const MAX_VISITOR_ROWS = 200;

/** Events per hour of the day (0-23, the browser's time zone). */
export function byHour(events) {
  const counts = new Array(24).fill(0);
  for (const e of events) counts[new Date(e.time).getHours()] += 1;
  return counts;
}

/** [{name, total, kinds: {known: n, ...}}], most seen first; faces without a name count as "(unknown face)". */
export function topVisitors(events, n) {
  const by = new Map();
  for (const e of events) {
    const name = e.personName || (e.kind === 'unknown' ? '(unknown face)' : e.personId || '(no name)');
    if (!by.has(name)) by.set(name, { name, total: 0, kinds: {} });
    const v = by.get(name);
    v.total += 1;
    v.kinds[e.kind] = (v.kinds[e.kind] || 0) + 1;
  }
  return [...by.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)).slice(0, n);
}

function traceHref(ctx, traceId) {
  const keep = {};
  for (const k of ['range', 'from', 'to']) if (ctx.params[k]) keep[k] = ctx.params[k];
  return `#/traces?${new URLSearchParams({ ...keep, trace: traceId })}`;
}

export async function render(ctx) {
  const { start, end } = ctx.span;
  const step = stepFor(start, end);
  const w = rateWindow(step);
  const root = h('section', { 'aria-labelledby': 'security-title' }, h('h1', { id: 'security-title' }, 'Security'));
  const q = `sum by (kind) (increase(peephole_security_events_total[${w}]))`;
  // Blacklisted visitors are asked for on their own: on a busy door the newest events are all
  // strangers, and a blacklisted face must never drop out of the table behind them.
  const [series, events, blacklistedEvents] = await Promise.all([
    queryRange(q, start, end, step),
    api(`/api/v1/security/events?start=${start}&end=${end}&limit=${MAX_EVENTS}`),
    api(`/api/v1/security/events?kind=blacklisted&start=${start}&end=${end}&limit=${MAX_VISITOR_ROWS}`),
  ]);
  const list = events.data || [];

  const kinds = h('div', { class: 'panel', id: 'security-kinds' },
    chart(`Recognitions by kind (per ${w})`, align(series.result, start, end, step, 'kind'), { onZoom: ctx.zoom }),
    h('p', { class: 'meta' }, `step ${step}s · query ${series.ms.toFixed(0)} ms`));
  root.appendChild(kinds);

  const counts = { known: 0, unknown: 0, blacklisted: 0 };
  for (const e of list) counts[e.kind] = (counts[e.kind] || 0) + 1;
  root.appendChild(h('p', { class: 'big', id: 'security-counts' },
    `${list.length} recognitions in range: ${counts.known} known · ${counts.unknown} unknown · ${counts.blacklisted} blacklisted`,
    list.length >= MAX_EVENTS ? h('span', { class: 'sub' }, ` (the newest ${MAX_EVENTS} events)`) : null));

  // unknown and blacklisted visitors, newest first: every blacklisted one (up to the row limit),
  // the newest unknown ones in the rows left
  const blacklisted = blacklistedEvents.data || [];
  const unknown = list.filter((e) => e.kind === 'unknown');
  const visitorCount = unknown.length + Math.max(blacklisted.length, counts.blacklisted);
  const visitors = blacklisted.concat(unknown.slice(0, Math.max(0, MAX_VISITOR_ROWS - blacklisted.length)))
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  const vrows = visitors.map((e) => [
    new Date(e.time).toLocaleString(),
    h('span', { class: `kind-${e.kind}` }, e.kind),
    e.personName || '',
    e.confidence === null || e.confidence === undefined ? '' : Number(e.confidence).toFixed(3),
    `${e.serviceName} on ${e.hostName}`,
    h('a', { href: traceHref(ctx, e.traceId), class: 'visitor-trace', dataset: { trace: e.traceId, service: e.serviceName } },
      e.traceId.slice(0, 16)),
  ]);
  root.appendChild(h('h2', null, `Unknown and blacklisted visitors (${visitorCount})`));
  root.appendChild(vrows.length
    ? table(visitorCount > vrows.length ? `every blacklisted visitor and the newest unknown ones (${vrows.length} rows)` : null,
      ['Time', 'Kind', 'Person', 'Confidence', 'Service', 'Trace'], vrows, { class: 'ops scroll', id: 'visitors-table' })
    : h('p', { class: 'empty', id: 'visitors-table' }, 'No unknown or blacklisted visitors in this range.'));

  const two = h('div', { class: 'grid' });
  root.appendChild(two);
  const top = topVisitors(list, 20);
  two.appendChild(h('div', { class: 'panel' }, h('h2', null, 'Top visitors'), top.length
    ? table(null, ['Person', 'Recognitions', 'Known', 'Unknown', 'Blacklisted'],
      top.map((v) => [v.name, String(v.total), String(v.kinds.known || 0), String(v.kinds.unknown || 0), String(v.kinds.blacklisted || 0)]),
      { id: 'top-visitors' })
    : h('p', { class: 'empty', id: 'top-visitors' }, 'No recognitions in this range.')));

  const hours = byHour(list);
  const max = Math.max(1, ...hours);
  const hourRows = hours.map((n, hour) => {
    const bar = h('span', { class: 'hbar' });
    bar.style.width = `${(n / max) * 100}%`;
    return [`${String(hour).padStart(2, '0')}:00`, String(n), h('span', { class: 'htrack', 'aria-hidden': 'true' }, bar)];
  });
  two.appendChild(h('div', { class: 'panel' }, h('h2', null, 'Hour of day'),
    table(null, ['Hour', 'Recognitions', ''], hourRows, { id: 'hour-table', class: 'hours', dataset: { total: String(list.length) } })));
  return root;
}
