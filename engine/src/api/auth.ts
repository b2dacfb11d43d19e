import type { NextFunction, Request, Response } from 'express';
import { OrgVaultError } from '../errors.js';
import type { ApiKeyService, KeyPrincipal } from '../tenants/keys.js';
import { allowedActions, ROLES, type Action, type Role } from '../tenants/roles.js';
import { isUuid, type OrgScope } from '../orgs/registry.js';

export const KEY_HEADER = 'x-orgvault-key';
export const USER_HEADER = 'x-orgvault-user';
export const ROLES_HEADER = 'x-orgvault-roles';
/** With the local admin key: the tenant the request acts in (its id). */
export const TENANT_HEADER = 'x-orgvault-tenant';

/** The action of the operator routes: only the local admin key may take it, whatever the roles. */
export const OPERATOR = 'operator';
export type RouteAction = Action | typeof OPERATOR | null;

/** How the engine knows the local admin key (tenants/local-admin.ts) and the tenants it may name. */
export interface LocalAdmin {
  matches(key: string): boolean;
  tenantExists(tenantId: string): Promise<boolean>;
}

/** Who is calling, with what the engine lets them do. */
export interface Caller {
  principal: KeyPrincipal;
  /** The Salesforce user the caller asserted, for audit and "requested by". */
  user: string | null;
  roles: Role[];
  actions: Action[];
  /** The orgs this caller may reach: the tenant's, or the one org of an org key. */
  scope: OrgScope;
}

const PRINCIPAL = Symbol('orgvault.principal');
type WithPrincipal = Request & { [PRINCIPAL]?: KeyPrincipal };

/** Printable, no control characters: it ends up in audit lines. */
const USER_RE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The operator, acting in the tenant the request names (checked here, so no route meets an unknown one). */
async function operatorPrincipal(req: Request, local: LocalAdmin): Promise<KeyPrincipal> {
  const tenantId = req.get(TENANT_HEADER) ?? '';
  if (tenantId !== '' && !(isUuid(tenantId) && (await local.tenantExists(tenantId)))) {
    throw new OrgVaultError('NOT_FOUND', `No tenant has the id in ${TENANT_HEADER}`);
  }
  return localOperator(tenantId.toLowerCase());
}

/** Middleware: a valid X-OrgVault-Key (or the local admin key, from this machine) or UNAUTHENTICATED. */
export function authenticate(keys: ApiKeyService, local?: LocalAdmin) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const key = req.get(KEY_HEADER);
    const fromHere = LOOPBACK.has(req.socket.remoteAddress ?? '');
    const principal = !key
      ? null
      : local && fromHere && local.matches(key)
        ? await operatorPrincipal(req, local)
        : await keys.authenticate(key);
    if (!principal) {
      throw new OrgVaultError('UNAUTHENTICATED', key ? 'The API key is not valid or was revoked' : 'No API key was presented', {
        actions: ['Send a live API key in the X-OrgVault-Key header (see docs/operations.md, "API keys").'],
      });
    }
    (req as WithPrincipal)[PRINCIPAL] = principal;
    next();
  };
}

export function principalOf(req: Request): KeyPrincipal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}

function parseRoles(header: string | undefined): Role[] {
  if (header === undefined || header.trim() === '') return [];
  const names = header.split(',').map((r) => r.trim().toLowerCase());
  const unknown = names.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || names.length > ROLES.length) {
    throw new OrgVaultError('VALIDATION_FAILED', `X-OrgVault-Roles must list roles among ${ROLES.join(', ')}`, {
      details: { allowed: [...ROLES] },
    });
  }
  return [...new Set(names as Role[])];
}

/** The Salesforce user the caller asserted, when it is one a trail can hold; null otherwise. */
export function assertedUser(req: Request): string | null {
  const user = req.get(USER_HEADER);
  return user !== undefined && USER_RE.test(user) ? user : null;
}

/**
 * The operator is an administrator in the tenant it names; an operator route needs no tenant, and
 * only the operator may call one.
 */
function checkOperator(principal: KeyPrincipal, action: RouteAction): void {
  if (action === OPERATOR && !principal.operator) {
    throw new OrgVaultError('FORBIDDEN', 'Only the local admin key may do this', {
      actions: ["Run the command on the engine's machine, where `orgvault` reads the local admin key from the data directory."],
    });
  }
  if (principal.operator && action !== OPERATOR && principal.tenantId === '') {
    throw new OrgVaultError('VALIDATION_FAILED', `With the local admin key, ${TENANT_HEADER} names the tenant the request acts in`);
  }
}

/** Builds the caller from the authenticated key and the asserted headers, then checks the action. */
export function authorize(req: Request, action: RouteAction): Caller {
  const principal = principalOf(req);
  if (!principal) throw new OrgVaultError('UNAUTHENTICATED', 'No API key was presented');
  const user = req.get(USER_HEADER) ?? null;
  if (user !== null && !USER_RE.test(user)) {
    throw new OrgVaultError('VALIDATION_FAILED', 'X-OrgVault-User must be 1–255 printable ASCII characters');
  }
  return callerFor(principal, user, principal.operator ? ['administrator'] : parseRoles(req.get(ROLES_HEADER)), action);
}

/** The operator acting in a tenant ('' for none: then only the operator routes answer). */
export const localOperator = (tenantId: string): KeyPrincipal => ({
  keyId: 'local-admin',
  keyName: 'local admin key',
  tenantId,
  orgId: null,
  operator: true,
});

/** The caller a principal makes, refused unless its roles allow the action. */
export function callerFor(principal: KeyPrincipal, user: string | null, roles: Role[], action: RouteAction): Caller {
  checkOperator(principal, action);
  const actions = allowedActions(roles, principal.orgId !== null);
  if (action !== null && action !== OPERATOR && !actions.includes(action)) {
    throw new OrgVaultError('FORBIDDEN', `The caller's roles do not allow ${action}`, {
      actions: ['Ask an OrgVault administrator for a permission set that grants this.'],
      details: { required: action, roles },
    });
  }
  return { principal, user, roles, actions, scope: { tenantId: principal.tenantId, orgId: principal.orgId } };
}
