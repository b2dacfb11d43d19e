import type { ApiServices } from '../services.js';
import { OrgIdParams } from '../schemas.js';
import { HoldListQuery, HoldParams, LegalHoldList, LegalHoldOut, NewHold } from '../retention-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrgWithBackups } from './support.js';

/**
 * Legal holds of an org: place (whole org or a set of records), list, release. Also of an org
 * disconnected with its backups kept: those backups are what a hold keeps.
 */
export function retentionRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'listLegalHolds',
      method: 'get',
      path: '/orgs/:orgId/legal-holds',
      tag: 'retention',
      summary: "The org's legal holds, newest first (active ones; released too with includeReleased)",
      action: 'orgs.read',
      params: OrgIdParams,
      query: HoldListQuery,
      status: 200,
      response: LegalHoldList,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        return { holds: await s.retention.holds(org, { includeReleased: query.includeReleased }) };
      },
    }),
    defineRoute({
      id: 'createLegalHold',
      method: 'post',
      path: '/orgs/:orgId/legal-holds',
      tag: 'retention',
      summary: 'Place a legal hold on the whole org or on records: prune, erasure and deleting backups refuse while it holds',
      action: 'legal-hold.manage',
      params: OrgIdParams,
      body: NewHold,
      status: 201,
      response: LegalHoldOut,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params, body }) =>
        s.retention.placeHold(await resolveOrgWithBackups(s, caller, params.orgId), body, caller.user),
    }),
    defineRoute({
      id: 'releaseLegalHold',
      method: 'post',
      path: '/orgs/:orgId/legal-holds/:holdId/release',
      tag: 'retention',
      summary: 'Release a legal hold (it stays listed as released, with who and when)',
      action: 'legal-hold.manage',
      params: HoldParams,
      status: 200,
      response: LegalHoldOut,
      errors: [...ORG_ERRORS, 'CONFLICT'],
      handler: async ({ caller, params }) =>
        s.retention.releaseHold(await resolveOrgWithBackups(s, caller, params.orgId), params.holdId, caller.user),
    }),
  ];
}
