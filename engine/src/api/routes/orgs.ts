import type { ApiServices } from '../services.js';
import {
  ConnectRequest,
  ConnectResponse,
  DeletedBackups,
  DisconnectedOrgList,
  HideRequest,
  LoginLink,
  LoginRequest,
  ObjectList,
  OrgIdParams,
  Tile,
  TileList,
} from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrg, toTile } from './support.js';

export function orgRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'listOrgs',
      method: 'get',
      path: '/orgs',
      tag: 'orgs',
      summary: "The caller's organizations as tiles (hidden ones included, flagged)",
      action: 'orgs.read',
      status: 200,
      response: TileList,
      errors: [],
      handler: async ({ caller }) => {
        const orgs = await s.orgs.list(caller.scope);
        return { orgs: await Promise.all(orgs.map((o) => toTile(s, o))) };
      },
    }),
    defineRoute({
      id: 'connectOrg',
      method: 'post',
      path: '/orgs',
      tag: 'orgs',
      summary:
        'Connect an organization (or reconnect it); answers its tile and its own API key for the Named Credential (shown once; org keys issued before stop working)',
      action: 'orgs.connect',
      body: ConnectRequest,
      status: 201,
      response: ConnectResponse,
      errors: ['URL_NOT_ALLOWED', 'ORG_AUTH_FAILED', 'ORG_API_ERROR'],
      handler: async ({ caller, body }) => {
        const org = await s.connect.connect(caller.scope.tenantId, body);
        const { info, key } = await s.keys.reissueForOrg(org.tenantId, org.id, `Named Credential of ${org.sfOrgId}`);
        return { org: await toTile(s, org), orgKey: { id: info.id, key } };
      },
    }),
    defineRoute({
      id: 'beginOrgLogin',
      method: 'post',
      path: '/orgs/connect',
      tag: 'orgs',
      summary:
        "Connect an organization in the browser: answers Salesforce's login URL (OAuth 2.0 web-server flow with PKCE); the login ends at /oauth/callback",
      action: 'orgs.connect',
      body: LoginRequest,
      status: 200,
      response: LoginLink,
      errors: ['URL_NOT_ALLOWED', 'VALIDATION_FAILED', 'SERVICE_UNAVAILABLE'],
      handler: async ({ caller, body }) =>
        s.webLogin.begin({
          tenantId: caller.scope.tenantId,
          requestedBy: caller.user,
          environment: body.environment,
          myDomainUrl: body.myDomainUrl,
        }),
    }),
    defineRoute({
      id: 'beginOrgReconnect',
      method: 'post',
      path: '/orgs/:orgId/reconnect',
      tag: 'orgs',
      summary: "Reconnect an organization whose access Salesforce revoked: answers a login URL at the org's own domain",
      action: 'orgs.reconnect',
      params: OrgIdParams,
      status: 200,
      response: LoginLink,
      errors: [...ORG_ERRORS, 'URL_NOT_ALLOWED', 'SERVICE_UNAVAILABLE'],
      handler: async ({ caller, params }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        return s.webLogin.begin({
          tenantId: org.tenantId,
          requestedBy: caller.user,
          environment: 'custom',
          reconnect: org,
        });
      },
    }),
    defineRoute({
      id: 'listDisconnectedOrgs',
      method: 'get',
      path: '/orgs/disconnected',
      tag: 'orgs',
      summary: "The caller's disconnected organizations whose backups are kept (restore from them, or delete them)",
      action: 'orgs.read',
      status: 200,
      response: DisconnectedOrgList,
      errors: [],
      handler: async ({ caller }) => ({ orgs: await s.orgs.listDisconnected(caller.scope) }),
    }),
    defineRoute({
      id: 'getOrg',
      method: 'get',
      path: '/orgs/:orgId',
      tag: 'orgs',
      summary: 'One organization as a tile',
      action: 'orgs.read',
      params: OrgIdParams,
      status: 200,
      response: Tile,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => toTile(s, await resolveOrg(s, caller, params.orgId)),
    }),
    defineRoute({
      id: 'updateOrg',
      method: 'patch',
      path: '/orgs/:orgId',
      tag: 'orgs',
      summary: 'Hide or show an organization',
      action: 'orgs.hide',
      params: OrgIdParams,
      body: HideRequest,
      status: 200,
      response: Tile,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, body }) => toTile(s, await s.orgs.setHidden(caller.scope, params.orgId, body.hidden)),
    }),
    defineRoute({
      id: 'disconnectOrg',
      method: 'delete',
      path: '/orgs/:orgId',
      tag: 'orgs',
      summary: 'Disconnect an organization: its keys are revoked and its schedule stops; its backups are kept',
      action: 'orgs.disconnect',
      params: OrgIdParams,
      status: 204,
      response: null,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => {
        await s.orgs.disconnect(caller.scope, params.orgId);
      },
    }),
    defineRoute({
      id: 'deleteOrgBackups',
      method: 'delete',
      path: '/orgs/:orgId/backups',
      tag: 'orgs',
      summary:
        "Delete an organization's backups (records, packs, files, its data key), disconnecting it if it is still connected; also an organization disconnected earlier with its backups kept. Refused while a legal hold covers the org (LEGAL_HOLD, naming the hold) or a backup or restore runs (CONFLICT)",
      action: 'orgs.disconnect',
      params: OrgIdParams,
      status: 200,
      response: DeletedBackups,
      errors: [...ORG_ERRORS, 'LEGAL_HOLD', 'CONFLICT', 'STORAGE_UNAVAILABLE'],
      handler: async ({ caller, params }) => (await s.backupDeletion.deleteBackups(caller.scope, params.orgId)).deleted,
    }),
    defineRoute({
      id: 'listObjects',
      method: 'get',
      path: '/orgs/:orgId/objects',
      tag: 'orgs',
      summary: "The org's objects and whether each is in backup scope (for the object picker)",
      action: 'orgs.read',
      params: OrgIdParams,
      status: 200,
      response: ObjectList,
      errors: [...ORG_ERRORS, 'URL_NOT_ALLOWED', 'ORG_AUTH_FAILED', 'ORG_API_ERROR'],
      handler: async ({ caller, params }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        return { objects: await s.scope.listObjects(org) };
      },
    }),
  ];
}
