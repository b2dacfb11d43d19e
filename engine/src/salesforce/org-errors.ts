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
    return soapFault(text);
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

/** A SOAP fault (the partner API's answer to a call it refuses as a whole): `sf:CODE` and its text. */
function soapFault(text: string): SalesforceErrorItem | undefined {
  const code = /<faultcode>(?:[\w-]+:)?([^<]*)<\/faultcode>/.exec(text)?.[1];
  if (!code) return undefined;
  return { errorCode: code, message: /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1] ?? '' };
}

/** 401 anywhere; the OAuth endpoints (userinfo) answer a dead token with 403 `Bad_OAuth_Token`. */
export function isSessionRefusal(status: number, bodyText: string): boolean {
  return status === 401 || (status === 403 && bodyText.trim() === 'Bad_OAuth_Token');
}

/** Maps an HTTP error answer of the org to our error type; `what` names the call for the message. */
export function orgHttpError(status: number, bodyText: string, what: string): OrgVaultError {
  const item = parseSalesforceError(bodyText);
  const errorCode = item?.errorCode ?? `HTTP_${status}`;
  // Only Salesforce's own error items are repeated; any other answer (an HTML page, another service's reply) is not.
  const sfMessage = item?.message ?? (bodyText.trim() === 'Bad_OAuth_Token' ? 'Bad_OAuth_Token' : 'the answer is not a Salesforce error');
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

/** Codes we give answers that were not Salesforce's own errors, or to no answer at all. */
function notFromSalesforce(code: unknown): boolean {
  return (
    typeof code === 'string' && (code === 'NETWORK' || code === 'NOT_A_TOKEN' || /^HTTP_\d+$/.test(code) || TRANSIENT_NET_CODES.has(code))
  );
}

/**
 * What connecting answers when the address did not answer as Salesforce does: one code and one
 * message, the same whether nothing listens there, another protocol does or another HTTP service,
 * so that connecting an org tells nothing about the network behind it. The cause stays attached
 * for the log. Salesforce's own refusals (invalid_grant, INVALID_SESSION_ID) and the client's
 * mistakes found before sending keep their code.
 */
export function connectFailure(err: unknown): unknown {
  if (OrgVaultError.is(err) && !notFromSalesforce(err.details?.errorCode)) return err;
  return new OrgVaultError('ORG_API_ERROR', 'No Salesforce org answered at this address', {
    actions: [
      "Check the URL: the org's My Domain URL (https://NAME.my.salesforce.com), login.salesforce.com or test.salesforce.com.",
      'If the org is in maintenance, connect again later.',
    ],
    cause: err,
  });
}
