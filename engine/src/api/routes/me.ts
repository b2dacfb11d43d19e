import type { ApiServices } from '../services.js';
import { CreatedKey, CreateKeyRequest, KeyInfo, KeyList, KeyParams, Me } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { ApiKeyInfo } from '../../tenants/keys.js';
import { Id } from '../schemas.js';
import { OrgVaultError } from '../../errors.js';

const keyInfo = (k: ApiKeyInfo) => ({
  id: k.id,
  name: k.name,
  orgId: k.orgId,
  prefix: k.prefix,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

export function meRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'getMe',
      method: 'get',
      path: '/me',
      tag: 'me',
      summary: "The caller's tenant, key (and its org scope), roles and the actions they allow",
      action: null,
      status: 200,
      response: Me,
      errors: [],
      handler: async ({ caller }) => {
        const tenant = await s.tenants.get(caller.principal.tenantId);
        return {
          tenant: { id: tenant.id, name: tenant.name },
          key: { id: caller.principal.keyId, name: caller.principal.keyName, orgId: caller.principal.orgId },
          user: caller.user,
          roles: caller.roles,
          actions: caller.actions,
        };
      },
    }),
    defineRoute({
      id: 'listKeys',
      method: 'get',
      path: '/keys',
      tag: 'keys',
      summary: "The tenant's API keys (never the keys themselves)",
      action: 'keys.manage',
      status: 200,
      response: KeyList,
      errors: [],
      handler: async ({ caller }) => ({ keys: (await s.keys.list(caller.scope.tenantId)).map(keyInfo) }),
    }),
    defineRoute({
      id: 'createKey',
      method: 'post',
      path: '/keys',
      tag: 'keys',
      summary: 'Create a tenant key, or an org key with orgId; the key is in the answer this once only',
      action: 'keys.manage',
      body: CreateKeyRequest,
      status: 201,
      response: CreatedKey,
      errors: ['NOT_FOUND'],
      handler: async ({ caller, body }) => {
        const { info, key } = await s.keys.create(caller.scope.tenantId, { name: body.name, orgId: body.orgId });
        return { info: keyInfo(info), key };
      },
    }),
    defineRoute({
      id: 'revokeKey',
      method: 'delete',
      path: '/keys/:keyId',
      tag: 'keys',
      summary: 'Revoke a key; it stops working at once',
      action: 'keys.manage',
      params: KeyParams,
      status: 200,
      response: KeyInfo,
      errors: ['NOT_FOUND'],
      handler: async ({ caller, params }) => {
        if (!Id.safeParse(params.keyId).success) throw new OrgVaultError('NOT_FOUND', 'No such API key');
        return keyInfo(await s.keys.revoke(caller.scope.tenantId, params.keyId));
      },
    }),
  ];
}
