import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, AUDIT_SOURCES } from '../audit/index.js';
import { DateTime, Id } from './schemas.js';

const filters = {
  actor: z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/, 'an actor: a user name, key:<id> or schedule')
    .optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  since: DateTime.optional().describe('Entries at or after this time'),
  until: DateTime.optional().describe('Entries before this time'),
  orgId: Id.optional().describe("Only this org's entries (an org key sees only its own org's)"),
};

export const AuditQuery = z.strictObject({
  ...filters,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, 'a sequence number')
    .transform(Number)
    .optional()
    .describe('Entries before this sequence number (the previous page’s nextBefore)'),
});

export const AuditExportQuery = z.strictObject({ ...filters, format: z.enum(['jsonl', 'csv']).default('jsonl') });

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: DateTime,
  tenantId: Id,
  orgId: Id.nullable(),
  actor: z.string(),
  keyId: Id.nullable(),
  source: z.enum(AUDIT_SOURCES),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  code: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable() });
