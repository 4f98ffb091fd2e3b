// Hosts & JVMs: the agent's OSHI host series and JVM series, a chart each, for one agent.
import { api } from '../api.js';
import { h } from '../dom.js';
import { lit, panelGrid } from './panels.js';

export function panelsFor(instance) {
  const i = `instance=${lit(instance)}`;
  return [
    { title: 'CPU utilization (host)', q: `avg(system_cpu_utilization_ratio{${i}})`, unit: 'ratio', legend: '__none' },
    { title: 'CPU utilization (JVM process)', q: `avg(process_cpu_utilization_ratio{${i}})`, unit: 'ratio', legend: '__none' },
    // legends "1m", "5m", "15m" rather than the metric names
    { title: 'Load average', q: `label_replace({__name__=~"system_cpu_load_average_(1m|5m|15m)",${i}}, "window", "$1", "__name__", "system_cpu_load_average_(.+)")`,
      unit: '', legend: 'window' },
    { title: 'Memory', q: `sum by (system_memory_state) (system_memory_usage_bytes{${i}})`, unit: 'bytes', legend: 'system_memory_state' },
    { title: 'Swap', q: `sum by (system_paging_state) (system_paging_usage_bytes{${i}})`, unit: 'bytes', legend: 'system_paging_state',
      empty: 'No swap figures from this host in this range' },
    // OSHI reads sensors where the platform exposes them (not in most virtual machines)
    { title: 'Temperature', q: `max by (hw_id) (hw_temperature_celsius{${i}})`, unit: '°C', legend: 'hw_id',
      empty: 'This host reports no temperature sensor (none found by OSHI) in this range' },
    { title: 'Filesystem used', q: `sum by (system_filesystem_mountpoint) (system_filesystem_utilization_ratio{${i},system_filesystem_type!~"tmpfs|devtmpfs"})`, unit: 'ratio', legend: 'system_filesystem_mountpoint' },
    { title: 'Disk I/O', q: `sum by (disk_io_direction) (rate(system_disk_io_bytes_total{${i}}[$w]))`, unit: 'bytes/s', legend: 'disk_io_direction' },
    { title: 'Network I/O', q: `sum by (network_io_direction) (rate(system_network_io_bytes_total{${i}}[$w]))`, unit: 'bytes/s', legend: 'network_io_direction' },
    { title: 'Heap used by pool', q: `sum by (jvm_memory_pool_name) (jvm_memory_used_bytes{${i},jvm_memory_type="heap"})`, unit: 'bytes', legend: 'jvm_memory_pool_name' },
    { title: 'Non-heap used', q: `sum(jvm_memory_used_bytes{${i},jvm_memory_type="non_heap"})`, unit: 'bytes', legend: '__none' },
    { title: 'GC time (share of wall time)', q: `sum by (jvm_gc_name) (rate(jvm_gc_duration_seconds_sum{${i}}[$w]))`, unit: 'ratio', legend: 'jvm_gc_name' },
    { title: 'GC collections', q: `sum by (jvm_gc_name) (rate(jvm_gc_duration_seconds_count{${i}}[$w]))`, unit: '/s', legend: 'jvm_gc_name' },
    // legends "daemon" and "non-daemon" rather than the label's "true" and "false"
    { title: 'Threads', q: `label_replace(label_replace(sum by (jvm_thread_daemon) (jvm_thread_count{${i}}), "kind", "daemon", "jvm_thread_daemon", "true"), "kind", "non-daemon", "jvm_thread_daemon", "false")`,
      unit: '', legend: 'kind' },
  ];
}

export async function render(ctx) {
  const root = h('section', { 'aria-labelledby': 'hosts-title' }, h('h1', { id: 'hosts-title' }, 'Hosts & JVMs'));
  const agents = (await api(`/api/v1/agents?withinSeconds=${Math.max(3600, ctx.span.end - ctx.span.start)}`)).data;
  if (!agents.length) {
    root.appendChild(h('p', { class: 'empty' }, 'No agent has reported in this range.'));
    return root;
  }
  const chosen = agents.find((a) => a.agentId === ctx.params.agent) || agents.find((a) => a.state === 'connected') || agents[0];
  const select = h('select', { id: 'host-agent', onchange: (e) => ctx.set({ agent: e.target.value }) },
    agents.map((a) => {
      const o = h('option', { value: a.agentId }, `${a.serviceName} on ${a.hostName} (${a.agentId})`);
      o.selected = a.agentId === chosen.agentId;
      return o;
    }));
  root.appendChild(h('p', { class: 'controls' }, h('label', { for: 'host-agent' }, 'Agent '), select));
  root.appendChild(h('p', { class: 'meta' }, `JVM ${chosen.jvmVersion} (${chosen.jvmVendor}), pid ${chosen.pid}, host ${chosen.hostName}`));
  root.appendChild(await panelGrid(ctx, panelsFor(chosen.agentId)));
  return root;
}
