import express, { type RequestHandler, type Router } from 'express';
import { OrgVaultError } from '../errors.js';
import type { ApiServices } from './services.js';

/** Where the Lightning page's local preview is served from: configured, or set by a launcher once it has built it. */
export interface PreviewMount {
  dir: string | undefined;
}

/**
 * Development only: the Lightning page built outside Salesforce, calling this API from the same
 * origin, and the exchange of a one-time sign-in link's ticket for the caller the page signs with.
 * Nothing here answers until a preview is mounted.
 */
export function previewRoutes(mount: PreviewMount, signIn: ApiServices['signIn']): Router {
  const router = express.Router();
  const served = new Map<string, RequestHandler>();
  router.post('/session', express.json({ limit: '1kb' }), (req, res, next) => {
    if (!mount.dir) return next();
    const ticket = (req.body as { ticket?: unknown } | undefined)?.ticket;
    if (typeof ticket !== 'string' || !/^[\w-]{16,64}$/.test(ticket)) {
      next(
        new OrgVaultError('VALIDATION_FAILED', 'A sign-in needs the ticket of its link', {
          actions: ['Open the link `npm start` printed.'],
        }),
      );
      return;
    }
    res.set('Cache-Control', 'no-store').json(signIn.redeem(ticket));
  });
  router.use((req, res, next) => {
    if (!mount.dir) return next();
    let serve = served.get(mount.dir);
    if (!serve) served.set(mount.dir, (serve = express.static(mount.dir, { index: 'index.html' })));
    serve(req, res, next);
  });
  return router;
}
