import type { ContainerClient } from '@azure/storage-blob';
import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { loadPack } from '../packs/reader.js';
import { storeError } from '../db-errors.js';
import { type BlobStore, blobName, blobPrefix } from '../blobs/blob-store.js';

export type ProblemKind =
  | 'pack-missing'
  | 'row-missing'
  | 'pack-data-missing'
  | 'pack-hash-mismatch'
  | 'pack-unreadable'
  | 'blob-row-missing'
  | 'blob-missing'
  | 'blob-size-mismatch'
  | 'blob-unreadable';

export interface CheckProblem {
  kind: ProblemKind;
  orgId: string;
  packId?: string;
  contentHash?: string;
  /** Versions or references affected, where counted. */
  count?: number;
  message: string;
}

export interface CheckOptions {
  /** One org, or every org that has stored data. */
  orgId?: string;
  /** Share of packs and blobs to decrypt and re-hash, 0–100 (restic's --read-data-subset). */
  readDataPercent?: number;
}

export interface CheckReport {
  ok: boolean;
  orgs: number;
  packs: number;
  versions: number;
  blobs: number;
  blobRefs: number;
  readData: { percent: number; packsRead: number; blobsRead: number };
  problems: CheckProblem[];
}

/**
 * restic's `check` for our repository. The structural part asks the catalog whether every version
 * points to an existing pack and row, every file reference to a recorded blob that exists in blob
 * storage with its recorded size, and every pack's stored bytes to the hash recorded for them. The
 * read-data part decrypts and re-hashes a share of packs and blobs. It only reads.
 */
