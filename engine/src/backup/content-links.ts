/**
 * Files are shared through ContentDocumentLink, which is not replicateable and answers queries
 * only when filtered by document or entity ids. So it gets a pass of its own at the end of a job,
 * after the ContentDocument pass: its links are read by document ids (salesforce/content-links.ts)
 * and stored as versions like any object, under the name ContentDocumentLink.
 *
 * - Full (the cycle's first, and every `reconcileEveryMs` after): the links of every document the
 *   store holds; stored links the org no longer has are recorded as deleted.
 * - Incremental: the links of documents whose SystemModstamp, or one of whose versions'
 *   SystemModstamp, moved since the watermark (minus the overlap), deleted documents included;
 *   stored links of those documents that are gone are recorded as deleted. A link added to or
 *   removed from a file that changed in neither way is caught by the next full link pass.
 */
import type { Logger } from '../infra/logger.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeSObject } from '../salesforce/describe.js';
import { objectScope, type ObjectScope } from '../salesforce/scope.js';
import { documentsChangedSince, queryLinks } from '../salesforce/content-links.js';
import { OrgVaultError } from '../errors.js';
import type { Pool } from '../infra/db.js';
import type { Store } from '../store/store.js';
import type { ScopeOptions } from '../salesforce/scope.js';
import type { Job } from './jobs.js';
import type { BudgetGate } from './budget-gate.js';
import { counted, toJsonRecord, type PassOptions } from './object-pass.js';
import {
  ensurePasses,
  markObjectFailed,
  recordProgress,
  saveObjectState,
  setPassStatus,
  type ObjectState,
  type PassKind,
} from './state.js';
import { GET_PASS } from './sql.js';

export const LINK_OBJECT = 'ContentDocumentLink';
const DOCUMENT = 'ContentDocument';

export interface LinkPassContext {
  /** What the runner was given (runner.ts RunnerDeps) that the link pass uses. */
  deps: { pool: Pool; store: Store; scopeOptions(orgId: string): Promise<ScopeOptions> };
  job: Job;
  conn: OrgConnection;
  /** The job's scope: links are backed up only when ContentDocument is in it. */
  scope: ObjectScope[];
  states: Map<string, ObjectState>;
  /** The runner's options (runner.ts RunnerOptions) the link pass follows. */
  options: Pick<PassOptions, 'reconcileEveryMs' | 'overlapMs'> & { attemptsPerObject: number };
  now: () => Date;
  gate: BudgetGate;
  log: Logger;
  signal?: AbortSignal;
}

/** Runs the job's link pass when it has one; 'failed' counts as a failed object of the job. */
export async function runContentLinkPass(ctx: LinkPassContext): Promise<'succeeded' | 'failed' | 'skipped'> {
  const { deps, job } = ctx;
  const { pool } = deps;
  const docPass = (await pool.query<{ status: string }>(GET_PASS, [job.orgId, job.id, DOCUMENT])).rows[0];
  if (!docPass || !ctx.scope.some((s) => s.name === DOCUMENT)) return 'skipped';
  const st = ctx.states.get(LINK_OBJECT);
  const fullDone = st?.fullCycleId === job.cycleId && st.watermark !== null;
  if (job.kind === 'catch_up' && !fullDone) return 'skipped';
  const startedAt = ctx.now();
  const reconcileDue = !st?.lastReconciledAt || startedAt.getTime() - st.lastReconciledAt.getTime() >= ctx.options.reconcileEveryMs;
  const pass: PassKind = fullDone && !reconcileDue ? 'incremental' : 'full';
  const [row] = (await ensurePasses(pool, job.orgId, job.id, [{ object: LINK_OBJECT, pass }])).filter((p) => p.object === LINK_OBJECT);
  if (row?.status === 'succeeded') return 'succeeded';

  const fail = async (message: string): Promise<'failed'> => {
    await setPassStatus(pool, job.orgId, job.id, LINK_OBJECT, 'failed', message);
    await markObjectFailed(pool, job.orgId, LINK_OBJECT);
    return 'failed';
  };
  // Documents come from the store: without this job's documents the links would be incomplete.
  if (docPass.status !== 'succeeded') return fail('The ContentDocument pass of this job did not succeed; the next job retries');
  let attempts = row?.attempts ?? 0;
  for (;;) {
    if (ctx.signal?.aborted) return 'failed';
    await setPassStatus(pool, job.orgId, job.id, LINK_OBJECT, 'running');
    attempts++;
    try {
      const linkScope = await ctx.gate.run(() => linkFields(ctx));
      if (!linkScope) {
        await setPassStatus(pool, job.orgId, job.id, LINK_OBJECT, 'succeeded');
        return 'skipped';
      }
      const from = pass === 'incremental' ? new Date(st!.watermark!.getTime() - ctx.options.overlapMs) : null;
      await ctx.gate.run(() => backUpLinks(ctx, linkScope, from));
      await saveObjectState(pool, job.orgId, {
        object: LINK_OBJECT,
        ...(pass === 'full' ? { fullCycleId: job.cycleId, reconciledAt: startedAt } : {}),
        watermark: startedAt,
        status: 'succeeded',
      });
      await setPassStatus(pool, job.orgId, job.id, LINK_OBJECT, 'succeeded');
      return 'succeeded';
    } catch (err) {
      if (ctx.signal?.aborted) return 'failed';
      const message = OrgVaultError.is(err) ? err.oneLine() : (err as Error).message;
      ctx.log.warn({ object: LINK_OBJECT, attempts, err: message }, 'object pass failed');
      if (attempts >= ctx.options.attemptsPerObject) return fail(message);
    }
  }
}

