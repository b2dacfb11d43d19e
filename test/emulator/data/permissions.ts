/**
 * A user's effective user permissions: the OR of the Permissions* checkboxes of every permission
 * set assigned to them (profile-owned ones included), as UserPermissionAccess reports them.
 */
import type { Org } from './org.js';
import { USER_PERMISSIONS } from './standard-objects.js';
import { RowState } from './table.js';

export function effectivePermissions(org: Org, userId: string): Record<string, boolean> {
  const out: Record<string, boolean> = Object.fromEntries(USER_PERMISSIONS.map((p) => [p, false]));
  const assignments = org.table('PermissionSetAssignment');
  const sets = org.table('PermissionSet');
  for (let r = 0; r < assignments.size; r++) {
    if (assignments.rowState(r) !== RowState.Live || assignments.get(r, 'AssigneeId') !== userId) continue;
    const ps = sets.rowOf(assignments.get(r, 'PermissionSetId') as string);
    if (ps < 0 || sets.rowState(ps) !== RowState.Live) continue;
    for (const p of USER_PERMISSIONS) if (sets.get(ps, p) === true) out[p] = true;
  }
  return out;
}

/** Refreshes the one UserPermissionAccess row to the running user's effective permissions. */
export function refreshUserPermissionAccess(org: Org, userId: string): void {
  const t = org.table('UserPermissionAccess');
  if (t.size === 0) return;
  const perms = effectivePermissions(org, userId);
  for (const [p, v] of Object.entries(perms)) t.setStored(0, p, v);
}

/**
 * Which file records a user sees: everything with Query All Files; otherwise the files they
 * own or that are linked to them (ContentDocumentLink.LinkedEntityId = the user).
 */
export function visibleDocuments(org: Org, userId: string): Set<string> | null {
  if (effectivePermissions(org, userId).PermissionsQueryAllFiles) return null;
  const docs = org.table('ContentDocument');
  const links = org.table('ContentDocumentLink');
  const visible = new Set<string>();
  for (let r = 0; r < docs.size; r++) if (docs.get(r, 'OwnerId') === userId) visible.add(docs.idOf(r));
  for (let r = 0; r < links.size; r++) {
    if (links.rowState(r) === RowState.Live && links.get(r, 'LinkedEntityId') === userId)
      visible.add(links.get(r, 'ContentDocumentId') as string);
  }
  return visible;
}
