import { z } from 'zod';
import { ACTIONS, ROLES } from '../tenants/roles.js';
import { ERROR_CODES } from '../errors.js';

/**
 * The wire contract of /api/v1. The same schemas validate requests, encode responses and
 * generate the OpenAPI document, so the three cannot drift. Dates are ISO-8601 strings on the
 * wire and Date objects inside (zod codecs).
 */

export const DateTime = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

export const Id = z.uuid();
/** Ids other domains mint (jobs, runs, reports): opaque to the API, checked by shape only. */
export const OpaqueId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id');

/** First gate for names that may reach a query; the org's describe is the second (a service call). */
export const SF_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
export const SfName = z.string().regex(SF_NAME, 'a Salesforce API name (letters, digits, underscores; at most 80)');
export const FieldRef = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}\.[A-Za-z][A-Za-z0-9_]{0,79}$/, 'Object.Field, both Salesforce API names');

export const uniqueNames = <T extends z.ZodString>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a.map((s) => s.toLowerCase())).size === a.length, 'names must be unique');

export const Count = z.number().int().min(0);

// ---------------------------------------------------------------- errors

export const ErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
    message: z.string(),
    actions: z.array(z.string()).describe('What the caller can do about it'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

// ---------------------------------------------------------------- jobs

export const JobStatus = z.enum(['queued', 'running', 'paused', 'succeeded', 'partial', 'failed', 'skipped', 'cancelled']);
export const ObjectStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']);

export const Progress = z.object({
  objectsTotal: Count,
  objectsDone: Count,
  records: Count,
  bytes: Count,
  files: Count,
  apiCalls: Count,
  /** Null while the total is not known yet (the first pass counts as it goes). */
  percent: z.number().min(0).max(100).nullable(),
});

/** What an admin asks of a job or one object's pass (backup/monitor.ts). */
export const ObjectFigures = z.object({
  recordsProtected: Count.describe('Records present in the backup after the job'),
  filesProtected: Count,
  inserted: Count.describe('Records that appeared since the previous job'),
  updated: Count,
  deleted: Count,
  bytesStored: Count.describe('Bytes of record packs as stored (compressed, encrypted) after the job'),
  bytesAdded: Count,
  durationMs: Count.nullable(),
  apiCalls: Count,
  apiShare: z.number().min(0).nullable().describe("Percent of the org's daily API allowance"),
});
export const JobFigures = ObjectFigures.extend({
  apiLimit: Count.nullable().describe("The org's daily API allowance (DailyApiRequests Max) when the job ended"),
  failedObjects: z.array(z.object({ object: z.string(), error: z.string().nullable() })),
});

export const Job = z.object({
  id: OpaqueId,
  orgId: Id,
  kind: z.enum(['full', 'incremental', 'catch_up', 'recovery_point']),
  trigger: z.enum(['scheduled', 'on_demand', 'recovery', 'fallback']),
  status: JobStatus,
  /** Why a job was skipped or paused, in words for the page. */
  reason: z.string().nullable(),
  /** The objects asked for, or null for all objects in scope. */
  objects: z.array(z.string()).nullable(),
  requestedBy: z.string().nullable(),
  queuedAt: DateTime,
  startedAt: DateTime.nullable(),
  finishedAt: DateTime.nullable(),
  progress: Progress,
  figures: JobFigures,
  error: z.string().nullable(),
});

export const JobObject = z.object({
  name: z.string(),
  pass: z.enum(['full', 'incremental', 'as_of']),
  status: ObjectStatus,
  records: Count,
  deleted: Count,
  bytes: Count,
  files: Count,
  apiCalls: Count,
  attempts: Count,
  startedAt: DateTime.nullable(),
  finishedAt: DateTime.nullable(),
  figures: ObjectFigures,
  error: z.string().nullable(),
});

export const JobDetail = Job.extend({ objectDetails: z.array(JobObject) });
export const JobList = z.object({ jobs: z.array(Job) });
export const StartJobRequest = z.strictObject({
  objects: uniqueNames(SfName, 1000).min(1).optional().describe('Objects to back up; absent = every object in scope'),
});
export const JobListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: DateTime.optional().describe('Only jobs queued before this time (paging)'),
});

