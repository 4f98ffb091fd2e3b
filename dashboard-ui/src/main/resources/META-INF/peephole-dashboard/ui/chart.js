// Charts with uPlot, each with a table of the same data for screen readers (and for anyone).
import uPlot from './vendor/uplot/uPlot.esm.js';
import { h, table, uid } from './dom.js';
import { fmtTime, fmtValue } from './time.js';

const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#64748b'];

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Label text of a Prometheus series: the given label's value, or all labels but the usual ones. */
export function seriesLabel(metric, legend) {
  if (legend) {
    const keys = Array.isArray(legend) ? legend : [legend];
    const v = keys.map((k) => metric[k]).filter((x) => x !== undefined);
    if (v.length) return v.join(' ');
  }
  const skip = new Set(['__name__', 'service_name', 'host_name', 'instance']);
  const parts = Object.entries(metric).filter(([k]) => !skip.has(k)).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(', ') : (metric.__name__ || 'value');
}

/** uPlot's aligned data from a Prometheus matrix on the grid start..end by step. */
export function align(result, start, end, step, legend) {
  const xs = [];
  for (let t = start; t <= end; t += step) xs.push(t);
  const index = new Map(xs.map((t, i) => [t, i]));
  const labels = [];
  const ys = result.map((s) => {
    labels.push(seriesLabel(s.metric, legend));
    const col = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(t));
      if (i !== undefined) col[i] = Number(v);
    }
    return col;
  });
  return { xs, ys, labels };
}

/** The data of a chart as a table in a closed <details> (screen readers and keyboard users open it). */
export function dataTable(title, data, unit) {
  const filled = [];
  for (let i = 0; i < data.xs.length; i += 1) if (data.ys.some((col) => col[i] !== null)) filled.push(i);
  // a huge series (a custom panel with a small step) keeps the page light: the first rows, the CSV has all
  const shown = filled.slice(0, TABLE_MAX_ROWS);
  const rows = shown.map((i) => [fmtTime(data.xs[i]), ...data.ys.map((col) => fmtValue(col[i], unit))]);
  const tbl = table(title, ['Time', ...data.labels], rows, { class: 'data-table' });
  const note = filled.length > shown.length ? h('p', { class: 'meta' }, `The first ${shown.length} of ${filled.length} rows.`) : null;
  return h('details', { class: 'table-alt' }, h('summary', null, 'Data table'), tbl, note);
}

const TABLE_MAX_ROWS = 1000;

/** The series drawn for a chart type: line, area (filled line) or bar. */
function seriesPaths(type, color) {
  if (type === 'bar') return { paths: uPlot.paths.bars({ size: [0.8, 40] }), fill: `${color}b0`, points: { show: false } };
  if (type === 'area') return { fill: `${color}33` };
  return {};
}

/** Horizontal threshold lines [{value, color}] over the plot area, dashed, after the series are drawn. */
function drawThresholds(u, thresholds) {
  const g = u.ctx;
  const { left, top, width, height } = u.bbox;
  g.save();
  g.beginPath();
  g.rect(left, top, width, height);
  g.clip();
  g.lineWidth = Math.max(1, devicePixelRatio);
  g.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  for (const t of thresholds) {
    const y = Math.round(u.valToPos(t.value, 'y', true));
    g.strokeStyle = t.color;
    g.beginPath();
    g.moveTo(left, y);
    g.lineTo(left + width, y);
    g.stroke();
  }
  g.restore();
}

/**
 * A chart panel: title, uPlot canvas, a toggleable table of the data. data = {xs, ys, labels}.
 * opts: unit, height, sparkline, onZoom(fromSec, toSec), type ('line', 'area', 'bar'), thresholds [{value, color}],
 * empty (what to say when there is no point: "No data in this range" unless given).
 */
