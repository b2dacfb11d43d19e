/**
 * What the schedule needs from other domains, as the smallest interfaces that will do. The
 * schedule's rules (subscriptions, scheduler, permission checks) see backup/ and salesforce/ only
 * through these; the two adapters that implement them over those domains (backup-jobs.ts,
 * org-readers.ts) and index.ts, which wires the default launcher, are the only files of
 * schedule/ that import them.
 */

export type BackupTrigger = 'scheduled' | 'on_demand';

export interface BackupLauncher {
  /**
   * Opens a backup job and returns once it is recorded (not when it ends). Throws OrgVaultError
   * JOB_RUNNING when a job already runs for the org.
   */
  start(orgId: string, request: { trigger: BackupTrigger; objects?: string[]; now?: Date }): Promise<{ jobId: string }>;
  /** Jobs opened at or after `since` that count against the daily limit (not skipped, not failed). */
  countJobsSince(orgId: string, since: Date): Promise<number>;
  /** Keeps a scheduled start that did not run in the job history, with its reason. */
  recordSkipped(orgId: string, reason: string, now: Date): Promise<void>;
}

export interface OrgUserCounter {
  /**
   * Active users (User.IsActive) holding a standard Salesforce user license — the users seats are
   * bought for. Only asked for production orgs.
   */
  countActiveLicensedUsers(orgId: string): Promise<number>;
}

/** The integration user's access, as the org reports it. */
export interface PermissionSnapshot {
  user: { id: string; username: string };
  /** Every object a backup would protect (queryable, replicateable), with the user's Read. */
  objects: Array<{ name: string; read: boolean }>;
  /** Every field of those objects that permissions apply to, with the user's Read. */
  fields: Array<{ object: string; field: string; read: boolean }>;
  /** The user's effective system permissions by API name without the prefix (ApiEnabled, ...). */
  userPermissions: Record<string, boolean>;
}

export interface PermissionReader {
  readIntegrationUserPermissions(orgId: string): Promise<PermissionSnapshot>;
}
