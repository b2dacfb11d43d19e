import type { Pool } from 'pg';
import { stringify } from 'csv-stringify/sync';
import { OrgVaultError } from '../errors.js';

export interface ResultRow {
  object: string;
  operation: 'create' | 'update' | 'relink';
  oldId: string;
  newId: string | null;
  success: boolean;
  error: string | null;
}

/**
 * The durable part of a restore: the old→new id map per target org (so a second restore, or one
 * resumed after a crash, finds what it already created) and the per-record results.
 */
export class RestoreLedger {
  constructor(private readonly pool: Pool) {}

  /** old id → new id of every record restored into `targetOrgId` from `sourceOrgId`. */
  async idMap(targetOrgId: string, sourceOrgId: string): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ old_id: string; new_id: string }>(
      'SELECT old_id, new_id FROM restore_id_map WHERE org_id = $1 AND source_org_id = $2',
      [targetOrgId, sourceOrgId],
    );
    return new Map(rows.map((r) => [r.old_id, r.new_id]));
  }

  /** Records the outcome of one call: the created ids go into the map in the same transaction. */
  async record(target: { targetOrgId: string; sourceOrgId: string; runId: string }, rows: readonly ResultRow[]): Promise<void> {
    if (!rows.length) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const created = rows.filter((r) => r.operation === 'create' && r.success && r.newId);
      if (created.length) {
        await client.query(
          `INSERT INTO restore_id_map (org_id, source_org_id, object, old_id, new_id, run_id)
           SELECT $1, $2, o, a, b, $3 FROM unnest($4::text[], $5::text[], $6::text[]) AS t(o, a, b)
           ON CONFLICT (org_id, source_org_id, old_id) DO UPDATE SET new_id = EXCLUDED.new_id, run_id = EXCLUDED.run_id`,
          [
            target.targetOrgId,
            target.sourceOrgId,
            target.runId,
            created.map((r) => r.object),
            created.map((r) => r.oldId),
            created.map((r) => r.newId),
          ],
        );
      }
      await client.query(
        `INSERT INTO restore_results (org_id, run_id, object, operation, old_id, new_id, success, error)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[])`,
        [
          target.targetOrgId,
          target.runId,
          rows.map((r) => r.object),
          rows.map((r) => r.operation),
          rows.map((r) => r.oldId),
          rows.map((r) => r.newId),
          rows.map((r) => r.success),
          rows.map((r) => r.error),
        ],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Extra old→new pairs learnt after a create (e.g. the ContentDocument a new ContentVersion made). */
  async mapIds(
    target: { targetOrgId: string; sourceOrgId: string; runId: string },
    object: string,
    pairs: readonly [string, string][],
  ): Promise<void> {
    if (!pairs.length) return;
    await this.pool.query(
      `INSERT INTO restore_id_map (org_id, source_org_id, object, old_id, new_id, run_id)
       SELECT $1, $2, $3, a, b, $4 FROM unnest($5::text[], $6::text[]) AS t(a, b)
       ON CONFLICT (org_id, source_org_id, old_id) DO UPDATE SET new_id = EXCLUDED.new_id`,
      [target.targetOrgId, target.sourceOrgId, object, target.runId, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
  }

  /** The org a run of `orgId`'s backup wrote to; NOT_FOUND for a run of another org. */
  async runTarget(orgId: string, runId: string): Promise<string> {
    const { rows } = await this.pool.query<{ target_org_id: string }>(
      'SELECT target_org_id FROM restore_runs WHERE org_id = $1 AND id::text = $2',
      [orgId, runId],
    );
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such restore run');
    return rows[0].target_org_id;
  }

  async results(targetOrgId: string, runId: string): Promise<ResultRow[]> {
    const { rows } = await this.pool.query<{
      object: string;
      operation: ResultRow['operation'];
      old_id: string;
      new_id: string | null;
      success: boolean;
      error: string | null;
    }>('SELECT object, operation, old_id, new_id, success, error FROM restore_results WHERE org_id = $1 AND run_id = $2 ORDER BY seq', [
      targetOrgId,
      runId,
    ]);
    return rows.map((r) => ({
      object: r.object,
      operation: r.operation,
      oldId: r.old_id,
      newId: r.new_id,
      success: r.success,
      error: r.error,
    }));
  }

  /** The results of a run as CSV, failed rows with Salesforce's error. */
  async resultsCsv(targetOrgId: string, runId: string): Promise<string> {
    const rows = await this.results(targetOrgId, runId);
    return stringify([
      ['object', 'operation', 'old_id', 'new_id', 'success', 'error'],
      ...rows.map((r) => [r.object, r.operation, r.oldId, r.newId ?? '', String(r.success), r.error ?? '']),
    ]);
  }
}
