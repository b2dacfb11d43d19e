import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets or record contents. pino's redaction is by path, so every place
 * we log such objects must use one of these names.
 */
export const REDACT_PATHS = [
  'accessToken',
  'refreshToken',
  'password',
  'secret',
  'apiKey',
  'authorization',
  'connectionString',
  'privateKey',
  'record',
  'records',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.authorization',
  '*.connectionString',
  '*.privateKey',
  '*.record',
  '*.records',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
];

/**
 * An error as a log line may show it: its kind, message and code. Library errors carry whole
 * objects (a pg error holds its Client, cancel key included), so nothing else of them is written.
 */
export function loggedError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const { name, message, code } = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    ...(typeof name === 'string' ? { type: name } : {}),
    message: typeof message === 'string' ? message : Object.prototype.toString.call(err),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'orgvault' },
      serializers: { err: loggedError, error: loggedError },
    },
    destination,
  );
}
