import type { NextFunction, Request, Response } from 'express';
import { OrgVaultError } from '../errors.js';
import type { ApiKeyService, KeyPrincipal } from '../tenants/keys.js';
import { allowedActions, ROLES, type Action, type Role } from '../tenants/roles.js';
import type { OrgScope } from '../orgs/registry.js';

export const KEY_HEADER = 'x-orgvault-key';
export const USER_HEADER = 'x-orgvault-user';
export const ROLES_HEADER = 'x-orgvault-roles';

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

/** Middleware: a valid X-OrgVault-Key or UNAUTHENTICATED. */
export function authenticate(keys: ApiKeyService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const key = req.get(KEY_HEADER);
    const principal = key ? await keys.authenticate(key) : null;
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

/** Builds the caller from the authenticated key and the asserted headers, then checks the action. */
export function authorize(req: Request, action: Action | null): Caller {
  const principal = principalOf(req);
  if (!principal) throw new OrgVaultError('UNAUTHENTICATED', 'No API key was presented');
  const user = req.get(USER_HEADER) ?? null;
  if (user !== null && !USER_RE.test(user)) {
    throw new OrgVaultError('VALIDATION_FAILED', 'X-OrgVault-User must be 1–255 printable ASCII characters');
  }
  const roles = parseRoles(req.get(ROLES_HEADER));
  const actions = allowedActions(roles, principal.orgId !== null);
  if (action !== null && !actions.includes(action)) {
    throw new OrgVaultError('FORBIDDEN', `The caller's roles do not allow ${action}`, {
      actions: ['Ask an OrgVault administrator for a permission set that grants this.'],
      details: { required: action, roles },
    });
  }
  return { principal, user, roles, actions, scope: { tenantId: principal.tenantId, orgId: principal.orgId } };
}
