import type { AuditService } from '../audit/index.js';
import type { RetentionService } from '../retention/index.js';
import type { Doctor } from '../doctor/index.js';
import type { Store } from '../store/store.js';
import type { Org, OrgRegistry } from '../orgs/registry.js';
import type { BackupDeletion } from '../orgs/backup-deletion.js';
import type { ApiKeyService } from '../tenants/keys.js';
import type { SignInLinks } from '../tenants/sign-in-links.js';
import type { TenantService } from '../tenants/tenants.js';
import type {
  BackupSettingsIn,
  BackupSettingsOut,
  CdpSettingsIn,
  CdpSettingsOut,
  ConnectInput,
  JobDetailOut,
  JobOut,
  ObjectInfoOut,
  PermissionCheckRunOut,
  PermissionCheckSettingsIn,
  PermissionCheckSettingsOut,
  PermissionReportOut,
  ProtectionOut,
  SubscriptionOut,
  RecoveryPointOut,
} from './schemas.js';
import type { MonitorSeriesOut } from './monitor-schemas.js';
import type {
  CompareRequestIn,
  CompareResultOut,
  DeletedRecordsOut,
  RecordHistoryOut,
  RestoreOutcomeOut,
  RestoreRequestIn,
} from './restore-schemas.js';

/**
 * What the routes need from the engine's services, one interface per service. The routes hold
 * no SQL and no rules: they validate, call one of these, and shape the answer. Each interface
 * names its owner; the composition root (services.ts) wires every one of them.
 *
 * Every method receives an `Org` the API has already resolved within the caller's tenant and
 * org scope, so a service never sees another tenant's ids. `by` is the user the caller asserted
 * (X-OrgVault-User), for audit and "requested by".
 */

/** salesforce/: connecting an org (token exchange, identity, tokens stored encrypted). */
export interface OrgConnectService {
  /**
   * Verifies the credentials against the org, stores its tokens, registers the org in the
   * tenant (OrgRegistry.register) and starts what follows a connection (first backup schedule).
   * Throws ORG_AUTH_FAILED when the org refuses the credentials.
   */
  connect(tenantId: string, credentials: ConnectInput): Promise<Org>;
}

/** salesforce/: connecting in the browser (OAuth 2.0 web-server flow with PKCE). */
export interface WebLoginService {
  /** An authorize URL for a new org, or (`reconnect`) for an org whose access Salesforce revoked. */
  begin(input: {
    tenantId: string;
    requestedBy: string | null;
    environment: 'production' | 'sandbox' | 'custom';
    myDomainUrl?: string | undefined;
    reconnect?: Org | undefined;
  }): Promise<{ authorizeUrl: string; expiresAt: Date }>;
  /** The callback's query: the org connected, or LOGIN_LINK_INVALID, ORG_AUTH_FAILED, CONFLICT. */
  /** requestedBy: the user who began the login (its audit entry's actor). */
  finish(query: Record<string, unknown>): Promise<{ org: Org; reconnected: boolean; requestedBy: string | null }>;
}

/** backup/ (scope.ts): which objects the org's backups cover, over its describe. */
export interface ObjectScopeService {
  /** Every object of the org with whether it is in backup scope and, if not, why. */
  listObjects(org: Org): Promise<ObjectInfoOut[]>;
  /**
   * Checks object names and Object.Field names against the org's describe before they reach a
   * query. Throws VALIDATION_FAILED with `details.unknown` (the names the org does not have).
   */
  assertKnown(org: Org, names: { objects?: string[]; fields?: string[] }): Promise<void>;
}

/** backup/: on-demand jobs and the job catalog. */
export interface BackupJobService {
  /**
   * Starts a job now (all objects in scope, or the given ones). Refuses with JOB_RUNNING,
   * FULL_BACKUP_REQUIRED (objects given before the cycle's full job finished),
   * SUBSCRIPTION_EXPIRED, DAILY_JOB_LIMIT, SEATS_EXCEEDED or STORAGE_NOT_CONFIGURED.
   */
  start(org: Org, request: { objects?: string[]; by: string | null }): Promise<JobOut>;
  /** Newest first. */
  list(org: Org, page: { limit: number; before?: Date }): Promise<JobOut[]>;
  /** NOT_FOUND for an id that is not this org's job. */
  get(org: Org, jobId: string): Promise<JobDetailOut>;
  /** The last finished job and the one queued or running now, for the tile. */
  latest(org: Org): Promise<{ last: JobOut | null; current: JobOut | null }>;
  /** Per UTC day over `days` days ending with the day of `to`; a window without jobs is an empty series, not an error. */
  series(org: Org, window: { to: Date; days: number }): Promise<MonitorSeriesOut>;
  /** Records protected, the newest restorable point, and what the tile should warn of. */
  protection(org: Org): Promise<ProtectionOut>;
}

