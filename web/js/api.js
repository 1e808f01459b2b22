// The safed control API (agent/http/README.md): every answer is the
// envelope {"result", "text", "arguments"}; the HTTP status says whether it
// worked. Only this file knows URLs and headers.

const BASE = '/api/v1';
const DEFAULT_TIMEOUT_MS = 10000;

// A refused or failed request. status is the HTTP status, 0 when safed
// could not be reached; text is what safed said (or what went wrong); args
// the envelope's arguments: a command sent to every node that failed on one
// (500) or was refused by its check (409) still has each node's answer there.
export class ApiError extends Error {
  constructor(status, text, retryAfter = null, args = {}) {
    super(text);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
    this.args = args;
  }
}

// The envelope's text, or a short description when the body is not one
// (a proxy's error page, an empty 502...).
async function readEnvelope(res) {
  const body = await res.text();
  try {
    const env = JSON.parse(body);
    if (env && typeof env === 'object') return env;
  } catch {
    // fall through: not JSON
  }
  return { result: res.ok ? 0 : 1, text: `HTTP ${res.status} ${res.statusText}`.trim(), arguments: {} };
}

// One request; resolves to {text, args} on 2xx, throws ApiError otherwise.
// timeoutMs 0 waits as long as safed takes (a stop draining connections).
export async function request(method, path, { body, csrf, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const abort = new AbortController();
  const timer = timeoutMs ? setTimeout(() => abort.abort(), timeoutMs) : 0;
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: abort.signal,
    });
  } catch (e) {
    const why = e.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : e.message;
    throw new ApiError(0, `cannot reach safed: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  const env = await readEnvelope(res);
  if (!res.ok) {
    const retry = res.headers.get('Retry-After');
    throw new ApiError(res.status, env.text || `HTTP ${res.status}`, retry === null ? null : Number(retry),
      env.arguments || {});
  }
  return { text: env.text || '', args: env.arguments || {} };
}

export function login(user, password) {
  return request('POST', '/login', { body: { user, password } });
}

export function session() {
  return request('GET', '/session');
}

export function logout(csrf) {
  return request('POST', '/logout', { body: {}, csrf });
}

export function listCommands() {
  return request('GET', '/commands');
}

// node: another node's name (the call goes through this node's API to that
// node's, signed with the cluster key), or ALL_NODES; absent: this node.
export const ALL_NODES = 'all';

// A read-only command by GET (no CSRF needed, cacheable by nothing).
export function readCommand(name, module, node) {
  const query = Object.entries({ module, node })
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return request('GET', `/commands/${encodeURIComponent(name)}${query ? `?${query}` : ''}`);
}

// Any command by POST, with the safectl envelope {module, args} (and node).
export function postCommand(name, module, args, csrf, timeoutMs, node) {
  const body = { module, args: args || {} };
  if (node) body.node = node;
  return request('POST', `/commands/${encodeURIComponent(name)}`, { body, csrf, timeoutMs });
}

// Every node's status, metrics, logs and configuration in one .zip: a
// plain link (the session cookie goes with it; no CSRF token for a GET).
export function snapshotUrl(module) {
  return `${BASE}/snapshot${module ? `?module=${encodeURIComponent(module)}` : ''}`;
}
