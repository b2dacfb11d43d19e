import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { EngineContext } from '../context.js';
import { errorHandler } from './errors.js';
import { OrgVaultError } from '../errors.js';
import { metricsRegistry } from '../infra/metrics.js';
import { readiness } from '../infra/stack.js';
import { apiRouter, DEFAULT_API_OPTIONS, type ApiOptions } from './v1.js';
import type { ApiServices } from './services.js';
import { oauthCallback } from './oauth-callback.js';
import { previewRoutes, type PreviewMount } from './preview.js';

export function createApp(
  ctx: EngineContext,
  services: ApiServices,
  options: Partial<ApiOptions> = {},
  preview: PreviewMount = { dir: ctx.config.previewDir },
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());

  // Liveness: the process serves requests. Readiness: its database and blob store answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await readiness(ctx.infra);
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  // The metrics carry counts and OrgVault ids, nothing else, so a scraper inside a private network
  // needs no key; ORGVAULT_METRICS_TOKEN guards them when the engine is reachable from outside.
  const metricsAllowed = bearerCheck(ctx.config.metricsToken);
  app.get('/metrics', async (req, res, next) => {
    if (!metricsAllowed(req.get('authorization'))) {
      next(new OrgVaultError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <ORGVAULT_METRICS_TOKEN>'));
      return;
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  app.use('/preview', previewRoutes(preview, services.signIn));
  app.get('/', (_req, res, next) => (preview.dir ? res.redirect('/preview/') : next()));

  app.get('/oauth/callback', oauthCallback(services.webLogin, ctx.log, services.audit));
  app.use('/api/v1', apiRouter(services, { ...DEFAULT_API_OPTIONS, ...options }, ctx.log));

  app.use((_req, _res, next) => next(new OrgVaultError('NOT_FOUND', 'No such route')));
  app.use(errorHandler(ctx.log));
  return app;
}

/** Compares digests so the time taken says nothing about how much of the token was right. */
function bearerCheck(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const expected = digest(`Bearer ${token}`);
  return (header) => header !== undefined && timingSafeEqual(digest(header), expected);
}

/**
 * Serves the app. Idle keep-alive sockets stay open a minute: proxies and Salesforce's callouts
 * reuse connections, and a server that closes an idle socket first (Node's default is 5 s) races
 * the next request onto it, which then fails with a reset instead of an answer.
 */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
