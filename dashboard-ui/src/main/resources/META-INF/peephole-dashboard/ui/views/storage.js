// Storage: database size by kind, series per metric name (cardinality offenders), oldest and
// newest data, TimescaleDB compression, retention per kind; admins change retention live
// (PUT /api/v1/status/storage/retention) or give a kind back to its setting (DELETE).
import { api } from '../api.js';
import { h, table, uid } from '../dom.js';

const KIND_TITLES = { points: 'Metric points', series: 'Series and metadata', rollups: 'Rollups (1m, 1h)',
  spans: 'Spans', securityEvents: 'Security events', other: 'Everything else' };

/** 1536 -> "1.5 KiB" */
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

function retentionForm(kept, done) {
  const msg = h('p', { class: 'msg', id: 'retention-msg', role: 'status' });
  const inputs = {};
  const rows = kept.map((k) => {
    const id = uid('retention');
    inputs[k.kind] = h('input', { id, name: k.kind, value: k.keep, size: 8, 'aria-label': `Retention of ${KIND_TITLES[k.kind] || k.kind}` });
    const reset = h('button', { type: 'button', class: 'retention-reset', dataset: { kind: k.kind } }, 'Use the setting');
    reset.addEventListener('click', async () => {
      try {
        await api(`/api/v1/status/storage/retention?kind=${encodeURIComponent(k.kind)}`, { method: 'DELETE' });
        done();
      } catch (err) {
        msg.textContent = err.message;
      }
    });
    return [KIND_TITLES[k.kind] || k.kind, inputs[k.kind], `${k.source}${k.changedAt ? `, changed ${when(k.changedAt)}` : ''}`,
      `${k.setting} = ${k.configured}`, k.source === 'database' ? reset : ''];
  });
  const form = h('form', { id: 'retention-form', 'aria-label': 'Retention' },
    table('Retention per kind', ['Kind', 'Keep', 'Source', 'Setting', ''], rows, { id: 'retention-table' }),
    h('button', { type: 'submit', id: 'retention-save' }, 'Save retention'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const changes = {};
    for (const k of kept) if (inputs[k.kind].value.trim() !== k.keep) changes[k.kind] = inputs[k.kind].value.trim();
    if (!Object.keys(changes).length) { msg.textContent = 'nothing changed'; return; }
    try {
      await api('/api/v1/status/storage/retention', { method: 'PUT', json: changes });
      done('saved; applied on the next retention run');
    } catch (err) {
      msg.textContent = err.message;
    }
  });
  return form;
}

export async function render(ctx) {
  const root = h('section', { 'aria-labelledby': 'storage-title' }, h('h1', { id: 'storage-title' }, 'Storage'));
  const d = (await api('/api/v1/status/storage?top=20')).data;
  root.appendChild(h('p', { id: 'storage-summary' },
    `Database (${d.flavour === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL'}): ${bytes(d.databaseBytes)}, ${d.seriesCount} series.`));

  root.appendChild(table('Size by kind', ['Kind', 'Size', 'Tables'],
    d.sizes.map((s) => [KIND_TITLES[s.kind] || s.kind, bytes(s.bytes), s.tables.join(', ')]), { id: 'storage-sizes' }));

  root.appendChild(table('Oldest and newest data', ['Kind', 'Oldest', 'Newest'],
    Object.entries(d.timeRanges).map(([k, r]) => [KIND_TITLES[k] || k, when(r.oldest), when(r.newest)]), { id: 'storage-ranges' }));

  root.appendChild(d.seriesCountByMetricName.length
    ? table('Series per metric name (highest first)', ['Metric', 'Series'],
      d.seriesCountByMetricName.map((n) => [n.name, String(n.value)]), { id: 'storage-cardinality' })
    : h('p', { class: 'empty' }, 'No series stored yet.'));
  if (d.labelValueCountByLabelName.length) {
    root.appendChild(table('Distinct values per label name', ['Label', 'Values'],
      d.labelValueCountByLabelName.map((n) => [n.name, String(n.value)]), { id: 'storage-labels' }));
  }

  root.appendChild(table('Compression', ['Table', 'Ratio', 'Compressed chunks', 'Note'],
    d.compression.map((c) => [c.hypertable, c.ratio ? `${c.ratio} : 1` : '—',
      c.applicable && c.totalChunks !== undefined ? `${c.compressedChunks} of ${c.totalChunks}` : '—', c.note]), { id: 'storage-compression' }));

  if (ctx.user.role === 'admin') {
    const holder = h('div', { id: 'retention' });
    const show = async (message) => {
      const kept = (await api('/api/v1/status/storage')).data.retention;
      holder.replaceChildren(retentionForm(kept, show));
      if (message) holder.querySelector('#retention-msg').textContent = message;
    };
    holder.appendChild(retentionForm(d.retention, show));
    root.appendChild(holder);
  } else {
    root.appendChild(table('Retention per kind', ['Kind', 'Keep', 'Source', 'Setting'],
      d.retention.map((k) => [KIND_TITLES[k.kind] || k.kind, k.keep, k.source, `${k.setting} = ${k.configured}`]), { id: 'retention-table' }));
  }
  return root;
}
