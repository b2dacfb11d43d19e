/** REST getUpdated / getDeleted: `.../sobjects/{S}/updated/?start=&end=` and `.../deleted/?start=&end=`. */
import { Router, type Request } from 'express';
import type { Org } from '../data/org.js';
import { parseDateTime, restDateTime } from '../data/values.js';
import {
  DELETED_DAYS,
  UPDATED_DAYS,
  deletedRecords,
  earliestDeletedDate,
  replicable,
  replicationWindow,
  updatedIds,
  type Window,
} from '../data/replication.js';

function window(org: Org, req: Request, days: number): Window {
  const parse = (name: string): number | null => {
    const raw = req.query[name];
    return typeof raw === 'string' ? parseDateTime(raw.trim().replace(/ /g, '+')) : null;
  };
  return replicationWindow(org, parse('start'), parse('end'), days);
}

export function replicationRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  router.get(['/updated', '/updated/'], (req, res) => {
    const table = replicable(org, String(req.params.sobject));
    const w = window(org, req, UPDATED_DAYS);
    res.json({ ids: updatedIds(org, table, w), latestDateCovered: restDateTime(w.end) });
  });
  router.get(['/deleted', '/deleted/'], (req, res) => {
    const table = replicable(org, String(req.params.sobject));
    const w = window(org, req, DELETED_DAYS);
    res.json({
      deletedRecords: deletedRecords(org, table, w).map((d) => ({ id: d.id, deletedDate: restDateTime(d.deletedDate) })),
      earliestDateAvailable: restDateTime(earliestDeletedDate(org)),
      latestDateCovered: restDateTime(w.end),
    });
  });
  return router;
}
