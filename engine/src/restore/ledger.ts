import * as sql from './sql.js';
import { withTransaction, type Pool } from '../infra/db.js';
import { stringify } from 'csv-stringify/sync';
import type { SecretBox } from '../store/store.js';

export type LedgerTarget = { targetOrgId: string; sourceOrgId: string; runId: string };

/** The box that seals an org's backed-up values (the store's, under the org's data key). */
export type SealerOf = (orgId: string) => Promise<SecretBox>;

/** Creates sent to an org whose outcome is not in the id map yet (see restore_inflight). */
export interface InflightCreate {
  id: string;
  runId: string;
  object: string;
  sfJobId: string | null;
  sentAt: Date;
  oldIds: string[];
  csv: string;
}

export interface ResultRow {
  object: string;
  operation: 'undelete' | 'create' | 'update' | 'relink';
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
  constructor(
    private readonly pool: Pool,
    /** In-flight rows are the source org's backed-up values: sealed with its key, as packs are. */
    private readonly sealerOf: SealerOf,
  ) {}

  /** old id → new id of every record restored into `targetOrgId` from `sourceOrgId`. */
  async idMap(targetOrgId: string, sourceOrgId: string): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ old_id: string; new_id: string }>(sql.ID_MAP, [targetOrgId, sourceOrgId]);
    return new Map(rows.map((r) => [r.old_id, r.new_id]));
  }

  /** The ids restores created (of any source org) among an object's records in `targetOrgId`. */
  async mappedIds(targetOrgId: string, object: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ new_id: string }>(sql.MAPPED_IDS, [targetOrgId, object]);
    return new Set(rows.map((r) => r.new_id));
  }

  /** Notes creates about to be sent (or a Bulk job about to get them), before anything is sent. */
  async sending(target: LedgerTarget, c: { object: string; sfJobId?: string; oldIds: readonly string[]; csv: string }): Promise<string> {
    const sealed = await (await this.sealerOf(target.sourceOrgId)).seal(c.csv);
    const { rows } = await this.pool.query<{ id: string }>(sql.INSERT_INFLIGHT, [
      target.targetOrgId,
      target.sourceOrgId,
      target.runId,
      c.object,
      c.sfJobId ?? null,
      c.oldIds,
      sealed,
    ]);
    return rows[0]!.id;
  }

  /**
   * Creates left in flight by runs that stopped (crashed) before recording their outcome. With
   * `settling`, only those a run may settle now: its own, and those of runs no process is running
   * (not running, or whose heartbeat is older than `staleMs`) — a live run's call in flight is
   * its own to record.
   */
  async inflight(targetOrgId: string, sourceOrgId: string, settling?: { runId: string; staleMs: number }): Promise<InflightCreate[]> {
    const { rows } = await this.pool.query<{
      id: string;
      run_id: string;
      object: string;
      sf_job_id: string | null;
      sent_at: Date;
      old_ids: string[];
      csv: string | null;
      csv_sealed: string | null;
    }>(sql.INFLIGHT, [targetOrgId, sourceOrgId, settling?.runId ?? null, settling?.staleMs ?? 0]);
    const sealer = rows.some((r) => r.csv_sealed !== null) ? await this.sealerOf(sourceOrgId) : undefined;
    const out: InflightCreate[] = [];
    for (const r of rows) {
      // A note from before migration 0702 is plain.
      const csv = r.csv_sealed !== null ? await sealer!.open(r.csv_sealed) : r.csv!;
      out.push({ id: r.id, runId: r.run_id, object: r.object, sfJobId: r.sf_job_id, sentAt: r.sent_at, oldIds: r.old_ids, csv });
    }
    return out;
  }

  /**
   * Records the outcome of one call: the created ids go into the map, and the in-flight note of
   * the call (`settles`) is removed, in the same transaction.
   */
  async record(target: LedgerTarget, rows: readonly ResultRow[], settles?: string): Promise<void> {
    if (!rows.length && !settles) return;
    await withTransaction(this.pool, async (client) => {
      if (settles) await client.query(sql.DELETE_INFLIGHT, [target.targetOrgId, settles]);
      const created = rows.filter((r) => r.operation === 'create' && r.success && r.newId);
      if (created.length) {
        await client.query(sql.MAP_CREATED, [
          target.targetOrgId,
          target.sourceOrgId,
          target.runId,
          created.map((r) => r.object),
          created.map((r) => r.oldId),
          created.map((r) => r.newId),
        ]);
      }
      await client.query(sql.INSERT_RESULTS, [
        target.targetOrgId,
        target.runId,
        rows.map((r) => r.object),
        rows.map((r) => r.operation),
        rows.map((r) => r.oldId),
        rows.map((r) => r.newId),
        rows.map((r) => r.success),
        rows.map((r) => r.error),
      ]);
    });
  }

  /** Extra old→new pairs learnt after a create (e.g. the ContentDocument a new ContentVersion made). */
  async mapIds(target: LedgerTarget, object: string, pairs: readonly [string, string][]): Promise<void> {
    if (!pairs.length) return;
    await this.pool.query(sql.MAP_IDS, [
      target.targetOrgId,
      target.sourceOrgId,
      object,
      target.runId,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    ]);
  }

  async results(targetOrgId: string, runId: string): Promise<ResultRow[]> {
    const { rows } = await this.pool.query<{
      object: string;
      operation: ResultRow['operation'];
      old_id: string;
      new_id: string | null;
      success: boolean;
      error: string | null;
    }>(sql.RESULTS, [targetOrgId, runId]);
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