// ---------------------------------------------------------------- orgs (tiles)

/** Are we protected, and since when (backup/monitor.ts). */
export const Protection = z.object({
  neverBackedUp: z.boolean(),
  recordsProtected: Count,
  filesProtected: Count,
  bytesStored: Count,
  newestPointAt: DateTime.nullable().describe('The newest time the org can be restored to'),
  newestPointAgeMs: Count.nullable(),
  warning: z
    .object({ reason: z.enum(['failed', 'partial', 'stale']), message: z.string() })
    .nullable()
    .describe('The last job failed or left objects out, or the newest point is older than the schedule promises'),
});

export const Tile = z.object({
  id: Id,
  name: z.string(),
  sfOrgId: z.string(),
  instanceUrl: z.string(),
  isSandbox: z.boolean(),
  timeZone: z.string(),
  hidden: z.boolean(),
  connectedAt: DateTime,
  lastJob: z
    .object({ id: OpaqueId, status: JobStatus, startedAt: DateTime.nullable(), finishedAt: DateTime.nullable() })
    .nullable()
    .describe('The last job that finished (or was skipped)'),
  currentJob: z
    .object({ id: OpaqueId, status: JobStatus, startedAt: DateTime.nullable(), progress: Progress })
    .nullable()
    .describe('The job queued or running now'),
  nextBackupAt: DateTime.nullable().describe('Next scheduled start; null when backups are off or not scheduled'),
  cdpEnabled: z.boolean(),
  connection: z
    .enum(['connected', 'reconnect_needed'])
    .describe('reconnect_needed: Salesforce revoked our access; backups and continuous protection wait for an administrator to reconnect'),
  reconnectReason: z.string().nullable(),
  protection: Protection,
});
export const TileList = z.object({ orgs: z.array(Tile) });
export const DisconnectedOrg = Tile.pick({ id: true, name: true, sfOrgId: true, instanceUrl: true, isSandbox: true }).extend({
  disconnectedAt: DateTime,
});
export const DisconnectedOrgList = z.object({ orgs: z.array(DisconnectedOrg).describe('Latest disconnect first') });

const LoginUrl = z.url({ protocol: /^https?$/ }).max(2000);
export const ConnectRequest = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('refresh_token'),
    loginUrl: LoginUrl,
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(500).optional(),
    refreshToken: z.string().min(1).max(2000),
  }),
  z.strictObject({
    method: z.literal('jwt'),
    loginUrl: LoginUrl,
    clientId: z.string().min(1).max(500),
    username: z.string().min(1).max(255),
    privateKey: z.string().min(1).max(20000).optional().describe("PEM; absent = the engine's configured key"),
  }),
  z.strictObject({
    method: z.literal('access_token'),
    instanceUrl: LoginUrl,
    accessToken: z.string().min(1).max(2000),
  }),
]);
export const ConnectResponse = z.object({
  org: Tile,
  orgKey: z
    .object({ id: Id, key: z.string() })
    .describe("The org's own API key for its Named Credential: shown once, reaches only this org"),
});
export const HideRequest = z.strictObject({ hidden: z.boolean() });

export const LoginRequest = z.strictObject({
  environment: z
    .enum(['production', 'sandbox', 'custom'])
    .describe('Where to log in: login.salesforce.com, test.salesforce.com, or a My Domain'),
  myDomainUrl: LoginUrl.optional().describe('With environment custom: the My Domain URL, e.g. https://acme.my.salesforce.com'),
});
export const LoginLink = z.object({
  authorizeUrl: z.string().describe("Salesforce's login page for this connection: open it in the browser (single use)"),
  expiresAt: DateTime,
});
export const DeletedBackups = z.object({
  packs: z.number().int().describe('Packs of record versions deleted (PostgreSQL)'),
  versions: z.number().int().describe('Record versions those packs held'),
  files: z.number().int().describe('Files the catalog recorded'),
  blobObjects: z.number().int().describe('Objects removed from Blob Storage (files, and leftovers of unfinished uploads)'),
});

