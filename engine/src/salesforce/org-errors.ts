import { OrgVaultError } from '../errors.js';

/** One entry of Salesforce's error array: `[{message, errorCode, fields?}]`. */
export interface SalesforceErrorItem {
  errorCode: string;
  message: string;
  fields?: string[];
}

/** Statuses after which the same request may succeed: server trouble, not our request. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** Socket-level failures (undici names and Node errno codes) that a retry can outlive. */
const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Parses a Salesforce error body (an array, a single object, or OAuth's `{error, error_description}`). */
export function parseSalesforceError(text: string): SalesforceErrorItem | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first || typeof first !== 'object') return undefined;
  const o = first as Record<string, unknown>;
  if (typeof o.errorCode === 'string') {
    return {
      errorCode: o.errorCode,
      message: String(o.message ?? ''),
      ...(Array.isArray(o.fields) ? { fields: o.fields as string[] } : {}),
    };
  }
  if (typeof o.error === 'string') return { errorCode: o.error, message: String(o.error_description ?? '') };
  return undefined;
}

/** 401 anywhere; the OAuth endpoints (userinfo) answer a dead token with 403 `Bad_OAuth_Token`. */
export function isSessionRefusal(status: number, bodyText: string): boolean {
  return status === 401 || (status === 403 && bodyText.trim() === 'Bad_OAuth_Token');
}

/** Maps an HTTP error answer of the org to our error type; `what` names the call for the message. */
export function orgHttpError(status: number, bodyText: string, what: string): OrgVaultError {
  const item = parseSalesforceError(bodyText);
  const errorCode = item?.errorCode ?? `HTTP_${status}`;
  const sfMessage = item?.message ?? bodyText.slice(0, 300);
  const details = { status, errorCode, sfMessage, transient: TRANSIENT_STATUS.has(status) };
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED') {
    return new OrgVaultError('API_BUDGET_EXHAUSTED', `${what}: the org's daily API request limit is spent (${sfMessage})`, {
      details: { ...details, source: 'org' },
      actions: ["Wait until the org's 24-hour API usage falls, or ask Salesforce for a higher limit."],
    });
  }
  if (isSessionRefusal(status, bodyText) || errorCode === 'INVALID_SESSION_ID') {
    return new OrgVaultError('ORG_AUTH_FAILED', `${what}: the org refused the session (${errorCode}: ${sfMessage})`, {
      details,
      actions: ['Reconnect the org (`npx orgvault org add`); check that the integration user is active and the connected app is approved.'],
    });
  }
  return new OrgVaultError('ORG_API_ERROR', `${what}: ${errorCode}: ${sfMessage}`, { details });
}

/** A failure below HTTP (connection refused or reset, a body cut short): always worth a retry. */
export function orgNetworkError(err: unknown, what: string): OrgVaultError {
  if (err instanceof OrgVaultError) return err;
  const code = networkCode(err);
  return new OrgVaultError('ORG_API_ERROR', `${what}: ${code ?? (err as Error)?.message ?? String(err)}`, {
    details: { errorCode: code ?? 'NETWORK', transient: true },
    cause: err,
  });
}

function networkCode(err: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed' | 'terminated', { cause })
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && TRANSIENT_NET_CODES.has(e.code)) return e.code;
  }
  const message = (err as Error)?.message;
  if (message === 'terminated' || message === 'fetch failed') return 'UND_ERR_SOCKET';
  return undefined;
}

/** True when the same call may succeed later: server errors and network failures. */
export function isTransient(err: unknown): boolean {
  if (err instanceof OrgVaultError) return err.details?.transient === true;
  return networkCode(err) !== undefined;
}