export function chart(title, data, opts = {}) {
  const id = uid('chart');
  const points = data.ys.reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${title}: chart, ${points} points; the table below holds the data` });
  const details = opts.sparkline ? null : dataTable(title, data, opts.unit);
  const panel = h('figure', { class: opts.sparkline ? 'chart spark' : 'chart', id, dataset: { points: String(points), title } },
    opts.sparkline ? null : h('figcaption', null, title),
    points === 0 ? h('p', { class: 'empty' }, opts.empty || 'No data in this range') : null,
    plot, details);
  if (points === 0) return panel;
  const fg = cssVar('--muted');
  const grid = cssVar('--grid');
  const series = [{}].concat(data.labels.map((label, i) => ({
    label,
    stroke: PALETTE[i % PALETTE.length],
    width: 1.5,
    spanGaps: false,
    value: (u, v) => fmtValue(v, opts.unit),
    ...seriesPaths(opts.type, PALETTE[i % PALETTE.length]),
  })));
  const thresholds = opts.thresholds || [];
  // the y range takes in the threshold lines, so each is visible
  const withThresholds = (min, max) => {
    let lo = min; let hi = max;
    for (const t of thresholds) { lo = Math.min(lo, t.value); hi = Math.max(hi, t.value); }
    return [lo, hi];
  };
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const options = {
    width: 400,
    height: opts.height || (opts.sparkline ? 48 : 180),
    series,
    legend: { show: !opts.sparkline },
    cursor: { drag: { x: true, y: false }, show: !opts.sparkline || true },
    select: { show: true },
    // ratios start at 0 and keep a visible span when all are 0
    scales: opts.unit === 'ratio'
      ? { x: { time: true }, y: { range: (u, min, max) => { const [lo, hi] = withThresholds(min, max); return [Math.min(0, lo), hi > 0 ? hi * 1.1 : 0.01]; } } }
      : thresholds.length || opts.type === 'bar'
        ? { x: { time: true }, y: { range: (u, min, max) => uPlot.rangeNum(...withThresholds(opts.type === 'bar' ? Math.min(0, min) : min, max), 0.1, true) } }
        : { x: { time: true } },
    axes: opts.sparkline
      ? [{ show: false }, { show: false }]
      : [axis, {
        ...axis,
        // wide enough for the longest tick label
        size: (u, vals) => (vals && vals.length ? Math.max(44, 16 + 7 * Math.max(...vals.map((v) => String(v).length))) : 44),
        values: (u, vals) => vals.map((v) => fmtValue(v, opts.unit)),
      }],
    hooks: {
      draw: thresholds.length ? [(u) => drawThresholds(u, thresholds)] : [],
      setSelect: [(u) => {
        if (u.select.width < 4 || !opts.onZoom) return;
        const from = u.posToVal(u.select.left, 'x');
        const to = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ width: 0, height: 0 }, false);
        opts.onZoom(from, to);
      }],
    },
  };
  const u = new uPlot(options, [data.xs, ...data.ys], plot);
  panel.uplot = u;
  const fit = () => {
    const w = Math.max(120, Math.floor(plot.clientWidth || panel.clientWidth || 400));
    if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: options.height });
  };
  new ResizeObserver(fit).observe(panel);
  requestAnimationFrame(fit);
  return panel;
}

/**
 * A latency heatmap from histogram buckets: columns are time steps, rows the buckets, colour
 * the number of calls per second in the bucket. result: sum by (le) (rate(..._bucket[w])).
 */
export function heatmap(title, result, start, end, step) {
  const bounds = result.map((s) => s.metric.le).filter((x) => x !== undefined)
    .map((le) => ({ le, v: le === '+Inf' ? Infinity : Number(le) })).sort((a, b) => a.v - b.v);
  const aligned = align(bounds.map((b) => result.find((s) => s.metric.le === b.le)), start, end, step, 'le');
  // cumulative -> per bucket
  const cells = aligned.ys.map((col, bi) => col.map((v, ti) => {
    if (v === null) return null;
    const below = bi > 0 ? aligned.ys[bi - 1][ti] : 0;
    return Math.max(0, v - (below || 0));
  }));
  const labels = bounds.map((b, i) => (i === 0 ? `≤ ${b.le}` : `${bounds[i - 1].le}–${b.le}`).replace('+Inf', '∞'));
  const max = Math.max(0, ...cells.flat().filter((v) => v !== null));
  const filled = cells.flat().filter((v) => v !== null && v > 0).length;
  const canvas = h('canvas', { class: 'heat', role: 'img', 'aria-label': `${title}: heatmap; the table below holds the data` });
  const rows = aligned.xs.map((t, ti) => [fmtTime(t), ...cells.map((c) => (c[ti] === null ? '–' : `${c[ti].toFixed(2)}/s`))])
    .filter((r, ti) => cells.some((c) => c[ti] !== null && c[ti] > 0));
  const tbl = table(title, ['Time', ...labels.map((l) => `${l} s`)], rows, { class: 'data-table' });
  const panel = h('figure', { class: 'chart heatmap panel', dataset: { points: String(filled), title } },
    h('figcaption', null, title),
    filled === 0 ? h('p', { class: 'empty' }, 'No data in this range') : null,
    canvas, h('details', { class: 'table-alt' }, h('summary', null, 'Data table'), tbl));
  const draw = () => {
    const w = Math.max(120, Math.floor(canvas.clientWidth));
    const hgt = 180;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr; canvas.height = hgt * dpr;
    canvas.style.height = `${hgt}px`;
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, hgt);
    const left = 70; const plotW = w - left; const rowH = hgt / Math.max(1, cells.length);
    const colW = plotW / Math.max(1, aligned.xs.length);
    const muted = cssVar('--muted');
    g.font = '10px sans-serif';
    const every = Math.max(1, Math.ceil(12 / rowH)); // a label at most every 12 px
    cells.forEach((col, bi) => {
      const y = hgt - (bi + 1) * rowH;
      if (bi % every === 0) {
        g.fillStyle = muted;
        g.fillText(`≤ ${bounds[bi].le === '+Inf' ? '∞' : fmtValue(bounds[bi].v, 's')}`, 2, y + rowH - 1);
      }
      col.forEach((v, ti) => {
        if (!v) return;
        const a = Math.min(1, 0.15 + 0.85 * Math.sqrt(v / max));
        g.fillStyle = `rgba(239, 68, 68, ${a})`;
        g.fillRect(left + ti * colW, y, Math.ceil(colW), Math.ceil(rowH));
      });
    });
  };
  new ResizeObserver(draw).observe(panel);
  return panel;
}
