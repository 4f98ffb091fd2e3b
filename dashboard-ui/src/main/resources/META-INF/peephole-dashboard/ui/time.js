// Time ranges: relative ("1h") or absolute (from/to in ms); steps that keep a panel near 300-600 points.

export const RELATIVE = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000 };
const STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** {start, end} in seconds for a range {rel} or {from, to}. */
export function resolve(range) {
  if (range.rel) {
    const end = Math.floor(Date.now() / 1000);
    return { start: end - RELATIVE[range.rel], end };
  }
  return { start: Math.floor(range.from / 1000), end: Math.floor(range.to / 1000) };
}

/** A step giving at most ~600 points per series (steps of a minute or more read the rollups). */
export function stepFor(start, end) {
  const raw = (end - start) / 600;
  return STEPS.find((s) => s >= raw) || 86400;
}

/** The window of rate() for a step: at least a minute, at least four steps. */
export function rateWindow(step) {
  return `${Math.max(60, step * 4)}s`;
}

export function fmtTime(sec) {
  return new Date(sec * 1000).toLocaleString();
}

export function fmtDuration(us) {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${Math.round(us)} µs`;
}

export function fmtValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'bytes': {
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let i = 0; let x = Math.abs(v);
      while (x >= 1024 && i < u.length - 1) { x /= 1024; i += 1; }
      return `${(Math.sign(v) * x).toFixed(x < 10 ? 2 : 1)} ${u[i]}`;
    }
    case 'bytes/s': return `${fmtValue(v, 'bytes')}/s`;
    case 's': return v >= 1 ? `${v.toFixed(2)} s` : v >= 1e-3 ? `${(v * 1e3).toFixed(2)} ms` : `${(v * 1e6).toFixed(0)} µs`;
    case 'ratio': return v === 0 || Math.abs(v) >= 0.1 ? `${(v * 100).toFixed(1)} %` : `${(v * 100).toPrecision(2)} %`;
    case '/s': return `${v < 10 ? v.toFixed(2) : v.toFixed(1)}/s`;
    case '°C': return `${v.toFixed(1)} °C`;
    default: return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3);
  }
}
