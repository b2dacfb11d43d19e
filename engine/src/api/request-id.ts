import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = Symbol('orgvault.requestId');
/** A caller's own id is kept when it is short and plain (a proxy's or the page's); else we make one. */
const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Middleware: every request gets an id, answered in X-Request-Id and written to its audit entry. */
export function requestIds(req: Request, res: Response, next: NextFunction): void {
  const given = req.get(REQUEST_ID_HEADER);
  const id = given && SAFE.test(given) ? given : randomUUID();
  (req as Request & { [REQUEST_ID]?: string })[REQUEST_ID] = id;
  res.set('X-Request-Id', id);
  next();
}

export function requestIdOf(req: Request): string | null {
  return (req as Request & { [REQUEST_ID]?: string })[REQUEST_ID] ?? null;
}
