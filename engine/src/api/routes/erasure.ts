import type { ApiServices } from '../services.js';
import { OrgIdParams } from '../schemas.js';
import { ErasureList, ErasureOut, ErasureParams, NewErasureIn } from '../retention-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrgWithBackups } from './support.js';

/** GDPR erasure requests of an org (also of one disconnected with its backups kept): create (with its dry run), dry run again, approve (a second administrator), status, list. */
export function erasureRoutes(s: ApiServices): AnyRoute[] {
  const route = (id: string, path: string, summary: string) => ({
    id,
    path,
    summary,
    tag: 'retention',
    action: 'legal-hold.manage' as const,
  });
  return [
    defineRoute({
      ...route('listErasures', '/orgs/:orgId/erasures', "The org's erasure requests, newest first (record ids and counts; never a value)"),
      method: 'get',
      params: OrgIdParams,
      status: 200,
      response: ErasureList,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params }) => ({
        erasures: await s.retention.erasureRequests(await resolveOrgWithBackups(s, caller, params.orgId)),
      }),
    }),
    defineRoute({
      ...route(
        'createErasure',
        '/orgs/:orgId/erasures',
        'Ask for a GDPR erasure (records by id and/or values to find in objects), answered with its dry run; a second administrator approves it',
      ),
      method: 'post',
      params: OrgIdParams,
      body: NewErasureIn,
      status: 201,
      response: ErasureOut,
      errors: [...ORG_ERRORS, 'LEGAL_HOLD'],
      handler: async ({ caller, params, body }) =>
        s.retention.requestErasure(await resolveOrgWithBackups(s, caller, params.orgId), body, caller.user),
    }),
    defineRoute({
      ...route('getErasure', '/orgs/:orgId/erasures/:erasureId', "An erasure request's status and counts"),
      method: 'get',
      params: ErasureParams,
      status: 200,
      response: ErasureOut,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params }) => s.retention.erasure(await resolveOrgWithBackups(s, caller, params.orgId), params.erasureId),
    }),
    defineRoute({
      ...route('erasureDryRun', '/orgs/:orgId/erasures/:erasureId/dry-run', "A pending request's dry run again, from what is stored now"),
      method: 'post',
      params: ErasureParams,
      status: 200,
      response: ErasureOut,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params }) =>
        s.retention.erasureDryRun(await resolveOrgWithBackups(s, caller, params.orgId), params.erasureId),
    }),
    defineRoute({
      ...route(
        'approveErasure',
        '/orgs/:orgId/erasures/:erasureId/approve',
        'Approve an erasure (another administrator than the requester) and run it; approving one cut short finishes it',
      ),
      method: 'post',
      params: ErasureParams,
      status: 200,
      response: ErasureOut,
      errors: [...ORG_ERRORS, 'CONFLICT', 'LEGAL_HOLD'],
      handler: async ({ caller, params }) =>
        s.retention.approveErasure(await resolveOrgWithBackups(s, caller, params.orgId), params.erasureId, caller.user),
    }),
  ];
}
