// Agents: service, host, versions, last seen, state, sampling ratio; admins change the ratio
// (PUT /api/v1/agents/{id}/settings, pushed to the agent live).
import { api } from '../api.js';
import { h, table } from '../dom.js';

export async function render(ctx) {
  const root = h('section', { 'aria-labelledby': 'agents-title' }, h('h1', { id: 'agents-title' }, 'Agents'));
  const agents = (await api(`/api/v1/agents?withinSeconds=${Math.max(86400, ctx.span.end - ctx.span.start)}`)).data;
  if (!agents.length) {
    root.appendChild(h('p', { class: 'empty' }, 'No agent has connected yet.'));
    return root;
  }
  const admin = ctx.user.role === 'admin';
  const rows = agents.map((a) => {
    let ratio = `${a.samplingRatio}`;
    if (admin) {
      const input = h('input', { type: 'number', min: 0, max: 1, step: 0.05, value: String(a.samplingRatio), class: 'ratio',
        'aria-label': `Sampling ratio of ${a.agentId}`, dataset: { agent: a.agentId } });
      const msg = h('span', { class: 'msg', role: 'status' });
      const form = h('form', { class: 'ratio-form', dataset: { agent: a.agentId } }, input,
        h('button', { type: 'submit' }, 'Save'), msg);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = Number(input.value);
        try {
          await api(`/api/v1/agents/${encodeURIComponent(a.agentId)}/settings`, { method: 'PUT', json: { samplingRatio: v } });
          msg.textContent = 'saved, pushed to the agent';
        } catch (err) {
          msg.textContent = err.message;
        }
      });
      ratio = form;
    }
    return [a.serviceName, a.hostName, a.agentId, `${a.serviceVersion || ''}`, `${a.jvmVersion} ${a.jvmVendor}`, a.agentVersion,
      new Date(a.lastSeen).toLocaleString(), h('span', { class: `state state-${a.state}` }, a.state), ratio];
  });
  root.appendChild(table('Agents seen recently', ['Service', 'Host', 'Agent', 'App version', 'JVM', 'Agent version', 'Last seen', 'State', 'Sampling ratio'],
    rows, { class: 'agents', id: 'agents-table' }));
  return root;
}
