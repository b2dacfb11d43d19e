import type { ApiServices } from '../services.js';
import type { Org } from '../../orgs/registry.js';
import { OrgIdParams } from '../schemas.js';
import {
  CompareRequest,
  CompareResult,
  RestoreList,
  RestoreListQuery,
  RestoreOutcome,
  RestoreRequest,
  RestoreRunParams,
} from '../restore-schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { OrgVaultError } from '../../errors.js';
import type { Caller } from '../auth.js';
import { ORG_ERRORS, resolveOrg, resolveOrgWithBackups } from './support.js';

const RESTORE_ERRORS = [...ORG_ERRORS, 'CONFLICT', 'API_BUDGET_EXHAUSTED', 'ORG_AUTH_FAILED', 'ORG_API_ERROR', 'URL_NOT_ALLOWED'] as const;

/** Restore and compare. Neither asks the subscription rules: an expired plan stops backups, not restores. */
export function restoreRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'restore',
      method: 'post',
      path: '/orgs/:orgId/restores',
      tag: 'restore',
      summary:
        'Restore records from a backup, recovery point or time, in place or into another org: queued (follow it with getRestore), or with dryRun the plan at once',
      action: 'restore.run',
      params: OrgIdParams,
      body: RestoreRequest,
      status: 200,
      response: RestoreOutcome,
      errors: [...RESTORE_ERRORS],
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        const target = await restoreTarget(s, caller, org, body.targetOrgId);
        await s.scope.assertKnown(target, { objects: body.objects });
        return s.restore.restore(org, target, body, caller.user);
      },
    }),
    defineRoute({
      id: 'listRestores',
      method: 'get',
      path: '/orgs/:orgId/restores',
      tag: 'restore',
      summary: "Restore runs of the organization's backup, newest first",
      action: 'restore.run',
      params: OrgIdParams,
      query: RestoreListQuery,
      status: 200,
      response: RestoreList,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        return { runs: await s.restore.list(org, query) };
      },
    }),
    defineRoute({
      id: 'getRestore',
      method: 'get',
      path: '/orgs/:orgId/restores/:runId',
      tag: 'restore',
      summary: 'A restore run: queued, running (with progress) or finished (records written and failed)',
      action: 'restore.run',
      params: RestoreRunParams,
      status: 200,
      response: RestoreOutcome,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        return s.restore.status(org, params.runId);
      },
    }),
    defineRoute({
      id: 'restoreResults',
      method: 'get',
      path: '/orgs/:orgId/restores/:runId/results',
      tag: 'restore',
      summary: 'Per-record results of a restore run as CSV (failed rows with Salesforce’s error)',
      action: 'restore.run',
      params: RestoreRunParams,
      status: 200,
      response: null,
      streams: 'text/csv',
      errors: ORG_ERRORS,
      handler: async ({ caller, params, res }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        const csv = await s.restore.resultsCsv(org, params.runId);
        res.status(200).attachment(`restore-${params.runId}.csv`).type('text/csv').write(csv);
      },
    }),
    defineRoute({
      id: 'compare',
      method: 'post',
      path: '/orgs/:orgId/compare',
      tag: 'restore',
      summary: 'Compare a backup or recovery point with another, or with the live org: records added, deleted, changed',
      action: 'compare.run',
      params: OrgIdParams,
      body: CompareRequest,
      status: 200,
      response: CompareResult,
      errors: [...RESTORE_ERRORS],
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrgWithBackups(s, caller, params.orgId);
        const against = 'live' in body.to && body.to.targetOrgId ? await resolveOrg(s, caller, body.to.targetOrgId) : null;
        if (org.disconnectedAt && !against)
          throw new OrgVaultError('VALIDATION_FAILED', `${org.name} is disconnected: compare its backups with a connected organization`, {
            actions: [
              'Compare with a connected organization (to: {live: true, targetOrgId}; CLI --target-org); the fields compared are read from its describe.',
            ],
          });
        // Compare reads the objects' describe from the live side (or the org itself): unknown names are the caller's mistake.
        await s.scope.assertKnown(against ?? org, { objects: body.objects });
        return s.restore.compare(org, against, body);
      },
    }),
  ];
}

/**
 * Where a restore writes: the org named, else the backed-up org itself, which must then still be
 * connected (a disconnected org's backups restore into another one).
 */
async function restoreTarget(
  s: ApiServices,
  caller: Caller,
  org: Org & { disconnectedAt: Date | null },
  targetOrgId?: string,
): Promise<Org> {
  if (targetOrgId) return resolveOrg(s, caller, targetOrgId);
  if (org.disconnectedAt)
    throw new OrgVaultError('VALIDATION_FAILED', `${org.name} is disconnected: its backups restore into a connected organization`, {
      actions: ['Name a connected organization as the target (targetOrgId; CLI --target-org), or reconnect this one.'],
    });
  return org;
}
