import type { OrgConnection } from './connection.js';
import { queryRecords } from './rest-query.js';

/** The license seats are bought for (UserLicense.LicenseDefinitionKey of a full Salesforce user). */
export const STANDARD_LICENSE_KEY = 'SFDC';

/**
 * Active users holding a standard Salesforce user license. Joined here rather than through
 * Profile.UserLicense in one query: three plain queries need nothing of SOQL's relationship
 * filters and stay small (licenses, profiles, active users).
 */
export async function countActiveLicensedUsers(conn: OrgConnection): Promise<number> {
  const licenses = await queryRecords<{ Id: string; LicenseDefinitionKey: string | null; Name: string }>(
    conn,
    'SELECT Id, Name, LicenseDefinitionKey FROM UserLicense',
  );
  const standard = new Set(
    licenses.filter((l) => (l.LicenseDefinitionKey ?? '') === STANDARD_LICENSE_KEY || l.Name === 'Salesforce').map((l) => l.Id),
  );
  const profiles = await queryRecords<{ Id: string; UserLicenseId: string | null }>(conn, 'SELECT Id, UserLicenseId FROM Profile');
  const licensed = new Set(profiles.filter((p) => p.UserLicenseId !== null && standard.has(p.UserLicenseId)).map((p) => p.Id));
  const users = await queryRecords<{ ProfileId: string | null }>(conn, 'SELECT ProfileId FROM User WHERE IsActive = true');
  return users.filter((u) => u.ProfileId !== null && licensed.has(u.ProfileId)).length;
}
