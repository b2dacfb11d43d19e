import type { ContainerClient } from '@azure/storage-blob';
import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import type { Keyring } from '../keys/keyring.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { CHECK_COUNTS, CHECK_ORGS } from '../sql.js';
import { type CheckOptions, type CheckReport, type OrgCheck, rows } from './problems.js';
import { checkPackData } from './structure.js';
import { checkRowIndexes } from './row-index.js';
import { readPacks } from './read-data.js';
import { checkBlobs } from './blobs.js';

export type { CheckProblem, CheckOptions, CheckReport, FindingCode, IndexEntry } from './problems.js';

export interface CheckDeps {
  pool: Pool;
  container: ContainerClient;
  keyring: Keyring;
  blobs: BlobStore;
}

/**
 * restic's `check` for our repository, one concern at a time per org: the packs' stored bytes
 * (structure), their row indexes (consistency and MACs), a share of the packs decrypted with
 * each row's index entries re-derived from the row (read-data), and the files (blobs). Findings
 * name the org, pack or file, object and record. It only reads.
 */
export async function checkStore(deps: CheckDeps, options: CheckOptions = {}): Promise<CheckReport> {
  const percent = Math.min(100, Math.max(0, options.readDataPercent ?? 0));
  if (!Number.isFinite(percent)) throw new OrgVaultError('VALIDATION_FAILED', 'readDataPercent must be a number from 0 to 100');
  const orgIds = options.orgId ? [options.orgId] : (await rows<{ org_id: string }>(deps.pool, CHECK_ORGS)).map((r) => r.org_id);
  const report: CheckReport = {
    ok: true,
    orgs: orgIds.length,
    packs: 0,
    versions: 0,
    legacyIndexPacks: 0,
    blobs: 0,
    blobRefs: 0,
    readData: { percent, packsRead: 0, blobsRead: 0 },
    problems: [],
  };
  for (const orgId of orgIds) await checkOrg(deps, { pool: deps.pool, orgId, problems: report.problems }, report);
  report.ok = report.problems.length === 0;
  return report;
}

async function checkOrg(deps: CheckDeps, c: OrgCheck, report: CheckReport): Promise<void> {
  const [counts] = await rows<{ packs: number; versions: number; blobs: number; refs: number }>(c.pool, CHECK_COUNTS, [c.orgId]);
  report.packs += counts!.packs;
  report.versions += counts!.versions;
  report.blobs += counts!.blobs;
  report.blobRefs += counts!.refs;
  const percent = report.readData.percent;
  if (counts!.packs > 0) {
    // Only orgs with packs have a key to ask for: the check must not create one.
    const keys = await deps.keyring.forOrg(c.orgId);
    await checkPackData(c);
    report.legacyIndexPacks += await checkRowIndexes(c, keys);
    if (percent > 0) {
      // A pack whose bytes or index shape are wrong is not read again; one whose MAC fails is, to name the rows that changed.
      const damaged = new Set(c.problems.filter((f) => f.packId && !f.code.startsWith('row-index-mac')).map((f) => f.packId!));
      report.readData.packsRead += await readPacks(c, deps.keyring, percent, damaged);
    }
  }
  report.readData.blobsRead += await checkBlobs(c, deps.container, deps.blobs, percent);
}
