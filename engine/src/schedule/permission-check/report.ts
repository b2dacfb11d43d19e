import type { PermissionSnapshot } from '../ports.js';

/**
 * The system permissions backup and restore need, and what each is used for. Missing ones are
 * reported, not fatal: the engine keeps working with what it can see and says what it cannot.
 */
export const REQUIRED_USER_PERMISSIONS = [
  {
    permission: 'ApiEnabled',
    label: 'API Enabled',
    neededFor: ['backup', 'restore', 'continuous protection'],
    usedFor: 'Every call the engine makes: REST, Bulk API 2.0, Pub/Sub and Streaming.',
  },
  {
    permission: 'ViewAllData',
    label: 'View All Data',
    neededFor: ['backup'],
    usedFor: 'Read every record whatever the sharing model, so a backup holds the whole org.',
  },
  {
    permission: 'QueryAllFiles',
    label: 'Query All Files',
    neededFor: ['backup'],
    usedFor: 'Read every file (ContentVersion), not only those shared with the integration user.',
  },
  {
    permission: 'ModifyAllData',
    label: 'Modify All Data',
    neededFor: ['restore'],
    usedFor: 'Create, update and undelete any record whatever the sharing model when restoring.',
  },
  {
    permission: 'ViewSetup',
    label: 'View Setup and Configuration',
    neededFor: ['permission check'],
    usedFor: 'Read permission sets, object and field permissions for this report.',
  },
  {
    permission: 'ViewAllUsers',
    label: 'View All Users',
    neededFor: ['subscription seats'],
    usedFor: 'Count active licensed users against the purchased seats.',
  },
  {
    permission: 'CustomizeApplication',
    label: 'Customize Application',
    neededFor: ['continuous protection'],
    usedFor: 'Choose the objects Change Data Capture streams (PlatformEventChannelMember).',
  },
] as const;

export type ProtectionStatus = 'protected' | 'unprotected';

export interface PermissionReport {
  checkedAt: string;
  user: { id: string; username: string };
  summary: {
    objects: number;
    unprotectedObjects: number;
    fields: number;
    unprotectedFields: number;
    missingUserPermissions: number;
  };
  /** Read on every field; a field of an object without Read is unprotected too. */
  fieldPermissions: Array<{ field: string; object: string; read: boolean; status: ProtectionStatus }>;
  objectPermissions: Array<{ object: string; read: boolean; status: ProtectionStatus }>;
  userPermissions: Array<{ permission: string; label: string; granted: boolean; neededFor: string[]; usedFor: string }>;
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

export function buildPermissionReport(snapshot: PermissionSnapshot, checkedAt: Date): PermissionReport {
  const objectRead = new Map(snapshot.objects.map((o) => [o.name, o.read]));
  const objectPermissions = snapshot.objects
    .map((o) => ({ object: o.name, read: o.read, status: status(o.read) }))
    .sort((a, b) => byName(a.object, b.object));
  const fieldPermissions = snapshot.fields
    .map((f) => ({ field: f.field, object: f.object, read: f.read, status: status(f.read && objectRead.get(f.object) !== false) }))
    .sort((a, b) => byName(a.object, b.object) || byName(a.field, b.field));
  const userPermissions = REQUIRED_USER_PERMISSIONS.map((p) => ({
    permission: p.permission,
    label: p.label,
    granted: snapshot.userPermissions[p.permission] === true,
    neededFor: [...p.neededFor],
    usedFor: p.usedFor,
  }));
  return {
    checkedAt: checkedAt.toISOString(),
    user: snapshot.user,
    summary: {
      objects: objectPermissions.length,
      unprotectedObjects: objectPermissions.filter((o) => o.status === 'unprotected').length,
      fields: fieldPermissions.length,
      unprotectedFields: fieldPermissions.filter((f) => f.status === 'unprotected').length,
      missingUserPermissions: userPermissions.filter((p) => !p.granted).length,
    },
    fieldPermissions,
    objectPermissions,
    userPermissions,
  };
}

function status(read: boolean): ProtectionStatus {
  return read ? 'protected' : 'unprotected';
}
