/**
 * The one error type of the engine. Every failure a user can meet carries a stable code (mapped to
 * an HTTP status in one place, api/errors.ts) and, where there is one, the action that fixes it.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'Configuration is invalid',
  PORT_IN_USE: 'A port the engine needs is already in use',
  DATA_DIR_UNWRITABLE: 'The data directory cannot be written',
  DATABASE_UNAVAILABLE: 'PostgreSQL cannot be reached',
  STORAGE_UNAVAILABLE: 'Blob storage cannot be reached',
  STORAGE_NOT_CONFIGURED: 'Blob storage is not configured',
  MIGRATION_FAILED: 'A database migration failed',
  EMBEDDED_START_FAILED: 'An embedded service failed to start',
  BAD_REQUEST: 'The request is malformed',
  UNSUPPORTED_MEDIA_TYPE: 'The request body is not application/json',
  VALIDATION_FAILED: 'The request did not pass validation',
  UNAUTHENTICATED: 'No valid API key was presented',
  FORBIDDEN: 'The caller may not do this',
  NOT_FOUND: 'No such resource',
  CONFLICT: 'The resource is in a state that does not allow this',
  RATE_LIMITED: 'Too many requests',
  SERVICE_UNAVAILABLE: 'This engine build does not offer this service yet',
  JOB_RUNNING: 'A job is already running for this organization',
  FULL_BACKUP_REQUIRED: "The cycle's full backup has not finished",
  SUBSCRIPTION_EXPIRED: 'The subscription has expired',
  DAILY_JOB_LIMIT: 'The daily job limit is reached',
  SEATS_EXCEEDED: 'Active users exceed the purchased seats',
  ORG_AUTH_FAILED: 'The organization refused our credentials',
  RECONNECT_NEEDED: 'Salesforce revoked our access to the organization: an administrator must reconnect it',
  LOGIN_LINK_INVALID: 'The login link is unknown, already used or expired',
  ORG_API_ERROR: 'The organization answered with an error',
  URL_NOT_ALLOWED: 'The URL is not a Salesforce address the engine may call',
  API_BUDGET_EXHAUSTED: 'The API budget for this organization is spent',
  LEGAL_HOLD: 'A legal hold keeps this organization or these records as they are',
  INTEGRITY_ERROR: 'Stored data failed verification',
  MALFORMED_DATA: 'Data to be stored could not be parsed',
  KEY_ERROR: 'An encryption key is missing or wrong',
  DISK_FULL: 'There is no space left on a device',
  INTERNAL: 'Internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  /** What the user can do about it, in words they can act on. */
  actions?: string[];
  /** Structured detail safe to show (never secrets or record contents). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class OrgVaultError extends Error {
  readonly code: ErrorCode;
  readonly actions: string[];
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: ErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrgVaultError';
    this.code = code;
    this.actions = options.actions ?? [];
    this.details = options.details;
  }

  /** One line for a terminal: the message and the first action. */
  oneLine(): string {
    return this.actions.length > 0 ? `${this.message} — ${this.actions[0]}` : this.message;
  }

  static is(err: unknown, code?: ErrorCode): err is OrgVaultError {
    return err instanceof OrgVaultError && (code === undefined || err.code === code);
  }
}

/** Turns low-level Node errors into OrgVaultErrors where the cause is one users meet. */
export function fromSystemError(err: unknown, context: string): OrgVaultError {
  if (err instanceof OrgVaultError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EADDRINUSE':
      return new OrgVaultError('PORT_IN_USE', `${context}: port already in use`, {
        actions: ['Stop the other process or choose another port (see the configuration table in README.md).'],
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new OrgVaultError('DATA_DIR_UNWRITABLE', `${context}: permission denied (${e.path ?? ''})`, {
        actions: ['Make the directory writable or set ORGVAULT_DATA_DIR to one that is.'],
        cause: err,
      });
    case 'ENOSPC':
      return new OrgVaultError('DISK_FULL', `${context}: no space left on device`, {
        actions: ['Free disk space; nothing already stored was changed.'],
        cause: err,
      });
    default:
      return new OrgVaultError('INTERNAL', `${context}: ${e?.message ?? String(err)}`, { cause: err });
  }
}
