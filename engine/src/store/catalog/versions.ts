import type { PoolClient } from '../../infra/db.js';
import { copyLines, copyText } from './copy.js';

/** The catalog's SQL for record versions and packs; callers own transactions. */

export interface ExistingVersion {
  record_id: string;
  hash: string;
  /** Only when asked for (parsing a timestamp per row is not free). */
  valid_from?: Date;
  deleted?: boolean;
}

/**
 * Every stored version of these records, in one round trip per batch: the ids go in by COPY to a
 * temporary table (a 200,000-element array parameter costs more to build and parse than the
 * lookup itself) and are joined with the record index. An object with no versions yet (a first
 * full backup) costs one probe.
 */
export async function existingVersions(
  client: PoolClient,
  orgId: string,
  object: string,
  ids: Iterable<string>,
  withState: boolean,
): Promise<ExistingVersion[]> {
  const { rowCount } = await client.query('SELECT 1 FROM record_versions WHERE org_id = $1 AND object = $2 LIMIT 1', [orgId, object]);
  if (rowCount === 0) return [];
  await client.query('CREATE TEMP TABLE IF NOT EXISTS store_batch_ids (record_id text COLLATE "C") ON COMMIT DELETE ROWS');
  await copyLines(
    client,
    'store_batch_ids',
    ['record_id'],
    (function* () {
      for (const id of ids) yield `${copyText(id)}\n`;
    })(),
  );
  await client.query('ANALYZE store_batch_ids');
  const { rows } = await client.query<ExistingVersion>(
    `SELECT v.record_id, encode(v.hash, 'hex') AS hash${withState ? ', v.valid_from, v.deleted' : ''}
       FROM store_batch_ids b JOIN record_versions v ON v.org_id = $1 AND v.object = $2 AND v.record_id = b.record_id`,
    [orgId, object],
  );
  return rows;
}

/** Serialises writers of one org's object, so a version cannot slip in twice between lookup and write. */
export async function lockObject(client: PoolClient, orgId: string, object: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [orgId, object]);
}

/** Pack ids are known before sealing, so each pack's ciphertext can be bound to its id. */
export async function reservePackIds(client: PoolClient, n: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT nextval(pg_get_serial_sequence('packs', 'id'))::text AS id FROM generate_series(1, $1)`,
    [n],
  );
  return rows.map((r) => r.id);
}

export interface PackRow {
  orgId: string;
  id: string;
  object: string;
  format: string;
  codec: string;
  rowCount: number;
  plainSize: number;
  plainHash: Buffer | null;
  cipherHash: Buffer | null;
  data: Buffer | null;
  source: string;
  jobId: string | null;
}

export async function insertPack(client: PoolClient, p: PackRow): Promise<void> {
  await client.query(
    `INSERT INTO packs (org_id, id, object, format, codec, row_count, plain_size, plain_hash, cipher_hash, data, source, job_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [p.orgId, p.id, p.object, p.format, p.codec, p.rowCount, p.plainSize, p.plainHash, p.cipherHash, p.data, p.source, p.jobId],
  );
}

export interface VersionLine {
  id: string;
  validFrom: string;
  deleted: boolean;
  /** Keyed hash, hex. */
  hash: string;
  packId: string;
  rowNo: number;
}

const VERSION_COLUMNS = ['org_id', 'object', 'record_id', 'valid_from', 'deleted', 'hash', 'pack_id', 'row_no'];

export async function copyVersions(client: PoolClient, orgId: string, object: string, versions: Iterable<VersionLine>): Promise<void> {
  const prefix = `${orgId}\t${copyText(object)}\t`;
  function* lines(): Generator<string> {
    for (const v of versions) {
      yield `${prefix}${copyText(v.id)}\t${copyText(v.validFrom)}\t${v.deleted ? 't' : 'f'}\t\\\\x${v.hash}\t${v.packId}\t${v.rowNo}\n`;
    }
  }
  await copyLines(client, 'record_versions', VERSION_COLUMNS, lines());
}

/** The latest version per record at or before $3, as a subquery over (org $1, object $2). */
const latestAt = (filter = '') => `SELECT DISTINCT ON (record_id) record_id, valid_from, deleted, pack_id, row_no
  FROM record_versions WHERE org_id = $1 AND object = $2 AND valid_from <= $3${filter}
  ORDER BY record_id, valid_from DESC, pack_id DESC, row_no DESC`;

/**
 * Records live at a time, in storage order so that each pack is opened once. The time comes as
 * epoch milliseconds: parsing a timestamp per row in the driver costs more than the query.
 */
const LIVE_AT = (
  filter?: string,
) => `SELECT record_id, (extract(epoch FROM valid_from) * 1000)::float8 AS valid_ms, pack_id::text AS pack, row_no
  FROM (${latestAt(filter)}) latest WHERE NOT deleted ORDER BY latest.pack_id, latest.row_no`;

export const AS_OF_SQL = LIVE_AT();

/** The same for the ids in $4 only. */
export const RECORDS_AT_SQL = LIVE_AT(' AND record_id = ANY($4::text[])');

export interface LiveRow {
  record_id: string;
  valid_ms: number;
  pack: string;
  row_no: number;
}

export const IDS_AT_SQL = `SELECT record_id FROM (${latestAt()}) latest WHERE NOT deleted ORDER BY record_id`;

export const VERSIONS_OF_SQL = `SELECT v.valid_from, v.deleted, v.pack_id::text AS pack_id, v.row_no, p.format, p.source, p.job_id
  FROM record_versions v JOIN packs p ON p.org_id = v.org_id AND p.id = v.pack_id
  WHERE v.org_id = $1 AND v.object = $2 AND v.record_id = $3
  ORDER BY v.valid_from, v.pack_id, v.row_no`;
