/** The wire schemas of restore and compare (the rest are in schemas.ts). */
import { z } from 'zod';
import { DateTime, Id, OpaqueId, SfName, uniqueNames } from './schemas.js';

const SfId = z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/, 'a Salesforce record id');
/** A backup job or recovery point (its finishedAt), or a time. */
const PointInTime = z.union([z.strictObject({ jobId: OpaqueId }), z.strictObject({ at: DateTime })]);
export const RestoreRequest = z.strictObject({
  from: PointInTime,
  objects: uniqueNames(SfName, 200).min(1),
  recordIds: z.array(SfId).max(10000).optional(),
  mode: z.enum(['changed', 'deleted', 'overwrite']).default('changed'),
  depth: z
    .number()
    .int()
    .min(0)
    .max(5)
    .optional()
    .describe(
      'A hierarchy: the chosen records, their children (through child relationships) down this many levels, and the parents they need that the target lacks',
    ),
  fields: uniqueNames(z.string().regex(/^([A-Za-z][A-Za-z0-9_]*\.)?[A-Za-z][A-Za-z0-9_]*$/, 'Field or Object.Field'), 500)
    .min(1)
    .optional()
    .describe('Update only these fields on live records (Field on any object, or Object.Field); records brought back come whole'),
  keepNewer: z
    .union([z.boolean(), DateTime])
    .default(false)
    .describe('Leave fields of records modified after the backup (true) or after this time as they are: reported per field as conflicts'),
  targetOrgId: Id.optional().describe('Another connected org of the tenant (default: in place)'),
  dryRun: z
    .boolean()
    .default(false)
    .describe('Plan only, answered at once: what would change and the API calls it would cost. Otherwise the restore is queued'),
});
export const RestoreOutcome = z.object({
  runId: z.string().nullable(),
  status: z.enum(['planned', 'queued', 'running', 'succeeded', 'failed']).describe('planned: a dry run'),
  dryRun: z.boolean(),
  at: DateTime,
  mode: z.enum(['changed', 'deleted', 'overwrite']),
  depth: z.number().int().nullable(),
  targetOrgId: Id,
  objects: z.array(
    z.object({
      object: z.string(),
      backedUp: z.number().int(),
      erased: z
        .number()
        .int()
        .describe('Records left out: a GDPR erasure removed them (the erasure ledger), so they never come back from an older backup'),
      undelete: z.number().int().describe('Brought back from the Recycle Bin with their own ids'),
      create: z.number().int().describe('Re-created under new ids'),
      update: z.number().int(),
      relink: z.number().int(),
      fieldsChanged: z.record(z.string(), z.number().int()),
      conflicts: z.record(z.string(), z.number().int()).describe('Per field: changed after the backup and left as it is (keepNewer)'),
      apiCalls: z.number().int(),
    }),
  ),
  survivors: z
    .array(z.object({ object: z.string(), field: z.string(), records: z.number().int(), apiCalls: z.number().int() }))
    .describe('Lookups the delete cleared on records that survived it, pointed at the restored records again'),
  written: z
    .array(
      z.object({
        object: z.string(),
        undeleted: z.number().int(),
        created: z.number().int(),
        updated: z.number().int(),
        relinked: z.number().int(),
        failed: z.number().int(),
      }),
    )
    .describe('A finished run: what it wrote per object'),
  apiCalls: z
    .number()
    .int()
    .describe("Every call to the org: a run's reads, describes, writes and polls; for a dry run, the estimate of what the run will spend"),
  planningCalls: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  progress: z.object({ total: z.number().int(), done: z.number().int() }).describe('Records written (or failed) of those planned'),
  error: z.string().nullable(),
  queuedAt: DateTime.nullable().describe('When the run was queued; null for a dry run'),
  finishedAt: DateTime.nullable().describe('When the run finished; null for a dry run and while it runs'),
});
export const RestoreRunParams = z.strictObject({ orgId: z.string(), runId: z.string() });
export const RestoreList = z.object({ runs: z.array(RestoreOutcome) });
export const RestoreListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const CompareRequest = z.strictObject({
  from: PointInTime,
  to: z.union([PointInTime, z.strictObject({ live: z.literal(true), targetOrgId: Id.optional() })]),
  objects: uniqueNames(SfName, 200).min(1),
  recordIds: z.array(SfId).max(1000).optional(),
  detailLimit: z.number().int().min(0).max(1000).default(50),
});
const FieldDiff = z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() });
export const CompareResult = z.object({
  objects: z.array(
    z.object({
      object: z.string(),
      added: z.array(z.string()),
      deleted: z.array(z.string()),
      changed: z.array(z.string()),
      fieldCounts: z.record(z.string(), z.number().int()),
      details: z.array(z.object({ id: z.string(), fields: z.array(FieldDiff) })),
    }),
  ),
});
/** Record ids in a path: any id's shape (another org's or a wrong object's is answered by the service, not the shape check). */
export const RecordHistoryParams = z.strictObject({
  orgId: z.string(),
  recordId: z.string().regex(/^[A-Za-z0-9]{1,18}$/, 'a Salesforce record id'),
});
export const RecordHistoryQuery = z.strictObject({
  object: SfName.optional().describe("The record's object (default: found from the backups)"),
});
const VERSION_KINDS = ['live', 'deleted', 'tombstone'] as const;
export const RecordHistory = z.object({
  object: z.string(),
  recordId: z.string(),
  versions: z.array(
    z.object({
      at: DateTime.describe('When this state began in the org (SystemModstamp, or the deletion time)'),
      kind: z.enum(VERSION_KINDS).describe('live; deleted (in the Recycle Bin, with its fields); tombstone (deleted, no fields stored)'),
      source: z.object({
        kind: z.enum(['backup', 'recovery-point', 'change-event', 'other']),
        jobId: z.string().nullable(),
        via: z.string().describe('How it was read: bulk, rest, cdc, reconcile'),
      }),
      fields: z.record(z.string(), z.string().nullable()).nullable(),
      changes: z.array(FieldDiff).describe('Fields that differ from the version before (platform-set fields left out)'),
    }),
  ),
});
export const DeletedRecordsQuery = z.strictObject({
  since: DateTime.optional().describe('Deleted at or after this time (default: 15 days ago, the Recycle Bin)'),
  until: DateTime.optional().describe('Deleted at or before this time (default: now)'),
  objects: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}(,[A-Za-z][A-Za-z0-9_]{0,79}){0,199}$/, 'comma-separated object names')
    .optional()
    .describe('Only these objects (default: every backed-up object)'),
  limit: z.coerce.number().int().min(1).max(5000).default(500).describe('At most this many records per object'),
});
export const DeletedRecords = z.object({
  since: DateTime,
  until: DateTime,
  objects: z.array(
    z.object({
      object: z.string(),
      truncated: z.boolean().describe('More records were deleted than the limit'),
      records: z.array(
        z.object({
          id: z.string(),
          label: z.string().nullable().describe('Name, Subject, CaseNumber or Title as last backed up'),
          deletedAt: DateTime,
          parent: z
            .object({ object: z.string(), id: z.string(), field: z.string() })
            .nullable()
            .describe('A record deleted with it that it pointed at: the parent a cascade took it with'),
        }),
      ),
    }),
  ),
});
export type RestoreRequestIn = z.output<typeof RestoreRequest>;
export type RestoreOutcomeOut = z.output<typeof RestoreOutcome>;
export type CompareRequestIn = z.output<typeof CompareRequest>;
export type CompareResultOut = z.output<typeof CompareResult>;
export type RecordHistoryOut = z.output<typeof RecordHistory>;
export type DeletedRecordsQueryIn = z.output<typeof DeletedRecordsQuery>;
export type DeletedRecordsOut = z.output<typeof DeletedRecords>;
