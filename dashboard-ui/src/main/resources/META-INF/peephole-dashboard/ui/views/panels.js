// Shared pieces of the views: a grid of PromQL chart panels over the chosen range.
import { queryRange } from '../api.js';
import { align, chart } from '../chart.js';
import { h } from '../dom.js';
import { rateWindow, stepFor } from '../time.js';

/**
 * Renders panels [{title, q (with $w for the rate window), unit, legend}] into a grid; every
 * panel's query time is kept on its element (data-query-ms) and shown in its footer.
 */
export async function panelGrid(ctx, panels, cls = 'grid') {
  const grid = h('div', { class: cls });
  const { start, end } = ctx.span;
  const step = stepFor(start, end);
  const w = rateWindow(step);
  const slots = panels.map((p) => {
    const slot = h('div', { class: 'panel', 'aria-busy': 'true' }, h('p', { class: 'loading' }, `${p.title}: loading…`));
    grid.appendChild(slot);
    return slot;
  });
  await Promise.all(panels.map(async (p, i) => {
    const slot = slots[i];
    try {
      const { result, ms } = await queryRange(p.q.replaceAll('$w', w), start, end, step);
      const c = chart(p.title, align(result, start, end, step, p.legend), { unit: p.unit, onZoom: ctx.zoom, empty: p.empty });
      c.dataset.queryMs = ms.toFixed(1);
      slot.replaceChildren(c, h('p', { class: 'meta' }, `step ${step}s · query ${ms.toFixed(0)} ms`));
    } catch (e) {
      slot.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${p.title}: ${e.message}`));
    }
    slot.removeAttribute('aria-busy');
  }));
  return grid;
}

/** Escapes a label value for a PromQL string literal. */
export function lit(v) {
  return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