export async function checkStore(
  pool: Pool,
  container: ContainerClient,
  keyring: Keyring,
  blobs: BlobStore,
  options: CheckOptions = {},
): Promise<CheckReport> {
  const percent = Math.min(100, Math.max(0, options.readDataPercent ?? 0));
  if (!Number.isFinite(percent)) throw new OrgVaultError('VALIDATION_FAILED', 'readDataPercent must be a number from 0 to 100');
  const problems: CheckProblem[] = [];
  const q = async <T extends object>(sql: string, params: unknown[] = []): Promise<T[]> => {
    try {
      return (await pool.query<T>(sql, params)).rows;
    } catch (err) {
      throw storeError(err, 'Checking the catalog');
    }
  };
  const orgIds = options.orgId
    ? [options.orgId]
    : (await q<{ org_id: string }>('SELECT org_id FROM packs UNION SELECT org_id FROM blobs ORDER BY 1')).map((r) => r.org_id);
  const report: CheckReport = {
    ok: true,
    orgs: orgIds.length,
    packs: 0,
    versions: 0,
    blobs: 0,
    blobRefs: 0,
    readData: { percent, packsRead: 0, blobsRead: 0 },
    problems,
  };

  for (const orgId of orgIds) {
    const [counts] = await q<{ packs: number; versions: number; blobs: number; refs: number }>(
      `SELECT (SELECT count(*) FROM packs WHERE org_id = $1)::int AS packs,
              (SELECT count(*) FROM record_versions WHERE org_id = $1)::int AS versions,
              (SELECT count(*) FROM blobs WHERE org_id = $1)::int AS blobs,
              (SELECT count(*) FROM blob_refs WHERE org_id = $1)::int AS refs`,
      [orgId],
    );
    report.packs += counts!.packs;
    report.versions += counts!.versions;
    report.blobs += counts!.blobs;
    report.blobRefs += counts!.refs;

    for (const r of await q<{ pack_id: string; n: number }>(
      `SELECT v.pack_id::text, count(*)::int AS n FROM record_versions v
        LEFT JOIN packs p ON p.org_id = v.org_id AND p.id = v.pack_id
        WHERE v.org_id = $1 AND p.id IS NULL GROUP BY v.pack_id ORDER BY v.pack_id`,
      [orgId],
    )) {
      problems.push({
        kind: 'pack-missing',
        orgId,
        packId: r.pack_id,
        count: r.n,
        message: `${r.n} versions point to pack ${r.pack_id}, which does not exist`,
      });
    }
    for (const r of await q<{ pack_id: string; n: number }>(
      `SELECT v.pack_id::text, count(*)::int AS n FROM record_versions v
        JOIN packs p ON p.org_id = v.org_id AND p.id = v.pack_id
        WHERE v.org_id = $1 AND (v.row_no < 0 OR v.row_no >= p.row_count) GROUP BY v.pack_id ORDER BY v.pack_id`,
      [orgId],
    )) {
      problems.push({
        kind: 'row-missing',
        orgId,
        packId: r.pack_id,
        count: r.n,
        message: `${r.n} versions point past the rows of pack ${r.pack_id}`,
      });
    }
    for (const r of await q<{ id: string; has_data: boolean }>(
      `SELECT id::text, data IS NOT NULL AS has_data FROM packs
        WHERE org_id = $1 AND format <> 'tombstones' AND (data IS NULL OR cipher_hash IS NULL OR sha256(data) <> cipher_hash) ORDER BY id`,
      [orgId],
    )) {
      problems.push(
        r.has_data
          ? { kind: 'pack-hash-mismatch', orgId, packId: r.id, message: `Pack ${r.id}'s stored bytes do not match their recorded hash` }
          : { kind: 'pack-data-missing', orgId, packId: r.id, message: `Pack ${r.id} has no data` },
      );
    }
    for (const r of await q<{ content_hash: string; n: number }>(
      `SELECT encode(r.content_hash, 'hex') AS content_hash, count(*)::int AS n FROM blob_refs r
        LEFT JOIN blobs b ON b.org_id = r.org_id AND b.content_hash = r.content_hash
        WHERE r.org_id = $1 AND b.content_hash IS NULL GROUP BY r.content_hash ORDER BY 1`,
      [orgId],
    )) {
      problems.push({
        kind: 'blob-row-missing',
        orgId,
        contentHash: r.content_hash,
        count: r.n,
        message: `${r.n} file references point to unrecorded content ${r.content_hash}`,
      });
    }
    const present = new Map<string, number>();
    try {
      for await (const item of container.listBlobsFlat({ prefix: blobPrefix(orgId) }))
        present.set(item.name, item.properties.contentLength ?? -1);
    } catch (err) {
      throw new OrgVaultError('STORAGE_UNAVAILABLE', `Listing blob storage: ${(err as Error).message}`, { cause: err });
    }
    const blobRows = await q<{ content_hash: string; stored_size: string }>(
      `SELECT encode(content_hash, 'hex') AS content_hash, stored_size FROM blobs WHERE org_id = $1 ORDER BY content_hash`,
      [orgId],
    );
    for (const b of blobRows) {
      const size = present.get(blobName(orgId, b.content_hash));
      if (size === undefined)
        problems.push({
          kind: 'blob-missing',
          orgId,
          contentHash: b.content_hash,
          message: `File ${b.content_hash} is recorded but not in blob storage`,
        });
      else if (size !== Number(b.stored_size)) {
        problems.push({
          kind: 'blob-size-mismatch',
          orgId,
          contentHash: b.content_hash,
          message: `File ${b.content_hash} has ${size} bytes in storage, ${b.stored_size} recorded`,
        });
      }
    }

    if (percent > 0) {
      const damaged = new Set(problems.filter((p) => p.orgId === orgId && p.packId).map((p) => p.packId));
      const packs = await q<{ id: string }>(
        `SELECT id::text FROM packs WHERE org_id = $1 AND format <> 'tombstones' ORDER BY random() LIMIT ceil(
           (SELECT count(*) FROM packs WHERE org_id = $1 AND format <> 'tombstones') * $2::float8 / 100)`,
        [orgId, percent],
      );
      for (const p of packs) {
        report.readData.packsRead++;
        if (damaged.has(p.id)) continue;
        try {
          const rows = await loadPack(pool, keyring, orgId, p.id);
          for (let i = 0; i < rows.rowCount; i++) rows.fields(i);
        } catch (err) {
          problems.push({ kind: 'pack-unreadable', orgId, packId: p.id, message: `Pack ${p.id}: ${(err as Error).message}` });
        }
      }
      const sample = await q<{ content_hash: string }>(
        `SELECT encode(content_hash, 'hex') AS content_hash FROM blobs WHERE org_id = $1 ORDER BY random() LIMIT ceil(
           (SELECT count(*) FROM blobs WHERE org_id = $1) * $2::float8 / 100)`,
        [orgId, percent],
      );
      for (const b of sample) {
        report.readData.blobsRead++;
        if (!present.has(blobName(orgId, b.content_hash))) continue;
        try {
          await blobs.verify(orgId, b.content_hash);
        } catch (err) {
          problems.push({
            kind: 'blob-unreadable',
            orgId,
            contentHash: b.content_hash,
            message: `File ${b.content_hash}: ${(err as Error).message}`,
          });
        }
      }
    }
  }
  report.ok = problems.length === 0;
  return report;
}
