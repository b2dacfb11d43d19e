import type { AuditFilter, AuditService } from '../../audit/index.js';
import { OrgVaultError } from '../../errors.js';
import type { Caller } from '../auth.js';
import { AuditExportQuery, AuditPage, AuditQuery } from '../audit-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';

type Filters = { actor?: string; action?: AuditFilter['action']; since?: Date; until?: Date; orgId?: string };

/** The caller's tenant, and for an org key its one org whatever was asked. */
function filterOf(caller: Caller, q: Filters): AuditFilter {
  if (q.since && q.until && q.since > q.until)
    throw new OrgVaultError('VALIDATION_FAILED', 'Invalid query: query.since: must not be after until', {
      details: { issues: [{ path: 'query.since', message: 'must not be after until' }] },
    });
  return {
    tenantId: caller.scope.tenantId,
    orgId: caller.scope.orgId ?? q.orgId ?? null,
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.since ? { since: q.since } : {}),
    ...(q.until ? { until: q.until } : {}),
  };
}

/** The audit trail of the caller's tenant: a page at a time, or whole as JSON Lines or CSV. */
export function auditRoutes(audit: AuditService): AnyRoute[] {
  return [
    defineRoute({
      id: 'listAudit',
      method: 'get',
      path: '/audit',
      tag: 'audit',
      summary: "The tenant's audit trail, newest first, filtered by actor, action, org and time; paged with before",
      action: 'audit.read',
      query: AuditQuery,
      status: 200,
      response: AuditPage,
      errors: [],
      handler: async ({ caller, query }) =>
        audit.list(filterOf(caller, query), { limit: query.limit, ...(query.before ? { before: query.before } : {}) }),
    }),
    defineRoute({
      id: 'exportAudit',
      method: 'get',
      path: '/audit/export',
      tag: 'audit',
      summary: "The tenant's audit trail, oldest first, as JSON Lines or CSV (same filters)",
      action: 'audit.read',
      query: AuditExportQuery,
      status: 200,
      response: null,
      streams: 'application/x-ndjson',
      errors: [],
      handler: async ({ caller, query, res }) => {
        const filter = filterOf(caller, query);
        res.attachment(`audit.${query.format}`);
        res.status(200).type(query.format === 'csv' ? 'text/csv' : 'application/x-ndjson');
        await audit.exportTo(filter, query.format, (chunk) => writeChunk(res, chunk));
      },
    }),
  ];
}

/** Waits for the socket to drain when it asks to: a long trail is not held in memory. */
function writeChunk(res: Parameters<AnyRoute['handler']>[0]['res'], chunk: string): Promise<void> | void {
  if (chunk === '' || res.write(chunk)) return;
  return new Promise((resolve) => res.once('drain', () => resolve()));
}
