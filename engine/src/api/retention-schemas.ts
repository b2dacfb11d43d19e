import { z } from 'zod';
import { DateTime } from './schemas.js';

/** The wire shapes of legal holds (retention/). */

export const HoldParams = z.strictObject({ orgId: z.string(), holdId: z.string() });

export const HoldListQuery = z.strictObject({
  includeReleased: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('true: released holds too'),
});

const RecordId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'a Salesforce record id (15 or 18 letters and digits)');

export const NewHold = z.strictObject({
  name: z.string().min(1).max(200).describe('The matter the hold is for: a case number or request, never personal data'),
  recordIds: z
    .array(RecordId)
    .max(10_000)
    .optional()
    .describe('Hold these records only (15 or 18 characters); omitted or empty, the whole org is held'),
});

export const LegalHoldOut = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  name: z.string(),
  scope: z.enum(['org', 'records']),
  recordIds: z.array(z.string()).describe('18-character ids; empty for an org-wide hold'),
  createdBy: z.string().nullable(),
  createdAt: DateTime,
  releasedBy: z.string().nullable(),
  releasedAt: DateTime.nullable(),
});

export const LegalHoldList = z.object({ holds: z.array(LegalHoldOut) });

/** The wire shapes of GDPR erasure requests, retention policies and prune runs (retention/). */

export const ErasureParams = z.strictObject({ orgId: z.string(), erasureId: z.string() });

const ObjectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'an object API name');

export const NewErasureIn = z.strictObject({
  reference: z.string().min(1).max(200).describe("The request's own reference (a ticket or case number), never personal data"),
  objects: z.array(ObjectName).max(50).optional().describe('Objects whose stored versions are searched for the values'),
  recordIds: z.array(RecordId).max(10_000).optional().describe('Records to erase by id (15 or 18 characters), found in any object'),
  values: z
    .array(z.string().min(1).max(320))
    .max(100)
    .optional()
    .describe(
      'Values to match whole field values against (emails case-insensitively, phone numbers by their digits); kept only as keyed hashes',
    ),
});

const ErasureDryRunOut = z.object({
  at: DateTime,
  recordIds: z.array(z.string()).describe('The records found (18-character ids): no value of theirs is ever answered'),
  objects: z.array(
    z.object({
      object: z.string(),
      records: z.number().int(),
      versions: z.number().int(),
      files: z.number().int().describe('Files only these records refer to'),
    }),
  ),
  versions: z.number().int(),
  files: z.number().int(),
});

export const ErasureOut = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  reference: z.string(),
  objects: z.array(z.string()),
  recordIdsNamed: z.number().int(),
  valuesNamed: z.number().int(),
  status: z
    .enum(['pending', 'running', 'done'])
    .describe('pending: awaiting a second administrator; running: approved (cut short: approve again)'),
  phase: z.enum(['versions', 'files']).nullable(),
  dryRun: ErasureDryRunOut.nullable(),
  requestedBy: z.string(),
  requestedAt: DateTime,
  approvedBy: z.string().nullable(),
  approvedAt: DateTime.nullable(),
  finishedAt: DateTime.nullable(),
  versionsRemoved: z.number().int(),
  packsRewritten: z.number().int(),
  packsDeleted: z.number().int(),
  fileRefsRemoved: z.number().int(),
  filesDeleted: z.number().int(),
  fileBytes: z.number().int(),
});

export const ErasureList = z.object({ erasures: z.array(ErasureOut) });

const Policy = z.strictObject({
  keepAllDays: z.number().int().min(0).max(36500).describe('Every version of the last N days'),
  dailyWeeks: z.number().int().min(0).max(5200).describe('Then one version per day for N weeks'),
  weeklyMonths: z.number().int().min(0).max(1200).describe('Then one per week for N months'),
  monthlyYears: z.number().int().min(0).max(100).describe('Then one per month for N years'),
});

export const PolicyIn = z.strictObject({
  policy: Policy.nullable().describe("null: none of the org's own (the tenant's default applies, else everything is kept)"),
});

export const PolicyOut = z.object({
  policy: Policy.nullable(),
  source: z.enum(['org', 'tenant', 'default']).describe("The org's own policy, the tenant's default, or none (keep everything)"),
  updatedBy: z.string().nullable(),
  updatedAt: DateTime.nullable(),
});

export const PruneRunOut = z.object({
  id: z.uuid(),
  cutoff: DateTime,
  policy: Policy,
  phase: z.enum(['versions', 'files', 'done']),
  startedBy: z.string().nullable(),
  startedAt: DateTime,
  finishedAt: DateTime.nullable(),
  versionsRemoved: z.number().int(),
  packsRewritten: z.number().int(),
  packsDeleted: z.number().int(),
  bytesBefore: z.number().int(),
  bytesAfter: z.number().int(),
  fileRefsRemoved: z.number().int(),
  filesDeleted: z.number().int(),
  fileBytes: z.number().int(),
});

export const PruneRunList = z.object({ runs: z.array(PruneRunOut) });
