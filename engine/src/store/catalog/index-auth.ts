import type { Pool, PoolClient } from '../../infra/db.js';
import type { OrgKeys } from '../keys/keyring.js';
import { integrityError } from '../keys/aead.js';
import { storeError } from '../db-errors.js';
import { type IndexAuthRow, INDEX_SCOPE, INSERT_INDEX_MACS, indexAuthSql } from '../sql.js';

/** What a pack's index MAC binds it to: the pack's place, shape and content, and the index's digest. */
export interface IndexedPack {
  orgId: string;
  id: string;
  object: string;
  format: string;
  rowCount: number;
  plainHash: Buffer | null;
}

export function indexMac(keys: OrgKeys, p: IndexedPack, digest: Buffer): Buffer {
  const content = p.plainHash ? p.plainHash.toString('hex') : '-';
  return keys.indexMac(`pack-index v1|${p.orgId}|${p.id}|${p.object}|${p.format}|${p.rowCount}|${content}|${digest.toString('hex')}`);
}

export async function insertIndexMacs(client: PoolClient, orgId: string, packIds: string[], macs: Buffer[]): Promise<void> {
  if (packIds.length > 0) await client.query(INSERT_INDEX_MACS, [orgId, packIds, macs]);
}

/** Why a pack's row index cannot be trusted, or undefined when it can (or is from before MACs, and consistent). */
export function indexFault(keys: OrgKeys, orgId: string, r: IndexAuthRow): 'inconsistent' | 'mac-missing' | 'mac-mismatch' | undefined {
  if (!r.consistent) return 'inconsistent';
  if (!r.mac) return r.needs_mac ? 'mac-missing' : undefined;
  const p = { orgId, id: r.id, object: r.object, format: r.format, rowCount: r.row_count, plainHash: r.plain_hash };
  return r.digest && indexMac(keys, p, r.digest).equals(r.mac) ? undefined : 'mac-mismatch';
}

const WHY = {
  inconsistent: 'its entries or bounds do not agree with its row count',
  'mac-missing': 'its MAC is missing',
  'mac-mismatch': 'it does not match its MAC',
} as const;

/** Which packs of an object a read consults: all of them, or those whose id bounds can hold $3 (one id or an id array). */
export type IndexScope = { all: true } | { ids: string | readonly string[] };

/**
 * Refuses a read whose answer would rest on a row index that is not the one written with its
 * pack: INTEGRITY_ERROR naming the pack and object. As-of reads verify every pack of the object,
 * since a changed time, id or deleted flag in any of them can change which version wins.
 */
export async function verifyIndexes(db: Pool | PoolClient, keys: OrgKeys, object: string, scope: IndexScope): Promise<void> {
  const where = 'all' in scope ? INDEX_SCOPE.all : typeof scope.ids === 'string' ? INDEX_SCOPE.id : INDEX_SCOPE.ids;
  const params = 'all' in scope ? [keys.orgId, object] : [keys.orgId, object, scope.ids];
  let rows: IndexAuthRow[];
  try {
    ({ rows } = await db.query<IndexAuthRow>(indexAuthSql(where), params));
  } catch (err) {
    throw storeError(err, `Verifying the row index of ${object}`);
  }
  for (const r of rows) {
    const fault = indexFault(keys, keys.orgId, r);
    if (fault) throw integrityError(`The row index of pack ${r.id} (${object})`, WHY[fault]);
  }
}
