// The local preview's stand-in for OrgVaultController: each Apex method becomes the same engine
// call the controller makes (preview/apex-routes.json, checked against the Apex source), and the
// answer comes back the way Apex gives it: the engine's JSON text, or a failure shaped like an
// AuraHandledException carrying {code, status, message, actions}.
import ROUTES from '../apex-routes.json';

const SESSION_KEY = 'orgvault.preview.caller';

/**
 * Who the preview calls as: the engine key and the user's identity and roles, which in Salesforce
 * the Named Credential and the controller supply. Taken once from the URL fragment and kept for the
 * tab's session only: either a one-time sign-in link's ticket (#ticket=..., as `npm start` prints),
 * exchanged with the engine for them, or given outright (#key=...&user=...&roles=administrator).
 */
let signingIn = null;

export async function caller() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('ticket') || fragment.get('key')) window.history.replaceState(null, '', window.location.pathname);
  if (fragment.get('ticket')) signingIn = redeem(fragment.get('ticket'));
  else if (fragment.get('key')) {
    signingIn = null;
    keep({ key: fragment.get('key'), user: fragment.get('user') || 'preview@localhost', roles: fragment.get('roles') || 'administrator' });
  }
  // Every call the page makes while the ticket is exchanged waits for that one exchange.
  if (signingIn) return signingIn;
  const kept = sessionStorage.getItem(SESSION_KEY);
  return kept ? JSON.parse(kept) : null;
}

function keep(who) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(who));
  return who;
}

async function redeem(ticket) {
  const res = await fetch('/preview/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ ticket }),
  });
  const answer = await res.json().catch(() => null);
  if (!res.ok) {
    const error = answer?.error ?? { code: 'ENGINE_UNAVAILABLE', message: `The OrgVault engine answered with HTTP ${res.status}.` };
    throw failure(error.code, res.status, error.message, error.actions);
  }
  return keep(answer);
}

function failure(code, status, message, actions = []) {
  return { status, body: { message: JSON.stringify({ code, status, message, actions }) } };
}

/** The request the controller would send for this Apex method and its parameters. */
export function engineRequest(method, params = {}) {
  const route = ROUTES[method];
  const path = route.path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name]));
  let body;
  if (route.jsonBody) body = params[route.jsonBody];
  else if (route.body) {
    const fields = {};
    for (const [key, param] of Object.entries(route.body)) {
      const optional = param.endsWith('?');
      const value = params[optional ? param.slice(0, -1) : param];
      if (!optional || (Array.isArray(value) ? value.length > 0 : value != null)) fields[key] = value;
    }
    body = JSON.stringify(fields);
  }
  // Query parameters as the controller's queryString builds them: blank ones left out; "=x" is a constant.
  const query = new URLSearchParams();
  for (const [key, param] of Object.entries(route.query ?? {})) {
    const value = param.startsWith('=') ? param.slice(1) : params[param];
    if (value !== undefined && value !== null && String(value).trim() !== '') query.set(key, String(value));
  }
  const search = query.size > 0 ? `?${query}` : '';
  return { method: route.method, path: `/api/v1${path}${search}`, body };
}

export async function callApex(method, params) {
  const who = await caller();
  if (!who)
    throw failure('UNAUTHENTICATED', 401, 'The preview has no engine key.', [
      'Open the link `npm start` prints, or open the preview as /preview/#key=<API key>&roles=administrator.',
    ]);
  const { method: verb, path, body } = engineRequest(method, params);
  const headers = {
    Accept: 'application/json',
    'X-OrgVault-Key': who.key,
    'X-OrgVault-User': who.user,
    'X-OrgVault-Roles': who.roles,
    'X-OrgVault-Client': 'page',
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method: verb, headers, body });
  } catch (e) {
    throw failure('ENGINE_UNREACHABLE', 503, `The OrgVault engine cannot be reached: ${e.message}`);
  }
  const text = await res.text();
  if (res.ok) return text;
  try {
    const { error } = JSON.parse(text);
    throw failure(error.code, res.status, error.message, error.actions);
  } catch (e) {
    if (e.body) throw e;
    throw failure('ENGINE_UNAVAILABLE', res.status, `The OrgVault engine answered with HTTP ${res.status}.`);
  }
}
