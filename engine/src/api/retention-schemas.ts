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
