import type { OrgConnection } from '../salesforce/connection.js';
import { describeGlobal } from '../salesforce/describe.js';
import { countActiveLicensedUsers } from '../salesforce/licensed-users.js';
import { fieldsWithPermissions, permissionableObjects, readUserPermissions, SYSTEM_PERMISSIONS } from '../salesforce/permissions.js';
import { candidateObjects } from '../salesforce/scope.js';
import type { OrgUserCounter, PermissionReader, PermissionSnapshot } from './ports.js';

/**
 * The schedule's questions to an org, answered with the salesforce layer's readers over a
 * connection the caller opens (the stored connection of the org).
 */
export function salesforceOrgReaders(open: (orgId: string) => Promise<OrgConnection>): OrgUserCounter & PermissionReader {
  return {
    countActiveLicensedUsers: async (orgId) => countActiveLicensedUsers(await open(orgId)),
    readIntegrationUserPermissions: async (orgId) => readPermissionSnapshot(await open(orgId)),
  };
}

/**
 * The integration user's access. Describe shows the user only what it can read, so the objects
 * and fields that exist are also taken from every permission set's ObjectPermissions and
 * FieldPermissions (the System Administrator profile covers them all), and the user's own Read
 * from the permission sets assigned to it. View All Data gives Read on every object; field-level
 * security still applies to fields. Reading other sets' permissions needs View Setup.
 */
export async function readPermissionSnapshot(conn: OrgConnection): Promise<PermissionSnapshot> {
  const perms = await readUserPermissions(conn);
  // A permission counts when the assigned permission sets (the profile's own included) grant it
  // and UserPermissionAccess, Salesforce's own sum of them, agrees.
  const userPermissions = Object.fromEntries(
    SYSTEM_PERMISSIONS.map((p) => [
      p.replace(/^Permissions/, ''),
      perms.effective[p] !== false && perms.permissionSets.some((set) => set[p] === true),
    ]),
  );
  // Objects no permission set mentions (User, Organization, ...) are not governed by object
  // permissions: the user reads them when describe lists them.
  const listed = new Set(candidateObjects(await describeGlobal(conn)));
  const permissionable = new Set(await permissionableObjects(conn));
  const objectNames = new Set([...listed, ...permissionable]);
  const objectRead = new Set(perms.objectPermissions.filter((p) => p.PermissionsRead).map((p) => p.SobjectType));
  const viewAll = userPermissions.ViewAllData === true;
  const objects = [...objectNames]
    .sort()
    .map((name) => ({ name, read: viewAll || objectRead.has(name) || (listed.has(name) && !permissionable.has(name)) }));

  const fieldRead = new Set(perms.fieldPermissions.filter((p) => p.PermissionsRead).map((p) => p.Field));
  const fieldNames = new Set(await fieldsWithPermissions(conn, [...objectNames]));
  const fields = [...fieldNames].sort().map((qualified) => {
    const dot = qualified.indexOf('.');
    return { object: qualified.slice(0, dot), field: qualified.slice(dot + 1), read: fieldRead.has(qualified) };
  });
  return { user: { id: conn.identity.userId, username: conn.identity.username }, objects, fields, userPermissions };
}
