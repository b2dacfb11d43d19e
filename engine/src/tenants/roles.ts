/**
 * Roles are asserted by the caller (the Apex controller maps the user's permission sets to them)
 * and every action is checked against them here, in one table.
 */
export const ROLES = ['administrator', 'backup_operator', 'restore_operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  'orgs.read',
  'jobs.read',
  'settings.read',
  'permission-report.read',
  'backup.run',
  'recovery-point.create',
  'compare.run',
  'restore.run',
  'orgs.connect',
  'orgs.reconnect',
  'orgs.disconnect',
  'orgs.hide',
  'settings.write',
  'permission-check.run',
  'keys.manage',
  'tenant.manage',
  'store.check',
  'audit.read',
  'legal-hold.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

// Comparing only reads (backups and the live org), so whoever may browse may compare.
const VIEWER: Action[] = ['orgs.read', 'jobs.read', 'settings.read', 'permission-report.read', 'compare.run'];
const OPERATOR: Action[] = [...VIEWER, 'backup.run', 'recovery-point.create'];
// Restoring writes into the org, so it is its own role (the OrgVault_Restore custom permission).
const RESTORER: Action[] = [...VIEWER, 'restore.run'];

const BY_ROLE: Record<Role, readonly Action[]> = {
  viewer: VIEWER,
  backup_operator: OPERATOR,
  restore_operator: RESTORER,
  administrator: ACTIONS,
};

/** Actions an org key may never take, whatever roles its caller asserts: they reach beyond one org. */
const TENANT_ONLY: ReadonlySet<Action> = new Set(['orgs.connect', 'keys.manage', 'tenant.manage']);

export function allowedActions(roles: readonly Role[], orgScoped: boolean): Action[] {
  const granted = new Set(roles.flatMap((r) => BY_ROLE[r]));
  return ACTIONS.filter((a) => granted.has(a) && !(orgScoped && TENANT_ONLY.has(a)));
}
