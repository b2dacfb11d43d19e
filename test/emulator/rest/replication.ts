/**
 * getUpdated / getDeleted: ids changed (by SystemModstamp) or deleted in a window. Seconds are
 * ignored; getUpdated reaches 30 days back and getDeleted 15; more than the id limit
 * (600,000) answers EXCEEDED_ID_LIMIT.
 */
import { Router, type Request } from 'express';
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';
import { RowState } from '../data/table.js';
import { parseDateTime, restDateTime } from '../data/values.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

function window(org: Org, req: Request, days: number): [number, number] {
  const parse = (name: string): number => {
    const raw = req.query[name];
    const ms = typeof raw === 'string' ? parseDateTime(raw.trim().replace(/ /g, '+')) : null;
    if (ms === null) throw new SfError('MALFORMED_QUERY', `${name} is required and must be a dateTime, e.g. 2024-01-01T00:00:00Z`, 400);
    return Math.floor(ms / MINUTE) * MINUTE;
  };
  const start = parse('start');
  const end = parse('end');
  const now = org.now();
  if (start < Math.floor((now - days * DAY) / MINUTE) * MINUTE)
    throw new SfError('INVALID_REPLICATION_DATE', `startDate cannot be more than ${days} days ago`, 400);
  if (end <= start) throw new SfError('INVALID_REPLICATION_DATE', 'EndDate must chronologically follow the StartDate', 400);
  return [start, Math.min(end, Math.floor(now / MINUTE) * MINUTE)];
}

export function replicationRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  const replicable = (req: Request) => {
    const table = org.table(String(req.params.sobject));
    if (!table.def.replicateable) throw new SfError('INVALID_TYPE', `Entity ${table.def.name} is not replicable`, 400);
    return table;
  };
  const tooMany = () => new SfError('EXCEEDED_ID_LIMIT', `ID limit exceeded: ${org.replicationIdLimit}`, 400);

  router.get(['/updated', '/updated/'], (req, res) => {
    const table = replicable(req);
    const [start, end] = window(org, req, 30);
    const stamp = table.getter(table.field('SystemModstamp')!);
    const ids: string[] = [];
    for (let r = 0; r < table.size; r++) {
      if (table.rowState(r) !== RowState.Live) continue;
      const t = stamp(r) as number;
      if (t >= start && t < end) ids.push(table.idOf(r));
      if (ids.length > org.replicationIdLimit) throw tooMany();
    }
    res.json({ ids, latestDateCovered: restDateTime(end) });
  });
  router.get(['/deleted', '/deleted/'], (req, res) => {
    const table = replicable(req);
    const [start, end] = window(org, req, 15);
    const deletedRecords: Array<{ id: string; deletedDate: string }> = [];
    for (const [r, t] of table.deletedAt) {
      if (t < start || t >= end || table.rowState(r) === RowState.Live) continue;
      deletedRecords.push({ id: table.idOf(r), deletedDate: restDateTime(t) });
      if (deletedRecords.length > org.replicationIdLimit) throw tooMany();
    }
    res.json({
      deletedRecords,
      earliestDateAvailable: restDateTime(Math.floor((org.now() - 15 * DAY) / MINUTE) * MINUTE),
      latestDateCovered: restDateTime(end),
    });
  });
  return router;
}
