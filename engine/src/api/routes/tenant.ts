import type { ApiServices } from '../services.js';
import { AdminEmails, SubscriptionInfo } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';

/** Settings of the caller's tenant as a whole, not of one org. */
export function tenantRoutes(s: ApiServices): AnyRoute[] {
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
      errors: [],
      handler: async ({ caller }) => ({ emails: await s.tenantSettings.adminEmails(caller.scope.tenantId) }),
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
      errors: [],
      handler: async ({ caller, body }) => ({ emails: await s.tenantSettings.putAdminEmails(caller.scope.tenantId, body.emails) }),
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
      errors: [],
      handler: async ({ caller }) => s.tenantSettings.subscription(caller.scope.tenantId),
    }),
  ];
}
