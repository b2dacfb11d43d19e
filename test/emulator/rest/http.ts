/** Request plumbing shared by the REST routes: versions, auth, metering, error answers. */
import type { NextFunction, Request, Response } from 'express';
import { SfError, notFound } from '../errors.js';
import type { Org } from '../data/org.js';
import { SUBREQUEST_HEADER, SUBREQUEST_SECRET } from './composite-requests.js';

/** A JSON request body may hold 50 MB (so a base64 file at most 37.5 MB); larger files go multipart. */
export const MAX_JSON_REQUEST_BYTES = 52_428_800;

export const MIN_VERSION = 20;
/** Winter '27, the current release. */
export const MAX_VERSION = 68;

/** "62.0" from a ":version" route parameter like "v62.0"; NOT_FOUND for versions we don't serve. */
export function parseVersion(raw: string | undefined): string {
  const m = /^v(\d+)\.0$/.exec(raw ?? '');
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= MIN_VERSION && n <= MAX_VERSION)) throw notFound();
  return `${n}.0`;
}

export function sendError(res: Response, err: SfError): void {
  res.status(err.status).json([err.toJSON()]);
}

export function bearerToken(req: Request): string | null {
  const h = req.headers.authorization ?? '';
  const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

/** Authenticates, then counts the call against the daily budget and says so in Sforce-Limit-Info. */
export function authAndMeter(org: Org) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.version = parseVersion(req.params.version as string | undefined);
    const token = bearerToken(req);
    const userId = token ? org.authenticate(token) : null;
    if (!userId) {
      sendError(res, new SfError('INVALID_SESSION_ID', 'Session expired or invalid', 401));
      return;
    }
    res.locals.userId = userId;
    // A composite's subrequests were counted with the composite itself.
    if (req.get(SUBREQUEST_HEADER) === SUBREQUEST_SECRET) return next();
    const counted = org.limits.use('DailyApiRequests');
    const { used, max } = org.limits.usage('DailyApiRequests');
    res.setHeader('Sforce-Limit-Info', `api-usage=${used}/${max}`);
    if (!counted) {
      sendError(res, new SfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', 403));
      return;
    }
    next();
  };
}

/** Injected faults (error rates by path, added latency) for every request but the admin endpoint. */
export function injectFaults(org: Org) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/__emulator')) return next();
    const rule = org.faults.errorFor(req.path);
    const go = (): void => {
      if (rule) sendError(res, new SfError(rule.errorCode, rule.message, rule.status));
      else next();
    };
    if (org.faults.latencyMs > 0) setTimeout(go, org.faults.latencyMs);
    else go();
  };
}

/** Last error handler: Salesforce-shaped answers, never a crash. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof SfError) return sendError(res, err);
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed')
    return sendError(res, new SfError('JSON_PARSER_ERROR', `Unexpected character: ${e.message ?? ''}`));
  if (e?.type === 'entity.too.large')
    return sendError(
      res,
      new SfError('JSON_PARSER_ERROR', `Maximum size of request reached. Maximum size of request is ${MAX_JSON_REQUEST_BYTES} bytes.`),
    );
  sendError(res, new SfError('UNKNOWN_EXCEPTION', `An unexpected error occurred: ${e?.message ?? String(err)}`, 500));
}
