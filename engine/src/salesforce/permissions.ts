import type { OrgConnection } from './connection.js';
import { queryRecords } from './rest-query.js';

/** The system permissions a backup and restore depend on, as Permission* fields. */
export const SYSTEM_PERMISSIONS = [
  'PermissionsApiEnabled',
  'PermissionsViewAllData',
  'PermissionsModifyAllData',
  'PermissionsQueryAllFiles',
  'PermissionsViewAllUsers',
  'PermissionsCustomizeApplication',
  'PermissionsViewSetup',
  'PermissionsManageUsers',
] as const;

export type SystemPermission = (typeof SYSTEM_PERMISSIONS)[number];
export type SystemPermissions = Record<SystemPermission, boolean>;

export interface PermissionSetInfo extends Partial<SystemPermissions> {
  Id: string;
  Name: string;
  Label?: string;
  /** True for the profile's own permission set. */
  IsOwnedByProfile?: boolean;
}

export interface ObjectPermission {
  ParentId: string;
  SobjectType: string;
  PermissionsRead: boolean;
  PermissionsCreate: boolean;
  PermissionsEdit: boolean;
  PermissionsDelete: boolean;
  PermissionsViewAllRecords: boolean;
  PermissionsModifyAllRecords: boolean;
}

export interface FieldPermission {
  ParentId: string;
  SobjectType: string;
  /** `Object.Field` */
  Field: string;
  PermissionsRead: boolean;
  PermissionsEdit: boolean;
}

export interface UserPermissions {
  userId: string;
  /** The running user's effective system permissions (UserPermissionAccess). */
  effective: Partial<SystemPermissions>;
  /** Every permission set assigned to the user, the profile's own included. */
  permissionSets: PermissionSetInfo[];
  objectPermissions: ObjectPermission[];
  fieldPermissions: FieldPermission[];
}

/** Ids go into `IN (...)` lists of a size SOQL's statement length allows. */
const IN_CHUNK = 200;

function quoted(ids: readonly string[]): string {
  return ids.map((id) => `'${id.replace(/[\\']/g, '\\$&')}'`).join(', ');
}

async function byParent<R>(conn: OrgConnection, select: string, ids: readonly string[]): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    out.push(...(await queryRecords<R>(conn, `${select} WHERE ParentId IN (${quoted(ids.slice(i, i + IN_CHUNK))})`)));
  }
  return out;
}

function strip<R>(rows: (R & { attributes?: unknown })[]): R[] {
  return rows.map(({ attributes: _a, ...rest }) => rest as R);
}

/** The connection's user's effective system permissions (UserPermissionAccess: one query). */
export async function readEffectivePermissions(conn: OrgConnection): Promise<Partial<SystemPermissions>> {
  const [effective] = await queryRecords<Partial<SystemPermissions>>(
    conn,
    `SELECT ${SYSTEM_PERMISSIONS.join(', ')} FROM UserPermissionAccess`,
  );
  return strip([effective ?? {}])[0]!;
}

/** What the integration user (the connection's user unless told otherwise) may see and do. */
export async function readUserPermissions(conn: OrgConnection, userId = conn.identity.userId): Promise<UserPermissions> {
  const assignments = await queryRecords<{ PermissionSetId: string }>(
    conn,
    `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = ${quoted([userId])}`,
  );
  const ids = [...new Set(assignments.map((a) => a.PermissionSetId))];
  const permissionSets: PermissionSetInfo[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    permissionSets.push(
      ...(await queryRecords<PermissionSetInfo>(
        conn,
        `SELECT Id, Name, Label, IsOwnedByProfile, ${SYSTEM_PERMISSIONS.join(', ')} FROM PermissionSet WHERE Id IN (${quoted(ids.slice(i, i + IN_CHUNK))})`,
      )),
    );
  }
  const objectPermissions = await byParent<ObjectPermission>(
    conn,
    'SELECT ParentId, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions',
    ids,
  );
  const fieldPermissions = await byParent<FieldPermission>(
    conn,
    'SELECT ParentId, SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions',
    ids,
  );
  return {
    userId,
    effective: await readEffectivePermissions(conn),
    permissionSets: strip(permissionSets),
    objectPermissions: strip(objectPermissions),
    fieldPermissions: strip(fieldPermissions),
  };
}

/** Every object some permission set has object permissions on. */
export async function permissionableObjects(conn: OrgConnection): Promise<string[]> {
  return (await queryRecords<{ SobjectType: string }>(conn, 'SELECT SobjectType FROM ObjectPermissions')).map((r) => r.SobjectType);
}

/** Field-permission lists of objects per query (object names are longer than ids). */
const OBJECTS_PER_QUERY = 100;

/** The `Object.Field` names some permission set has field permissions on, among these objects'. */
export async function fieldsWithPermissions(conn: OrgConnection, objects: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < objects.length; i += OBJECTS_PER_QUERY) {
    const soql = `SELECT Field FROM FieldPermissions WHERE SobjectType IN (${quoted(objects.slice(i, i + OBJECTS_PER_QUERY))})`;
    for (const row of await queryRecords<{ Field: string }>(conn, soql)) out.push(row.Field);
  }
  return out;
}
