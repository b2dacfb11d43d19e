import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrgVaultError, type ErrorCode } from '../errors.js';
import type { Action } from '../tenants/roles.js';
import type { Caller } from './auth.js';

type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : void;

/**
 * One route, described once: how it is mounted, what it validates, what it answers, which
 * action it needs and which error codes it documents. The OpenAPI document is generated from
 * the same description (openapi.ts).
 */
export interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema, R extends Schema | null> {
  id: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /orgs/:orgId */
  path: string;
  tag: string;
  summary: string;
  /** The action the caller's roles must allow; null = any authenticated caller. */
  action: Action | null;
  params?: P;
  query?: Q;
  body?: B;
  /** Omit the body entirely (POST with an optional body). */
  bodyOptional?: boolean;
  status: number;
  /** Null for an answer without a body (204) or one the handler streams itself (and leaves unended). */
  response: R;
  /** For a streamed answer: its media type, documented instead of a JSON schema. */
  streams?: string;
  errors: ErrorCode[];
  handler(input: { params: Out<P>; query: Out<Q>; body: Out<B>; caller: Caller; req: Request; res: Response }): Promise<Out<R>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

export function defineRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Schema | null>(
  spec: RouteSpec<P, Q, B, R>,
): RouteSpec<P, Q, B, R> {
  return spec;
}

/** Every route needs these: the caller must be known, and the request may be refused for these. */
export const COMMON_ERRORS: ErrorCode[] = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
];

function validationError(where: string, err: z.ZodError): OrgVaultError {
  // Paths and messages only: values are never echoed (they may be secrets).
  const issues = err.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new OrgVaultError('VALIDATION_FAILED', `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: { issues },
  });
}

function parse<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const r = schema.safeParse(value);
  if (!r.success) {
    // A malformed id names nothing that exists: the same answer as an unknown one.
    if (where === 'path') throw new OrgVaultError('NOT_FOUND', 'No such resource');
    throw validationError(where, r.error);
  }
  return r.data as Out<S>;
}

/** Walks without recursion: a 64 KB body can nest arrays deeper than the stack goes. */
function holdsNul(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        pending.push(x);
      }
    }
  }
  return false;
}

const isEmptyBody = (b: unknown): boolean =>
  b === undefined || (typeof b === 'object' && b !== null && !Array.isArray(b) && Object.keys(b).length === 0);

/**
 * Told of every request that reached a route: `begun` once the caller is authorized and the input
 * valid (before the handler acts), `ended` with the handler's result or whatever refused or failed
 * it, before the answer leaves. The audit trail is written here (api/audit.ts).
 */
export interface RouteObserver {
  begun(route: AnyRoute, req: Request, caller: Caller): Promise<void>;
  ended(route: AnyRoute, req: Request, outcome: { result: unknown } | { error: unknown }): Promise<void>;
}

async function handle(
  route: AnyRoute,
  req: Request,
  res: Response,
  authorize: (req: Request, action: Action | null) => Caller,
  observer: RouteObserver | undefined,
): Promise<unknown> {
  const caller = authorize(req, route.action);
  // PostgreSQL text cannot hold NUL: refused here as the client's mistake rather than met there as a 500.
  if (holdsNul(req.params) || holdsNul(req.query) || holdsNul(req.body))
    throw new OrgVaultError('BAD_REQUEST', 'The request holds a NUL character (U+0000), which no id, name or value may contain');
  const params = parse(route.params, req.params, 'path');
  if (!route.query && Object.keys(req.query).length > 0)
    throw new OrgVaultError('VALIDATION_FAILED', 'This request takes no query parameters');
  const query = parse(route.query, req.query, 'query');
  let body: unknown;
  if (route.body) body = parse(route.body, route.bodyOptional && req.body === undefined ? {} : req.body, 'body');
  else if (!isEmptyBody(req.body)) throw new OrgVaultError('VALIDATION_FAILED', 'This request takes no body');
  await observer?.begun(route, req, caller);
  return route.handler({ params, query, body, caller, req, res });
}

export function mountRoutes(
  router: Router,
  routes: AnyRoute[],
  authorize: (req: Request, action: Action | null) => Caller,
  observer?: RouteObserver,
): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      let result: unknown;
      try {
        result = await handle(route, req, res, authorize, observer);
      } catch (error) {
        await observer?.ended(route, req, { error });
        throw error;
      }
      await observer?.ended(route, req, { result });
      // A streamed answer is ended here, after its audit entry is written: a client that has the
      // whole answer finds the entry.
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      if (route.response === null) {
        res.status(route.status).end();
        return;
      }
      // Encoding validates the answer against the documented schema and turns dates into ISO strings.
      const encoded = z.safeEncode(route.response, result);
      if (!encoded.success) {
        throw new OrgVaultError('INTERNAL', `Answer of ${route.id} does not match its schema`, {
          details: { issues: encoded.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        });
      }
      res.status(route.status).json(encoded.data);
    });
  }
}
