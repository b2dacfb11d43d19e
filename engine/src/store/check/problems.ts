import type { Pool } from '../../infra/db.js';
import { storeError } from '../db-errors.js';

/** What a check found wrong, by kind. */
export type FindingCode =
  /** A pack's row index does not describe its rows: counts, bounds or entries disagree with the pack. */
  | 'row-index-mismatch'
  /** A pack's row index was changed since it was written: its MAC does not match. */
  | 'row-index-mac-mismatch'
  /** A pack written with a MAC has none. */
  | 'row-index-mac-missing'
  | 'pack-data-missing'
  | 'pack-hash-mismatch'
  | 'pack-unreadable'
  | 'blob-row-missing'
  | 'blob-missing'
  | 'blob-size-mismatch'
  | 'blob-unreadable';

/** Which entry of a row index disagrees with the row it describes. */
export type IndexEntry = 'recordId' | 'validFrom' | 'deleted' | 'hash';

export interface CheckProblem {
  code: FindingCode;
  orgId: string;
  packId?: string;
  contentHash?: string;
  /** The object of the records the damage belongs to. */
  object?: string;
  /** The record it belongs to (for a whole pack, its first record; for a file, the first record that holds it). */
  recordId?: string;
  /** A file's field on that record. */
  field?: string;
  /** The pack row (from 0) and the index entry that disagrees with it. */
  row?: number;
  entry?: IndexEntry;
  /** Records, versions or references affected, where counted. */
  count?: number;
  /** What is wrong, in words. */
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
  /** Packs from before index MACs (migration 0105): only reading their data verifies their index. */
  legacyIndexPacks: number;
  blobs: number;
  blobRefs: number;
  readData: { percent: number; packsRead: number; blobsRead: number };
  problems: CheckProblem[];
}

/** How a pack is named in a finding: its id, object and first record. */
export interface PackName {
  packId: string;
  object: string;
  recordId?: string;
}

export function packProblem(code: FindingCode, orgId: string, pack: PackName, message: string): CheckProblem {
  const { packId, object, recordId } = pack;
  return { code, orgId, packId, object, ...(recordId === undefined ? {} : { recordId }), message };
}

/** One org's check in progress: where to read, and where problems go. */
export interface OrgCheck {
  pool: Pool;
  orgId: string;
  problems: CheckProblem[];
}

/** A catalog query of the check; failures keep their meaning (disk full, connection lost). */
export async function rows<T extends object>(pool: Pool, sql: string, params: unknown[] = []): Promise<T[]> {
  try {
    return (await pool.query<T>(sql, params)).rows;
  } catch (err) {
    throw storeError(err, 'Checking the catalog');
  }
}
