import type { ApiServices } from '../services.js';
import { DeletedRecords, DeletedRecordsQuery, RecordHistory, RecordHistoryParams, RecordHistoryQuery } from '../restore-schemas.js';
import { OrgIdParams } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrgWithBackups } from './support.js';

/**
 * Finding what to recover in the backups: a record's history, the records deleted in a window.
 * Reading what the backups hold is what viewers may do (the jobs' action); each read is audited.
 */
export function recordRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'recordHistory',
      method: 'get',
      path: '/orgs/:orgId/records/:recordId/history',
      tag: 'restore',
      summary:
        'Every backed-up version of a record, oldest first: when, from which backup, recovery point or change event, and which fields changed',
      action: 'jobs.read',
      params: RecordHistoryParams,
      query: RecordHistoryQuery,
      status: 200,
      response: RecordHistory,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        return s.restore.history(org, params.recordId, query.object);
      },
    }),
    defineRoute({
      id: 'deletedRecords',
      method: 'get',
      path: '/orgs/:orgId/deleted-records',
      tag: 'restore',
      summary: 'Records deleted in a window and not back since, per object, each with the deleted parent it went with (cascades)',
      action: 'jobs.read',
      params: OrgIdParams,
      query: DeletedRecordsQuery,
      status: 200,
      response: DeletedRecords,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        return s.restore.deleted(org, {
          ...(query.since ? { since: query.since } : {}),
          ...(query.until ? { until: query.until } : {}),
          ...(query.objects ? { objects: query.objects.split(',') } : {}),
          limit: query.limit,
        });
      },
    }),
  ];
}
