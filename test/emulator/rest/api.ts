/** Everything under /services/data/vNN.N: authenticated, metered, Salesforce-shaped. */
import { Router } from 'express';
import type { Org } from '../data/org.js';
import { authAndMeter } from './http.js';
import { queryRoutes } from './query.js';
import { sobjectRoutes } from './sobjects.js';
import { compositeRoutes } from './composite.js';
import { compositeTreeRoutes } from './composite-tree.js';
import { compositeRequestRoutes } from './composite-requests.js';
import { searchRoutes } from './search.js';
import { bulkRoutes } from '../bulk/routes.js';
import { toolingRoutes } from './tooling.js';

/**
 * The entries of Resources by Version as Salesforce's REST guide lists them, in its order; many
 * answer 404 here (the emulator serves the data APIs), but clients read the map itself, e.g.
 * jsforce 1.x takes `identity` from it.
 */
const RESOURCES = [
  'tooling',
  'metadata',
  'eclair',
  'folders',
  'prechatForms',
  'contact-tracing',
  'jsonxform',
  'chatter',
  'payments',
  'tabs',
  'appMenu',
  'quickActions',
  'queryAll',
  'commerce',
  'wave',
  'iot',
  'analytics',
  'search',
  'smartdatadiscovery',
  'identity',
  'composite',
  'parameterizedSearch',
  'fingerprint',
  'theme',
  'nouns',
  'domino',
  'event',
  'serviceTemplates',
  'recent',
  'connect',
  'licensing',
  'limits',
  'process',
  'dedupe',
  'async-queries',
  'query',
  'jobs',
  'match',
  'emailConnect',
  'compactLayouts',
  'knowledgeManagement',
  'sobjects',
  'actions',
  'support',
  'ui-api',
  'consent',
  'scheduling',
  'localizedvalue',
];

export function apiRouter(org: Org, instanceUrl: () => string): Router {
  const router = Router({ mergeParams: true });
  router.use(authAndMeter(org));
  router.get('/', (_req, res) => {
    const base = `/services/data/v${res.locals.version as string}`;
    const identity = `${instanceUrl()}/id/${org.orgId}/${res.locals.userId as string}`;
    res.json(Object.fromEntries(RESOURCES.map((n) => [n, n === 'identity' ? identity : `${base}/${n}`])));
  });
  router.get('/limits', (_req, res) => {
    res.json(org.limits.report());
  });
  router.use('/tooling', toolingRoutes(org));
  router.use(queryRoutes(org));
  router.use(sobjectRoutes(org));
  router.use(compositeRoutes(org));
  router.use(compositeTreeRoutes(org));
  router.use(compositeRequestRoutes(instanceUrl, org));
  router.use(searchRoutes(org));
  router.use(bulkRoutes(org));
  return router;
}
