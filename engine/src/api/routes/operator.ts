import { z } from 'zod';
import type { ApiServices } from '../services.js';
import { DisconnectedOrg, Id, Tile } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { OPERATOR } from '../auth.js';
import { toTile } from './support.js';
import type { Org } from '../../orgs/registry.js';

const TenantOut = z.object({ id: Id, name: z.string() });
const OperatorOrg = Tile.extend({ tenant: TenantOut });
const OperatorDisconnectedOrg = DisconnectedOrg.extend({ tenant: TenantOut });
const OrgRefQuery = z.strictObject({ ref: z.string().min(1).max(255).optional() });
const TenantName = z.string().trim().min(1).max(255);

/**
 * What only the operator of the engine's machine asks (with the local admin key): every tenant's
 * orgs, an org by any of its names, tenants by name. The CLI is built on these and on the tenant
 * routes, which the operator calls in the tenant it names (X-OrgVault-Tenant).
 */
export function operatorRoutes(s: ApiServices): AnyRoute[] {
  const withTenant = async (org: Org) => ({ ...(await toTile(s, org)), tenant: await s.tenants.get(org.tenantId) });
  const withTenantOnly = async <O extends Org>(org: O) => ({ ...org, tenant: await s.tenants.get(org.tenantId) });
  return [
    defineRoute({
      id: 'listAllOrgs',
      method: 'get',
      path: '/operator/orgs',
      tag: 'operator',
      summary: 'Every connected organization of every tenant, oldest connection first, with its tenant',
      action: OPERATOR,
      status: 200,
      response: z.object({ orgs: z.array(OperatorOrg) }),
      errors: [],
      handler: async () => ({ orgs: await Promise.all((await s.orgs.listConnected()).map(withTenant)) }),
    }),
    defineRoute({
      id: 'resolveOrg',
      method: 'get',
      path: '/operator/orgs/resolve',
      tag: 'operator',
      summary: 'The connected organization a reference means, in any tenant: OrgVault id, Salesforce org id or name; the only one without',
      action: OPERATOR,
      query: OrgRefQuery,
      status: 200,
      response: OperatorOrg,
      errors: ['NOT_FOUND'],
      handler: async ({ query }) => withTenant(await s.orgs.resolve(query.ref)),
    }),
    defineRoute({
      id: 'listAllDisconnectedOrgs',
      method: 'get',
      path: '/operator/orgs/disconnected',
      tag: 'operator',
      summary: 'Every disconnected organization of every tenant whose backups are kept, latest disconnect first, with its tenant',
      action: OPERATOR,
      status: 200,
      response: z.object({ orgs: z.array(OperatorDisconnectedOrg) }),
      errors: [],
      handler: async () => ({ orgs: await Promise.all((await s.orgs.listDisconnected()).map(withTenantOnly)) }),
    }),
    defineRoute({
      id: 'resolveDisconnectedOrg',
      method: 'get',
      path: '/operator/orgs/disconnected/resolve',
      tag: 'operator',
      summary: 'The disconnected organization with kept backups a reference means, in any tenant: OrgVault id, Salesforce org id or name',
      action: OPERATOR,
      query: OrgRefQuery,
      status: 200,
      response: OperatorDisconnectedOrg,
      errors: ['NOT_FOUND'],
      handler: async ({ query }) => withTenantOnly(await s.orgs.resolveDisconnected(query.ref)),
    }),
    defineRoute({
      id: 'findTenant',
      method: 'get',
      path: '/operator/tenants',
      tag: 'operator',
      summary: 'The tenant of this name (the oldest, if several have it)',
      action: OPERATOR,
      query: z.strictObject({ name: TenantName }),
      status: 200,
      response: TenantOut,
      errors: ['NOT_FOUND'],
      handler: ({ query }) => s.tenants.named(query.name),
    }),
    defineRoute({
      id: 'ensureTenant',
      method: 'post',
      path: '/operator/tenants',
      tag: 'operator',
      summary: 'The tenant of this name, made if none has it (connecting an org makes its tenant on first use)',
      action: OPERATOR,
      body: z.strictObject({ name: TenantName }),
      status: 200,
      response: TenantOut,
      errors: [],
      handler: ({ body }) => s.tenants.ensure(body.name),
    }),
  ];
}