/** The link fields the user can read, minus the org's exclusions; undefined when links are excluded. */
async function linkFields(ctx: LinkPassContext): Promise<ObjectScope | undefined> {
  const { pool } = ctx.deps;
  // The describe is the link pass's call too: the org counts it whether or not it answers.
  const describe = await counted(ctx, async (spent) => {
    try {
      return await describeSObject(ctx.conn, LINK_OBJECT);
    } finally {
      await recordProgress(pool, ctx.job.orgId, ctx.job.id, LINK_OBJECT, { apiCalls: spent() });
    }
  });
  // Not replicateable by Salesforce's flag, but every other scope rule applies.
  return objectScope({ ...describe, replicateable: true }, await ctx.deps.scopeOptions(ctx.job.orgId));
}

async function backUpLinks(ctx: LinkPassContext, scope: ObjectScope, from: Date | null): Promise<void> {
  const { deps, job, conn } = ctx;
  const at = ctx.now();
  // Counts this pass's own calls, not those of object passes running beside it on the connection.
  await counted(ctx, async (spent) => {
    const changed = from ? await documentsChangedSince(conn, from) : new Set<string>();
    if (!from) for await (const id of deps.store.idsAt({ orgId: job.orgId, object: DOCUMENT, at })) changed.add(id);
    const docs = [...changed];
    const seen = new Set<string>();
    for await (const records of queryLinks(conn, scope.fields, 'ContentDocumentId', docs)) {
      const json = records.map((r) => toJsonRecord(scope, r));
      for (const r of json) seen.add(r.id);
      const result = await deps.store.putRecords({ orgId: job.orgId, object: LINK_OBJECT, source: 'rest', jobId: job.id, records: json });
      await recordProgress(deps.pool, job.orgId, job.id, LINK_OBJECT, {
        records: result.stored,
        bytes: result.storedBytes,
        inserted: result.inserted,
        updated: result.updated,
        apiCalls: spent(),
      });
    }
    // Links the store holds as present that the org did not return are gone.
    const tombstones: Array<{ id: string; deletedAt: Date }> = [];
    if (!from) {
      for await (const id of deps.store.idsAt({ orgId: job.orgId, object: LINK_OBJECT, at }))
        if (!seen.has(id)) tombstones.push({ id, deletedAt: at });
    } else if (docs.length) {
      for await (const link of deps.store.readAsOf({ orgId: job.orgId, object: LINK_OBJECT, at }))
        if (changed.has(String(link.fields.ContentDocumentId)) && !seen.has(link.id)) tombstones.push({ id: link.id, deletedAt: at });
    }
    const result = tombstones.length
      ? await deps.store.putTombstones({ orgId: job.orgId, object: LINK_OBJECT, source: 'reconcile', jobId: job.id, tombstones })
      : undefined;
    await recordProgress(deps.pool, job.orgId, job.id, LINK_OBJECT, {
      deleted: result?.stored ?? 0,
      removed: result?.removed ?? 0,
      apiCalls: spent(),
    });
  });
}