/** schedule/: next start times and backup settings (rules of the subscription included). */
export interface ScheduleService {
  nextBackupAt(org: Org): Promise<Date | null>;
  getBackupSettings(org: Org): Promise<BackupSettingsOut>;
  /** VALIDATION_FAILED when jobsPerDay exceeds what the subscription allows. */
  putBackupSettings(org: Org, settings: BackupSettingsIn, by: string | null): Promise<BackupSettingsOut>;
}

/** schedule/: permission checks of the integration user. */
export interface PermissionCheckService {
  getSettings(org: Org): Promise<PermissionCheckSettingsOut>;
  putSettings(org: Org, settings: PermissionCheckSettingsIn, by: string | null): Promise<PermissionCheckSettingsOut>;
  /** Queues a check now; the report follows when it finishes. */
  run(org: Org, by: string | null): Promise<PermissionCheckRunOut>;
  /** Null until a first check has finished. */
  latestReport(org: Org): Promise<PermissionReportOut | null>;
}

/** schedule/: what the tenant as a whole has: its administrators' addresses and its subscription. */
export interface TenantSettingsService {
  adminEmails(tenantId: string): Promise<string[]>;
  /** Replaces the list; duplicates (in any case) are kept once. */
  putAdminEmails(tenantId: string, emails: string[]): Promise<string[]>;
  subscription(tenantId: string): Promise<SubscriptionOut>;
}

/** cdp/: continuous data protection and recovery points. */
export interface CdpService {
  enabled(org: Org): Promise<boolean>;
  getSettings(org: Org): Promise<CdpSettingsOut>;
  /** Switches protection on or off; on, the objects are selected for Change Data Capture in the org. */
  putSettings(org: Org, input: CdpSettingsIn, by: string | null): Promise<CdpSettingsOut>;
  /** Queues the build of a recovery point; FULL_BACKUP_REQUIRED before any backup holds the objects. */
  createRecoveryPoint(org: Org, request: { objects: string[]; at: Date; by: string | null }): Promise<RecoveryPointOut>;
}

/** restore/: restore (dry run first) and compare; never refused by the subscription rules. */
export interface RestoreApiService {
  /**
   * `target` is the org written to (the same org for an in-place restore). A dry run answers with
   * the plan; otherwise the run is queued and answered at once (status `queued`).
   */
  restore(org: Org, target: Org, request: RestoreRequestIn, by: string | null): Promise<RestoreOutcomeOut>;
  /** A run's state, progress and, once finished, counts; NOT_FOUND for an id that is not this org's run. */
  status(org: Org, runId: string): Promise<RestoreOutcomeOut>;
  /** The runs of the org's backup, newest first. */
  list(org: Org, page: { limit: number }): Promise<RestoreOutcomeOut[]>;
  /** Per-record results of a run, as CSV (object, operation, old id, new id, success, error). */
  resultsCsv(org: Org, runId: string): Promise<string>;
  compare(org: Org, against: Org | null, request: CompareRequestIn): Promise<CompareResultOut>;
  /** Every stored version of a record with its source and changes; NOT_FOUND naming why (another org's id, another object's). */
  history(org: Org, recordId: string, object?: string): Promise<RecordHistoryOut>;
  /** Records deleted in a window and not back since, per object, each with the deleted parent it went with. */
  deleted(org: Org, query: { since?: Date; until?: Date; objects?: string[]; limit: number }): Promise<DeletedRecordsOut>;
}

/** Everything the API is built over. */
export interface ApiServices {
  tenants: TenantService;
  /** audit/: every request the routes' audit table names is recorded there (api/audit.ts). */
  audit: AuditService;
  keys: ApiKeyService;
  orgs: OrgRegistry;
  connect: OrgConnectService;
  webLogin: WebLoginService;
  /** tenants/sign-in-links.ts: the local page's one-time sign-in links. */
  signIn: Pick<SignInLinks, 'redeem'>;
  /** orgs/backup-deletion.ts: deletion of the org's backups, with its disconnect or after it. */
  backupDeletion: Pick<BackupDeletion, 'deleteBackups'>;
  scope: ObjectScopeService;
  jobs: BackupJobService;
  schedule: ScheduleService;
  permissionChecks: PermissionCheckService;
  tenantSettings: TenantSettingsService;
  cdp: CdpService;
  restore: RestoreApiService;
  /** store/: its check (only reads). */
  store: Pick<Store, 'check'>;
  /** retention/: legal holds. */
  retention: Pick<RetentionService, 'placeHold' | 'holds' | 'releaseHold'>;
  /** doctor/: what stands between the install (or one org) and working backups. */
  doctor: Pick<Doctor, 'install' | 'org'>;
}
