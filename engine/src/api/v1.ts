import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { OrgVaultError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import { httpRequestSeconds, httpRequestsTotal } from '../infra/metrics.js';
import { authenticate, authorize, KEY_HEADER, principalOf, type LocalAdmin } from './auth.js';
import { openApiDocument } from './openapi.js';
import { mountRoutes, type AnyRoute } from './route.js';
import type { ApiServices } from './services.js';
import { orgRoutes } from './routes/orgs.js';
import { jobRoutes } from './routes/jobs.js';
import { settingsRoutes } from './routes/settings.js';
import { meRoutes } from './routes/me.js';
import { restoreRoutes } from './routes/restores.js';
import { recordRoutes } from './routes/records.js';
import { tenantRoutes } from './routes/tenant.js';
import { checkRoutes } from './routes/check.js';
import { doctorRoutes } from './routes/doctor.js';
import { operatorRoutes } from './routes/operator.js';
import { localAdminMatcher } from '../tenants/local-admin.js';
import { auditRoutes } from './routes/audit.js';
import { retentionRoutes } from './routes/retention.js';
import { erasureRoutes } from './routes/erasure.js';
import { auditObserver } from './audit.js';
import { requestIds } from './request-id.js';

export interface ApiOptions {
  /** Requests per minute for one API key (or one address without a key). */
  rateLimitPerMinute: number;
  /** Failed authentications per 15 minutes from one address before it is refused. */
  authFailuresPer15Minutes: number;
  /** Largest JSON body accepted. */
  bodyLimit: string;
  /** How often the job events stream reads progress. */
  eventsPollMs: number;
  version: string;
  /** The local admin key of the data directory (tenants/local-admin.ts); absent, none is accepted. */
  localAdminKey?: string;
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  rateLimitPerMinute: 600,
  authFailuresPer15Minutes: 100,
  bodyLimit: '64kb',
  eventsPollMs: 2000,
  version: '1.0.0',
};

export function allRoutes(services: ApiServices, options: ApiOptions, log: Logger): AnyRoute[] {
  return [
    ...meRoutes(services),
    ...tenantRoutes(services),
    ...orgRoutes(services),
    ...jobRoutes(services, { eventsPollMs: options.eventsPollMs, log }),
    ...settingsRoutes(services),
    ...restoreRoutes(services),
    ...recordRoutes(services),
    ...checkRoutes(services),
    ...doctorRoutes(services),
    ...operatorRoutes(services),
    ...auditRoutes(services.audit),
    ...retentionRoutes(services),
    ...erasureRoutes(services),
  ];
}

const rateLimited = (_req: Request, _res: Response, next: NextFunction): void =>
  next(new OrgVaultError('RATE_LIMITED', 'Too many requests', { actions: ['Wait a minute and try again.'] }));

/** Rate buckets by key (a digest: the key itself never sits in memory tables), else by address. */
function bucketOf(req: Request): string {
  const key = req.get(KEY_HEADER);
  return key ? `k:${createHash('sha256').update(key).digest('base64url')}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
}

/**
 * Any body but JSON is refused: the JSON parser would skip it and the route would read no body at
 * all, which for a backup or a permission check means "everything".
 */
function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  const length = req.get('content-length');
  const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && Number(length) > 0);
  if (hasBody && !req.is('application/json')) {
    next(
      new OrgVaultError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json', {
        actions: ['Send the body as JSON with Content-Type: application/json.'],
      }),
    );
  } else next();
}

/** One line per request: who, what, how it ended — never bodies, keys or record contents. */
function accessLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = httpRequestSeconds.startTimer();
    res.on('finish', () => {
      const route = req.route ? `/api/v1${(req.route as { path: string }).path}` : 'unmatched';
      stop({ route });
      httpRequestsTotal.inc({ route, method: req.method, status: String(res.statusCode) });
      const p = principalOf(req);
      log.info(
        { method: req.method, route, status: res.statusCode, tenantId: p?.tenantId, keyId: p?.keyId, user: req.get('x-orgvault-user') },
        'api request',
      );
    });
    next();
  };
}

function localAdmin(services: ApiServices, key: string): LocalAdmin {
  return {
    matches: localAdminMatcher(key),
    tenantExists: (id) =>
      services.tenants.get(id).then(
        () => true,
        (err: unknown) => (OrgVaultError.is(err, 'NOT_FOUND') ? false : Promise.reject(err)),
      ),
  };
}

/** /api/v1: limits, body parsing, the OpenAPI document, then authentication and the routes. */
export function apiRouter(services: ApiServices, options: ApiOptions, log: Logger): Router {
  const routes = allRoutes(services, options, log);
  const document = openApiDocument(routes, options.version);
  const router = Router();
  router.use(requestIds);
  router.use(accessLog(log));
  router.use(
    rateLimit({
      windowMs: 15 * 60_000,
      limit: options.authFailuresPer15Minutes,
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode !== 401,
      handler: rateLimited,
    }),
  );
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: options.rateLimitPerMinute,
      keyGenerator: bucketOf,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: rateLimited,
    }),
  );
  // Apex's HttpRequest cannot send PATCH: a POST carrying X-HTTP-Method-Override: PATCH stands for it.
  router.use((req, _res, next) => {
    if (req.method === 'POST' && req.get('x-http-method-override')?.toUpperCase() === 'PATCH') req.method = 'PATCH';
    next();
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use(jsonBodiesOnly);
  router.use(express.json({ limit: options.bodyLimit, strict: true }));
  router.use(authenticate(services.keys, options.localAdminKey ? localAdmin(services, options.localAdminKey) : undefined));
  mountRoutes(router, routes, authorize, auditObserver(services, services.audit, log));
  return router;
}