export const ObjectInfo = z.object({
  name: z.string(),
  label: z.string(),
  custom: z.boolean(),
  inScope: z.boolean(),
  /** Why an object is out of scope (not replicateable, excluded by settings, no read access). */
  reason: z.string().nullable(),
});
export const ObjectList = z.object({ objects: z.array(ObjectInfo) });

// ---------------------------------------------------------------- recovery points

export const RecoveryPointRequest = z.strictObject({
  objects: uniqueNames(SfName, 1000).min(1),
  at: DateTime,
});
export const RecoveryPoint = z.object({
  id: OpaqueId,
  orgId: Id,
  objects: z.array(z.string()),
  at: DateTime,
  status: z.enum(['pending', 'building', 'ready', 'failed']),
  requestedBy: z.string().nullable(),
  createdAt: DateTime,
});

// ---------------------------------------------------------------- continuous data protection

const TransportMode = z.enum(['auto', 'pubsub', 'cometd']);
export const CdpSettingsInput = z.strictObject({
  enabled: z.boolean(),
  objects: uniqueNames(SfName, 1000),
  /** auto (default): the Pub/Sub API, the Streaming API (CometD) while Pub/Sub cannot be reached. */
  transport: TransportMode.optional(),
});
export const CdpSettings = CdpSettingsInput.extend({
  transport: TransportMode,
  /** The transport following the change events now, since when and why (a fall-back shows here). */
  activeTransport: z.object({ transport: z.enum(['pubsub', 'cometd']), since: DateTime.nullable(), reason: z.string().nullable() }),
  /** Per object: selected for Change Data Capture in the org, or why it could not be. */
  selection: z.record(z.string(), z.object({ selected: z.boolean(), reason: z.string().optional() })),
  /** Since when the change events have covered the objects without a hole. */
  coveredFrom: DateTime.nullable(),
  /** Everything committed in the org before this time is stored. */
  caughtUpAt: DateTime.nullable(),
  lastEventAt: DateTime.nullable(),
  /** Fall-backs to backup jobs, newest first. */
  fallbacks: z.array(
    z.object({
      at: DateTime,
      reason: z.enum(['protection_on', 'gap_overflow', 'replay_expired', 'stream_down', 'transport_switch']),
      objects: z.array(z.string()),
      jobId: Id.nullable(),
      detail: z.string().nullable(),
    }),
  ),
  paused: z
    .enum(['reconnect_needed'])
    .nullable()
    .describe('Why the change stream waits: Salesforce revoked our access; it resumes from its checkpoint after a reconnect'),
});

// ---------------------------------------------------------------- settings

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour, in the org time zone');
export const BackupSettingsInput = z.strictObject({
  enabled: z.boolean(),
  includeFeedAndShare: z.boolean(),
  excludedObjects: uniqueNames(SfName, 1000),
  excludedFields: uniqueNames(FieldRef, 5000),
  jobsPerDay: z.number().int().min(1).max(24),
  startTime: HourMinute.nullable().describe('Null = spread evenly from 00:00'),
});
export const BackupSettings = BackupSettingsInput.extend({
  maxJobsPerDay: z.number().int().min(1).describe('What the subscription allows'),
  nextBackupAt: DateTime.nullable(),
});

