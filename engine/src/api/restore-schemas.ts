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
export type RestoreRequestIn = z.output<typeof RestoreRequest>;
export type RestoreOutcomeOut = z.output<typeof RestoreOutcome>;
export type CompareRequestIn = z.output<typeof CompareRequest>;
export type CompareResultOut = z.output<typeof CompareResult>;
