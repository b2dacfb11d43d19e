/** Everything under /services/data/vNN.N: authenticated, metered, Salesforce-shaped. */
import { Router } from 'express';
import type { Org } from '../data/org.js';
import { authAndMeter } from './http.js';
import { queryRoutes } from './query.js';
import { sobjectRoutes } from './sobjects.js';
import { compositeRoutes } from './composite.js';
import { bulkRoutes } from '../bulk/routes.js';

export function apiRouter(org: Org): Router {
  const router = Router({ mergeParams: true });
  router.use(authAndMeter(org));
  router.get('/', (_req, res) => {
    const base = `/services/data/v${res.locals.version as string}`;
    const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'jobs', 'tooling', 'search', 'recent'];
    res.json(Object.fromEntries(names.map((n) => [n, `${base}/${n}`])));
  });
  router.get('/limits', (_req, res) => {
    res.json(org.limits.report());
  });
  router.use(queryRoutes(org));
  router.use(sobjectRoutes(org));
  router.use(compositeRoutes(org));
  router.use(bulkRoutes(org));
  return router;
}
