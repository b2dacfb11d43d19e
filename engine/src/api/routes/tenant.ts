import type { ApiServices } from '../services.js';
import { AdminEmails, SubscriptionInfo } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { need } from './support.js';

/** Settings of the caller's tenant as a whole, not of one org. */
export function tenantRoutes(s: ApiServices): AnyRoute[] {
  const tenant = () => need(s.tenantSettings, 'Tenant settings');
  return [
    defineRoute({
      id: 'getAdminEmails',
      method: 'get',
      path: '/tenant/admin-emails',
      tag: 'tenant',
      summary: "The administrators' addresses that receive permission-check reports",
      action: 'settings.read',
      status: 200,
      response: AdminEmails,
      errors: ['SERVICE_UNAVAILABLE'],
      handler: async ({ caller }) => ({ emails: await tenant().adminEmails(caller.scope.tenantId) }),
    }),
    defineRoute({
      id: 'putAdminEmails',
      method: 'put',
      path: '/tenant/admin-emails',
      tag: 'tenant',
      summary: "Replace the administrators' addresses",
      action: 'tenant.manage',
      body: AdminEmails,
      status: 200,
      response: AdminEmails,
      errors: ['SERVICE_UNAVAILABLE'],
      handler: async ({ caller, body }) => ({ emails: await tenant().putAdminEmails(caller.scope.tenantId, body.emails) }),
    }),
    defineRoute({
      id: 'getSubscription',
      method: 'get',
      path: '/tenant/subscription',
      tag: 'tenant',
      summary:
        "The tenant's subscription: type, daily job limit, expiry and seats (set by the operator with `orgvault tenant subscription`)",
      action: 'settings.read',
      status: 200,
      response: SubscriptionInfo,
      errors: ['SERVICE_UNAVAILABLE'],
      handler: async ({ caller }) => tenant().subscription(caller.scope.tenantId),
    }),
  ];
}
