/** getUpdated and getDeleted: the REST resources' windows and rules (data/replication.ts) as partner calls. */
import { isoDateTime, parseDateTime } from '../data/values.js';
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
import type { XmlElement } from './xml.js';
import { textOf, xmlValue } from './envelope.js';
import type { SoapCall, SoapContext } from './context.js';

function window(op: XmlElement, ctx: SoapContext, days: number): Window {
  const at = (name: string) => parseDateTime((textOf(op, name) ?? '').trim());
  return replicationWindow(ctx.org, at('startDate'), at('endDate'), days);
}

export const replicationCalls: Record<string, SoapCall> = {
  getUpdated: (op, ctx) => {
    const table = replicable(ctx.org, textOf(op, 'sObjectType') ?? '');
    const w = window(op, ctx, UPDATED_DAYS);
    return xmlValue('result', { ids: updatedIds(ctx.org, table, w), latestDateCovered: isoDateTime(w.end) });
  },
  getDeleted: (op, ctx) => {
    const table = replicable(ctx.org, textOf(op, 'sObjectType') ?? '');
    const w = window(op, ctx, DELETED_DAYS);
    const deleted = deletedRecords(ctx.org, table, w).map((d) => ({ deletedDate: isoDateTime(d.deletedDate), id: d.id }));
    return xmlValue('result', {
      deletedRecords: deleted,
      earliestDateAvailable: isoDateTime(earliestDeletedDate(ctx.org)),
      latestDateCovered: isoDateTime(w.end),
    });
  },
};
