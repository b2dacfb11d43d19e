import { z } from 'zod';
import type { ApiServices } from '../services.js';
import { OrgIdParams } from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrg } from './support.js';

const CheckQuery = z.strictObject({
  readData: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe('Percent of packs and files to decrypt and re-derive, 1-100; omitted, only the structure and row indexes are checked'),
});

const CheckProblem = z.object({
  code: z.string().describe('What is wrong, e.g. row-index-mac-mismatch, pack-hash-mismatch, blob-missing'),
  orgId: z.string(),
  packId: z.string().optional(),
  contentHash: z.string().optional(),
  object: z.string().optional(),
  recordId: z.string().optional().describe('The record the damage belongs to (for a whole pack, its first record)'),
  field: z.string().optional(),
  row: z.number().int().optional(),
  entry: z.enum(['recordId', 'validFrom', 'deleted', 'hash']).optional(),
  count: z.number().int().optional(),
  message: z.string(),
});

const CheckReport = z.object({
  ok: z.boolean(),
  orgs: z.number().int(),
  packs: z.number().int(),
  versions: z.number().int(),
  legacyIndexPacks: z.number().int(),
  blobs: z.number().int(),
  blobRefs: z.number().int(),
  readData: z.object({ percent: z.number(), packsRead: z.number().int(), blobsRead: z.number().int() }),
  problems: z.array(CheckProblem),
});

/** The store's check of one org's backups: the same report `orgvault check` prints. */
export function checkRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'checkOrgStore',
      method: 'get',
      path: '/orgs/:orgId/check',
      tag: 'orgs',
      summary: "Verify the org's stored backups (only reads): structure, row indexes and, with readData, a share of the data",
      action: 'store.check',
      params: OrgIdParams,
      query: CheckQuery,
      status: 200,
      response: CheckReport,
      errors: [...ORG_ERRORS, 'DATABASE_UNAVAILABLE', 'STORAGE_UNAVAILABLE', 'KEY_ERROR'],
      handler: async ({ caller, params, query }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        return s.store.check({ orgId: org.id, readDataPercent: query.readData ?? 0 });
      },
    }),
  ];
}
