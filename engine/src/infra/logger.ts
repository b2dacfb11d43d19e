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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'orgvault' } }, destination);
}
