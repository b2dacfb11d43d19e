import type { ContainerClient } from '@azure/storage-blob';
import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { loadPack } from '../packs/reader.js';
import { DIGEST } from '../packs/batch.js';
import { storeError } from '../db-errors.js';
import { type BlobStore, blobName, blobPrefix } from '../blobs/blob-store.js';

export type ProblemKind =
  | 'row-index-mismatch'
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
 * restic's `check` for our repository. The structural part asks the catalog whether every pack's
 * row index has an entry per row and bounds that agree with it, every file reference to a recorded blob that exists in blob
 * storage with its recorded size, and every pack's stored bytes to the hash recorded for them. The
 * read-data part decrypts and re-hashes a share of packs and blobs, and re-derives each row's keyed
 * hash to prove the pack's row index describes its rows in order. It only reads.
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
              (SELECT coalesce(sum(row_count), 0) FROM packs WHERE org_id = $1)::int AS versions,
              (SELECT count(*) FROM blobs WHERE org_id = $1)::int AS blobs,
              (SELECT count(*) FROM blob_refs WHERE org_id = $1)::int AS refs`,
      [orgId],
    );
    report.packs += counts!.packs;
    report.versions += counts!.versions;
    report.blobs += counts!.blobs;
    report.blobRefs += counts!.refs;

    for (const r of await q<{ id: string }>(
      `SELECT id::text FROM packs p
        WHERE org_id = $1 AND (
          cardinality(row_record_ids) = row_count AND cardinality(row_valid_from) = row_count
          AND cardinality(row_deleted) = row_count AND cardinality(row_hash) = row_count
          AND array_position(row_record_ids, NULL) IS NULL AND array_position(row_valid_from, NULL) IS NULL
          AND array_position(row_deleted, NULL) IS NULL AND array_position(row_hash, NULL) IS NULL
          AND (format <> 'tombstones' OR array_position(row_deleted, false) IS NULL)
          AND (row_count = 0 OR (SELECT min(x) = p.min_record_id AND max(x) = p.max_record_id FROM unnest(row_record_ids) x)
                            AND (SELECT min(t) = p.min_valid_from AND max(t) = p.max_valid_from FROM unnest(row_valid_from) t))) IS NOT TRUE
        ORDER BY id`,
      [orgId],
    )) {
      problems.push({
        kind: 'row-index-mismatch',
        orgId,
        packId: r.id,
        message: `Pack ${r.id}'s row index does not describe its rows: lengths, missing entries or bounds disagree`,
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
      const keys = await keyring.forOrg(orgId);
      const damaged = new Set(problems.filter((p) => p.orgId === orgId && p.packId).map((p) => p.packId));
      const packs = await q<{ id: string; row_hash: string[] }>(
        `SELECT id::text, row_hash FROM packs WHERE org_id = $1 AND format <> 'tombstones' ORDER BY random() LIMIT ceil(
           (SELECT count(*) FROM packs WHERE org_id = $1 AND format <> 'tombstones') * $2::float8 / 100)`,
        [orgId, percent],
      );
      for (const p of packs) {
        report.readData.packsRead++;
        if (damaged.has(p.id)) continue;
        try {
          const rows = await loadPack(pool, keyring, orgId, p.id);
          for (let i = 0; i < rows.rowCount; i++) rows.fields(i);
          const keyed = keys.keyDigests(rows.digests());
          const wrong = p.row_hash.findIndex((h, i) => keyed.readBigInt64BE(i * DIGEST).toString() !== h);
          if (wrong >= 0) {
            problems.push({
              kind: 'row-index-mismatch',
              orgId,
              packId: p.id,
              message: `Pack ${p.id}'s row index does not match its row ${wrong}`,
            });
          }
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
