/**
 * A prune of one org to its policy, the way restic prunes: per object, the versions the policy
 * lets go are found (tiers.ts) and each pack holding some is rewritten without them (store/);
 * then the file references the same way; then files nothing refers to any more are deleted once
 * they have been unreferenced for the safety delay. The run row keeps the cutoff time and the
 * policy, so a run killed at any point is finished by the next with the same result.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from '../infra/db.js';
import type { FileRefEntry, Store, VersionEntry } from '../store/store.js';
import * as sql from './sql.js';
import { expiredOf, keepPlan } from './tiers.js';
import type { PruneRun, RetentionPolicy } from './types.js';

type Plan = ReturnType<typeof keepPlan>;

/** Progress a caller may watch (and a test may stop the process at): the phase and how far it is. */
export type PruneStep = (step: { phase: 'versions' | 'files'; object?: string; packs?: number; done?: number }) => void | Promise<void>;

export interface RunRow {
  id: string;
  cutoff: Date;
  policy: RetentionPolicy;
  phase: PruneRun['phase'];
  started_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  versions_removed: number;
  packs_rewritten: number;
  packs_deleted: number;
  bytes_before: number;
  bytes_after: number;
  refs_removed: number;
  files_deleted: number;
  file_bytes: number;
}

export const toRun = (r: RunRow): PruneRun => ({
  id: r.id,
  cutoff: r.cutoff,
  policy: r.policy,
  phase: r.phase,
  startedBy: r.started_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  versionsRemoved: r.versions_removed,
  packsRewritten: r.packs_rewritten,
  packsDeleted: r.packs_deleted,
  bytesBefore: r.bytes_before,
  bytesAfter: r.bytes_after,
  fileRefsRemoved: r.refs_removed,
  filesDeleted: r.files_deleted,
  fileBytes: r.file_bytes,
});

/** Calls `each` with every run of consecutive entries that share a key, across batch boundaries. */
async function forEachSeries<T>(batches: AsyncIterable<T[]>, key: (t: T) => string, each: (series: T[]) => void): Promise<void> {
  let current: T[] = [];
  let currentKey = '';
  for await (const batch of batches) {
    for (const t of batch) {
      const k = key(t);
      if (current.length > 0 && k !== currentKey) {
        each(current);
        current = [];
      }
      currentKey = k;
      current.push(t);
    }
  }
  if (current.length > 0) each(current);
}

/** The rows to drop per pack of one object: the expired versions of records no hold keeps. */
export async function expiredRows(
  store: PruneStore,
  orgId: string,
  object: string,
  plan: Plan,
  held: Set<string>,
): Promise<Map<string, number[]>> {
  const drop = new Map<string, number[]>();
  await forEachSeries<VersionEntry>(
    store.pruneVersions(orgId, object),
    (v) => v.recordId,
    (series) => {
      if (series.length < 2 || held.has(series[0]!.recordId)) return;
      const expired = expiredOf(
        series.map((v) => v.ms),
        plan,
      );
      series.forEach((v, i) => {
        if (!expired[i]) return;
        const rows = drop.get(v.packId);
        if (rows) rows.push(v.rowNo);
        else drop.set(v.packId, [v.rowNo]);
      });
    },
  );
  return drop;
}

/** What prune needs of the store: the versions and file references, and the means to remove them. */
export type PruneStore = Pick<Store, 'objects' | 'pruneVersions' | 'prunePack' | 'pruneFileRefs' | 'deleteFileRefs' | 'collectFiles'>;

export interface PruneContext {
  store: PruneStore;
  db: Pool;
  orgId: string;
  run: PruneRun;
  held: Set<string>;
  fileDelaySeconds: number;
  onStep?: PruneStep | undefined;
}

/** Phase one: every object's packs without their expired versions, packs in id order. */
async function pruneVersions(c: PruneContext, plan: Plan): Promise<void> {
  for (const object of await c.store.objects(c.orgId)) {
    const drop = await expiredRows(c.store, c.orgId, object, plan, c.held);
    const packs = [...drop.keys()].sort((a, b) => Number(a) - Number(b));
    for (const [done, packId] of packs.entries()) {
      await c.onStep?.({ phase: 'versions', object, packs: packs.length, done });
      const r = await c.store.prunePack({ orgId: c.orgId, object, packId }, drop.get(packId)!);
      const counts = [r.removed, r.outcome === 'rewritten' ? 1 : 0, r.outcome === 'deleted' ? 1 : 0, r.bytesBefore, r.bytesAfter];
      await c.db.query(sql.ADD_PACK_COUNTS, [c.orgId, c.run.id, ...counts]);
    }
  }
}

/** Phase two: file references, per record field by the same rule; then files unreferenced past the delay. */
async function pruneFiles(c: PruneContext, plan: Plan): Promise<{ files: number; bytes: number }> {
  const expired: FileRefEntry[] = [];
  await forEachSeries<FileRefEntry>(
    c.store.pruneFileRefs(c.orgId),
    (r) => `${r.object}\0${r.recordId}\0${r.field}`,
    (series) => {
      if (series.length < 2 || c.held.has(series[0]!.recordId)) return;
      expiredOf(
        series.map((r) => r.ms),
        plan,
      ).forEach((gone, i) => gone && expired.push(series[i]!));
    },
  );
  for (let i = 0; i < expired.length; i += 5000) {
    await c.onStep?.({ phase: 'files', done: i });
    const batch = expired.slice(i, i + 5000);
    await c.store.deleteFileRefs(c.orgId, batch);
    await c.db.query(sql.ADD_REF_COUNTS, [c.orgId, c.run.id, batch.length]);
  }
  await c.onStep?.({ phase: 'files', done: expired.length });
  return c.store.collectFiles(c.orgId, c.fileDelaySeconds);
}

/** Runs (or finishes) a prune to its run's cutoff and policy; answers the finished run. */
export async function runPrune(c: PruneContext): Promise<PruneRun> {
  const plan = keepPlan(c.run.policy, c.run.cutoff);
  if (c.run.phase === 'versions') {
    await pruneVersions(c, plan);
    await c.db.query(sql.SET_PHASE, [c.orgId, c.run.id, 'files']);
  }
  const files = await pruneFiles(c, plan);
  const { rows } = await c.db.query<RunRow>(sql.FINISH_RUN, [c.orgId, c.run.id, files.files, files.bytes]);
  return toRun(rows[0]!);
}

/** The org's unfinished run (a killed one), else a new one at `cutoff` with `policy`. */
export async function openRun(
  db: Pool,
  org: { id: string; tenantId: string },
  fresh: { cutoff: Date; policy: RetentionPolicy; by: string | null },
): Promise<PruneRun> {
  const open = (await db.query<RunRow>(sql.OPEN_RUN, [org.id])).rows[0];
  if (open) return toRun(open);
  const params = [org.id, randomUUID(), org.tenantId, fresh.cutoff, JSON.stringify(fresh.policy), fresh.by];
  return toRun((await db.query<RunRow>(sql.INSERT_RUN, params)).rows[0]!);
}
