import type { ErrorRequestHandler } from 'express';
import { OrgVaultError, type ErrorCode } from '../errors.js';

/** The one place where error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  PORT_IN_USE: 500,
  DATA_DIR_UNWRITABLE: 500,
  DATABASE_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_NOT_CONFIGURED: 503,
  MIGRATION_FAILED: 500,
  EMBEDDED_START_FAILED: 500,
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  JOB_RUNNING: 409,
  FULL_BACKUP_REQUIRED: 409,
  SUBSCRIPTION_EXPIRED: 402,
  DAILY_JOB_LIMIT: 429,
  SEATS_EXCEEDED: 402,
  ORG_AUTH_FAILED: 502,
  RECONNECT_NEEDED: 409,
  LOGIN_LINK_INVALID: 400,
  ORG_API_ERROR: 502,
  URL_NOT_ALLOWED: 400,
  API_BUDGET_EXHAUSTED: 429,
  LEGAL_HOLD: 409,
  INTEGRITY_ERROR: 500,
  MALFORMED_DATA: 502,
  KEY_ERROR: 500,
  DISK_FULL: 507,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; actions: string[]; details?: Record<string, unknown> };
}

export function errorBody(err: OrgVaultError): ErrorBody {
  return { error: { code: err.code, message: err.message, actions: err.actions, ...(err.details ? { details: err.details } : {}) } };
}

/** Express error middleware: known errors keep their code; anything else is logged and hidden. */
export function errorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let known: OrgVaultError;
    if (err instanceof OrgVaultError) known = err;
    else if ((err as { type?: string }).type === 'entity.parse.failed')
      known = new OrgVaultError('BAD_REQUEST', 'Request body is not valid JSON');
    else if ((err as { type?: string }).type === 'entity.too.large') known = new OrgVaultError('BAD_REQUEST', 'Request body is too large');
    else if (isClientHttpError(err)) known = new OrgVaultError(err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST', err.message);
    // The router could not decode a path parameter (`%zz`, a cut-short UTF-8 sequence).
    else if (err instanceof URIError) known = new OrgVaultError('BAD_REQUEST', 'The path holds a malformed percent-escape');
    else {
      log.error({ err }, 'unhandled error');
      known = new OrgVaultError('INTERNAL', 'Internal error');
    }
    // The body parser's own 4xx (413 too large, 400 bad encoding) keep their status under BAD_REQUEST.
    const status = known.code === 'BAD_REQUEST' && isClientHttpError(err) ? err.status : HTTP_STATUS[known.code];
    res.status(status).json(errorBody(known));
  };
}

/** An http-errors 4xx whose message is safe to show (the body parser's: size, charset, encoding). */
function isClientHttpError(err: unknown): err is { status: number; message: string } {
  const e = err as { status?: unknown; expose?: unknown };
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true;
}
