/** Bulk API 2.0 under /services/data/vXX.X/jobs: query and ingest jobs of one org. */
import { Router } from 'express';
import type { Org } from '../data/org.js';
import { BulkJobs } from './jobs.js';
import { queryJobRoutes } from './query-jobs.js';
import { ingestJobRoutes } from './ingest-jobs.js';

export function bulkRoutes(org: Org): Router {
  const jobs = new BulkJobs(org);
  const router = Router({ mergeParams: true });
  router.use(queryJobRoutes(org, jobs));
  router.use(ingestJobRoutes(org, jobs));
  return router;
}
