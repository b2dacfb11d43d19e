import type { ApiServices } from '../services.js';
import { OrgIdParams } from '../schemas.js';
import {
  HoldListQuery,
  HoldParams,
  LegalHoldList,
  LegalHoldOut,
  NewHold,
  PolicyIn,
  PolicyOut,
  PruneRunList,
  PruneRunOut,
} from '../retention-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrgWithBackups } from './support.js';

/**
 * Legal holds of an org (place on the whole org or on records, list, release); its retention
 * policy and prune. Also of an org disconnected with its backups kept: those are what a hold
 * keeps and a prune reduces.
 */
export function retentionRoutes(s: ApiServices): AnyRoute[] {
  return [...holdRoutes(s), ...pruneRoutes(s)];
}

function holdRoutes(s: ApiServices): AnyRoute[] {
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

function pruneRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'getRetentionPolicy',
      method: 'get',
      path: '/orgs/:orgId/retention-policy',
      tag: 'retention',
      summary: "The org's retention policy: its own, else the tenant's default, else none (everything is kept)",
      action: 'settings.read',
      params: OrgIdParams,
      status: 200,
      response: PolicyOut,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params }) => s.retention.policy(await resolveOrgWithBackups(s, caller, params.orgId)),
    }),
    defineRoute({
      id: 'putRetentionPolicy',
      method: 'put',
      path: '/orgs/:orgId/retention-policy',
      tag: 'retention',
      summary: "Set the org's retention policy (null: follow the tenant's default); one that would keep nothing is refused",
      action: 'settings.write',
      params: OrgIdParams,
      body: PolicyIn,
      status: 200,
      response: PolicyOut,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        await s.retention.setPolicy({ tenantId: org.tenantId, orgId: org.id }, body.policy, caller.user);
        return s.retention.policy(org);
      },
    }),
    defineRoute({
      id: 'listPruneRuns',
      method: 'get',
      path: '/orgs/:orgId/prune-runs',
      tag: 'retention',
      summary: "The org's prune runs, newest first",
      action: 'settings.read',
      params: OrgIdParams,
      status: 200,
      response: PruneRunList,
      errors: [...ORG_ERRORS],
      handler: async ({ caller, params }) => ({ runs: await s.retention.pruneRuns(await resolveOrgWithBackups(s, caller, params.orgId)) }),
    }),
    defineRoute({
      id: 'startPrune',
      method: 'post',
      path: '/orgs/:orgId/prune-runs',
      tag: 'retention',
      summary: 'Prune the org to its retention policy now (or finish a run cut short); answered when done',
      action: 'legal-hold.manage',
      params: OrgIdParams,
      status: 200,
      response: PruneRunOut,
      errors: [...ORG_ERRORS, 'CONFLICT', 'LEGAL_HOLD'],
      handler: async ({ caller, params }) => s.retention.prune(await resolveOrgWithBackups(s, caller, params.orgId), caller.user),
    }),
  ];
}