export const PermissionCheckSettingsInput = z.strictObject({
  enabled: z.boolean(),
  startAt: DateTime,
  intervalUnit: z.enum(['day', 'week', 'month']),
  intervalCount: z.number().int().min(1).max(365),
});
export const PermissionCheckSettings = PermissionCheckSettingsInput.extend({ nextRunAt: DateTime.nullable() });
export const PermissionCheckRun = z.object({
  id: OpaqueId,
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  requestedAt: DateTime,
  finishedAt: DateTime.nullable(),
});
/** Whether a backup can see the object or field (an unreadable one is left out of every backup). */
const ProtectionStatus = z.enum(['protected', 'unprotected']);
export const PermissionReport = z.object({
  id: OpaqueId,
  orgId: Id,
  ranAt: DateTime,
  summary: z.object({
    objects: z.number().int(),
    unprotectedObjects: z.number().int(),
    fields: z.number().int(),
    unprotectedFields: z.number().int(),
    missingUserPermissions: z.number().int(),
  }),
  fieldPermissions: z.array(z.object({ object: z.string(), field: z.string(), read: z.boolean(), status: ProtectionStatus })),
  objectPermissions: z.array(z.object({ object: z.string(), read: z.boolean(), status: ProtectionStatus })),
  userPermissions: z.array(
    z.object({ name: z.string(), label: z.string(), granted: z.boolean(), neededFor: z.array(z.string()), usedFor: z.string() }),
  ),
});

// ---------------------------------------------------------------- tenant

export const AdminEmails = z.strictObject({
  emails: z.array(z.email().max(254)).max(100).describe('Who receives permission-check reports; the list replaces the old one'),
});
export const SubscriptionInfo = z.object({
  type: z.string(),
  typeName: z.string(),
  dailyJobLimit: z.number().int().nullable().describe('Backup jobs each org may run in any 24 hours; null = not limited (self-hosted)'),
  expiresAt: DateTime.nullable(),
  expired: z.boolean().describe('Backups stop while expired; restore, compare and export keep working'),
  seats: z.number().int().nullable().describe('Licensed users a production org may have; null = not limited'),
});

// ---------------------------------------------------------------- me and keys

export const Role = z.enum(ROLES);
export const Me = z.object({
  tenant: z.object({ id: Id, name: z.string() }),
  key: z.object({ id: Id, name: z.string(), orgId: Id.nullable().describe('Set for an org key: the one org it reaches') }),
  user: z.string().nullable(),
  roles: z.array(Role),
  actions: z.array(z.enum(ACTIONS)).describe('What this caller may do; the page offers only these'),
});

export const KeyInfo = z.object({
  id: Id,
  name: z.string(),
  orgId: Id.nullable(),
  prefix: z.string().describe('The first characters of the key, to recognise it'),
  createdAt: DateTime,
  revokedAt: DateTime.nullable(),
});
export const KeyList = z.object({ keys: z.array(KeyInfo) });
export const CreateKeyRequest = z.strictObject({
  name: z.string().trim().min(1).max(100),
  orgId: Id.optional().describe('Make an org key that reaches only this org'),
});
export const CreatedKey = z.object({ info: KeyInfo, key: z.string().describe('The key in clear: shown this once only') });

export const OrgIdParams = z.strictObject({ orgId: z.string() });
export const JobParams = z.strictObject({ orgId: z.string(), jobId: z.string() });
export const KeyParams = z.strictObject({ keyId: z.string() });
export const Empty = z.strictObject({});

export type TileOut = z.output<typeof Tile>;
export type JobOut = z.output<typeof Job>;
export type JobDetailOut = z.output<typeof JobDetail>;
export type ProtectionOut = z.output<typeof Protection>;
export type ObjectInfoOut = z.output<typeof ObjectInfo>;
export type ConnectInput = z.output<typeof ConnectRequest>;
export type RecoveryPointOut = z.output<typeof RecoveryPoint>;
export type CdpSettingsIn = z.output<typeof CdpSettingsInput>;
export type CdpSettingsOut = z.output<typeof CdpSettings>;
export type BackupSettingsIn = z.output<typeof BackupSettingsInput>;
export type BackupSettingsOut = z.output<typeof BackupSettings>;
export type PermissionCheckSettingsIn = z.output<typeof PermissionCheckSettingsInput>;
export type PermissionCheckSettingsOut = z.output<typeof PermissionCheckSettings>;
export type PermissionCheckRunOut = z.output<typeof PermissionCheckRun>;
export type PermissionReportOut = z.output<typeof PermissionReport>;
export type SubscriptionOut = z.output<typeof SubscriptionInfo>;
