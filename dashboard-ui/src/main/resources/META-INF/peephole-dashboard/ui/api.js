// Calls to the collector's APIs with the session cookie; changes carry the CSRF token.

let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrfToken = token; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = { 'X-Requested-With': 'peephole-dashboard', Accept: 'application/json' };
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.jsonText !== undefined) {
    // a JSON document as the user gave it (an imported file): the server checks it
    headers['Content-Type'] = 'application/json';
    body = options.jsonText;
  } else if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const r = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 204) return null;
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    if (r.status === 401 && !options.noRedirect) onUnauthorized();
    const msg = data && (data.error || (data.errors && data.errors[0] && data.errors[0].msg));
    throw new ApiError(r.status, msg || `${path} answered ${r.status}`);
  }
  return data;
}

/** Prometheus query_range (POST form, one of its read-only POSTs); the matrix and the time taken in ms. */
export async function queryRange(query, start, end, step) {
  const t0 = performance.now();
  const d = await api('/api/v1/query_range', { method: 'POST', form: { query, start, end, step } });
  return { result: d.data.result, ms: performance.now() - t0 };
}

export async function query(query, time) {
  const t0 = performance.now();
  const form = { query };
  if (time !== undefined) form.time = time;
  const d = await api('/api/v1/query', { method: 'POST', form });
  return { result: d.data.result, ms: performance.now() - t0 };
}
