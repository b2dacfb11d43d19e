/**
 * The run's lifecycle: a restore request becomes a dry run (planned and answered at once) or a
 * run — queued for any engine process's worker, or run in this one — whose progress and results
 * are kept in restore_runs and the ledger. Planning is plan.ts, writing execute.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { OrgVaultError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeSObject } from '../salesforce/describe.js';
import { firstBackupAt, getJob } from '../backup/jobs.js';
import { RestoreLedger } from './ledger.js';
import { settleInflight } from './recover.js';
import { RestoreRuns, type RunRow, type StoredRequest } from './runs.js';
import { planLinks, restoreLinks } from './files.js';
import { RestorePlanner } from './plan.js';
import { RestoreWriter } from './execute.js';
import { survivorPlans } from './survivors.js';
import type { ResultRow } from './ledger.js';
import type { Planned, RestoreOptions, RestoreOutcome, RestoreRequest, RunCtx, Written } from './types.js';

export { MAX_DEPTH } from './types.js';
export type { ObjectPlan, RestoreMode, RestoreOptions, RestoreOutcome, RestoreRequest, SurvivorPlan, Written } from './types.js';

function assertObjects(req: RestoreRequest): void {
  if (!req.objects.length) throw new OrgVaultError('VALIDATION_FAILED', 'Choose at least one object to restore');
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const OPERATION_COUNT = { undelete: 'undeleted', create: 'created', update: 'updated', relink: 'relinked' } as const;

/** Per object, parents first as written, what a run's results say it wrote (a record counted once per call). */
function writtenOf(results: readonly ResultRow[]): Written[] {
  const by = new Map<string, Written>();
  for (const r of results) {
    const w = by.get(r.object) ?? { object: r.object, undeleted: 0, created: 0, updated: 0, relinked: 0, failed: 0 };
    if (r.success) w[OPERATION_COUNT[r.operation]]++;
    else w.failed++;
    by.set(r.object, w);
  }
  return [...by.values()];
}

/** What a run keeps of its outcome in restore_runs (its plan, then its counts). */
const summary = (o: RestoreOutcome): Record<string, unknown> => ({
  objects: o.objects,
  survivors: o.survivors,
  written: o.written,
  apiCalls: o.apiCalls,
  planningCalls: o.planningCalls,
  succeeded: o.succeeded,
  failed: o.failed,
});

/**
 * Restore: reads records as they were at a time from the store, compares them with the target
 * org, and writes what differs — parents first, re-created records under new ids kept in the id
 * map, lookups between re-created records set in a second pass. A run is a queued job (see
 * RestoreWorker); creates in flight are noted first, so a run that crashed is resumed without
 * making anything twice.
 */
export class RestoreService {
  readonly ledger: RestoreLedger;
  readonly runs: RestoreRuns;
  readonly #planner: RestorePlanner;
  readonly #writer: RestoreWriter;

  constructor(
    private readonly deps: { pool: Pool; store: Store; connectionTo: (orgId: string) => Promise<OrgConnection> },
    private readonly options: RestoreOptions,
  ) {
    this.ledger = new RestoreLedger(deps.pool, (orgId) => deps.store.secretBox(orgId));
    this.runs = new RestoreRuns(deps.pool);
    this.#planner = new RestorePlanner({ store: deps.store, ledger: this.ledger, connectionTo: deps.connectionTo }, options);
    this.#writer = new RestoreWriter({ store: deps.store, ledger: this.ledger, runs: this.runs }, options);
  }

  async resolveAt(orgId: string, req: { jobId?: string; at?: Date }): Promise<Date> {
    if (req.jobId) {
      const job = await getJob(this.deps.pool, orgId, req.jobId);
      if (!job.finishedAt || job.status !== 'succeeded') {
        throw new OrgVaultError('CONFLICT', `Job ${req.jobId} has not finished successfully`, {
          actions: ['Choose a finished job or a time.'],
        });
      }
      // A recovery point stands for the time it was asked for; a backup for the time it finished.
      return job.kind === 'recovery_point' && job.asOf ? job.asOf : job.finishedAt;
    }
    if (req.at) return req.at;
    throw new OrgVaultError('VALIDATION_FAILED', 'Restore needs a job, a recovery point or a time');
  }

  /**
   * The time a restore reads its backups as of. A time of the caller's (not a job's) before the
   * org's first backup has nothing to read: restoring "as of" then would plan from an empty or
   * partial store, so it is refused before anything is planned or written.
   */
  private async restoreAt(req: RestoreRequest): Promise<Date> {
    const at = await this.resolveAt(req.orgId, req);
    if (req.jobId) return at;
    const first = await firstBackupAt(this.deps.pool, req.orgId);
    if (!first)
      throw new OrgVaultError('VALIDATION_FAILED', 'This organization has no finished backup to restore from yet', {
        actions: ['Restore once its first backup has finished.'],
      });
    if (at < first)
      throw new OrgVaultError('VALIDATION_FAILED', `${at.toISOString()} is before this organization's first backup`, {
        actions: [`Choose a time from its first backup on: ${first.toISOString()}.`],
        details: { at: at.toISOString(), firstBackupAt: first.toISOString() },
      });
    return at;
  }

  /** A dry run plans; otherwise the run is queued for a worker (any engine process) and returned at once. */
  async enqueue(req: RestoreRequest): Promise<RestoreOutcome> {
    if (req.dryRun) return this.plan(req);
    return this.outcomeOf(await this.runs.insert(await this.newRun(req)));
  }

  /** A dry run plans; otherwise the restore runs in this process, and its outcome is returned when done. */
  async restore(req: RestoreRequest): Promise<RestoreOutcome> {
    if (req.dryRun) return this.plan(req);
    const workerId = `inline-${process.pid}-${randomUUID().slice(0, 8)}`;
    return this.execute(await this.runs.insert(await this.newRun(req), workerId), workerId);
  }

  /**
   * What would change and the API calls it would cost; nothing is written. The estimate is what
   * the run will spend: the reads made here (it makes them again) and the writes planned.
   */
  async plan(req: RestoreRequest): Promise<RestoreOutcome> {
    assertObjects(req);
    const at = await this.restoreAt(req);
    const conn = await this.deps.connectionTo(req.targetOrgId ?? req.orgId);
    const tally = conn.budget.tally();
    const { ctx, planned } = await tally.run(async () => {
      const ctx = await this.#planner.context({ ...req, at }, null);
      const planned = await this.#planner.planAll(ctx);
      // Files re-created here come with the links Salesforce makes: their owner's and FirstPublishLocationId's.
      if (this.#planner.withLinks(ctx))
        planned.plans.push(await planLinks(this.#planner.links(ctx, planned), await this.#planner.plannedCreates(ctx, planned)));
      return { ctx, planned };
    });
    const outcome = this.outcome(ctx, planned, 'planned', tally.calls);
    outcome.apiCalls += tally.calls;
    return outcome;
  }

  /** A run's state: queued, running (with progress), or finished (with its counts). */
  async status(orgId: string, runId: string): Promise<RestoreOutcome> {
    return this.outcomeOf(await this.runs.get(orgId, runId));
  }

  /** Runs of an org's backup, newest first. */
  async list(orgId: string, limit: number): Promise<RestoreOutcome[]> {
    return (await this.runs.list(orgId, limit)).map((r) => this.outcomeOf(r));
  }

  /** A run's per-record results as CSV (failed rows with Salesforce's words); NOT_FOUND for another org's run. */
  async resultsCsv(orgId: string, runId: string): Promise<string> {
    return this.ledger.resultsCsv((await this.runs.get(orgId, runId)).targetOrgId, runId);
  }

  private async newRun(req: RestoreRequest): Promise<Parameters<RestoreRuns['insert']>[0]> {
    assertObjects(req);
    const request: StoredRequest = {
      objects: req.objects,
      ...(req.recordIds ? { recordIds: req.recordIds } : {}),
      depth: req.depth ?? null,
      mode: req.mode ?? 'changed',
      ...(req.fields?.length ? { fields: req.fields } : {}),
      ...(req.keepNewer ? { keepNewer: req.keepNewer === true ? true : req.keepNewer.toISOString() } : {}),
    };
    return {
      orgId: req.orgId,
      id: randomUUID(),
      targetOrgId: req.targetOrgId ?? req.orgId,
      at: await this.restoreAt(req),
      request,
      by: req.by ?? null,
    };
  }

  private outcomeOf(run: RunRow): RestoreOutcome {
    const s = (run.summary ?? {}) as Partial<RestoreOutcome>;
    return {
      runId: run.id,
      status: run.status,
      dryRun: false,
      at: run.at,
      mode: run.request.mode,
      depth: run.request.depth,
      targetOrgId: run.targetOrgId,
      objects: s.objects ?? [],
      survivors: s.survivors ?? [],
      written: s.written ?? [],
      apiCalls: s.apiCalls ?? 0,
      planningCalls: s.planningCalls ?? 0,
      succeeded: s.succeeded ?? 0,
      failed: s.failed ?? 0,
      progress: run.progress ?? { total: 0, done: 0 },
      error: run.error,
      queuedAt: run.createdAt,
      finishedAt: run.finishedAt,
    };
  }

  /** A plan's outcome: the writes it costs, its planning reads (`planningCalls`). */
  private outcome(ctx: RunCtx, p: Planned, status: RestoreOutcome['status'], planningCalls: number): RestoreOutcome {
    const survivors = survivorPlans(p.survivors);
    return {
      runId: status === 'planned' ? null : ctx.runId,
      status,
      dryRun: status === 'planned',
      at: ctx.at,
      mode: ctx.mode,
      depth: ctx.req.depth ?? null,
      targetOrgId: ctx.target,
      objects: p.plans,
      survivors,
      written: [],
      apiCalls: [...p.plans, ...survivors].reduce((n, o) => n + o.apiCalls, 0),
      planningCalls,
      succeeded: 0,
      failed: 0,
      queuedAt: null,
      finishedAt: null,
      progress: ctx.progress,
      error: null,
    };
  }

  /**
   * Runs a claimed run to its end (or resumes one whose process died): first settles the creates
   * any earlier run left in flight into the target, then plans against the org as it is now and
   * writes. `workerId` beats the run's heartbeat meanwhile. Aborted (`signal`), the run is left
   * running for the next worker to resume. Every call it makes to the target is counted.
   */
  async execute(run: RunRow, workerId: string, signal?: AbortSignal): Promise<RestoreOutcome> {
    const beat = setInterval(() => void this.runs.beat(run, workerId).catch(() => undefined), this.options.heartbeatMs);
    const tally = (await this.deps.connectionTo(run.targetOrgId)).budget.tally();
    let outcome: RestoreOutcome | undefined;
    try {
      outcome = await tally.run(() => this.#run(run, tally, signal));
      outcome.apiCalls = tally.calls;
      outcome.status = 'succeeded';
      await this.runs.finish(run, 'succeeded', summary(outcome), null);
      return outcome;
    } catch (err) {
      if (signal?.aborted) throw err;
      await this.runs.finish(run, 'failed', { ...(outcome ? summary(outcome) : {}), apiCalls: tally.calls }, message(err));
      throw err;
    } finally {
      clearInterval(beat);
    }
  }

  async #run(run: RunRow, tally: { calls: number }, signal?: AbortSignal): Promise<RestoreOutcome> {
    const { depth, keepNewer, ...request } = run.request;
    const req = {
      orgId: run.orgId,
      targetOrgId: run.targetOrgId,
      at: run.at,
      ...request,
      ...(depth !== null ? { depth } : {}),
      ...(keepNewer ? { keepNewer: keepNewer === true ? true : new Date(keepNewer) } : {}),
    };
    await this.settle(run);
    const ctx = await this.#planner.context(req, run.id);
    ctx.run = run;
    const planned = await this.#planner.planAll(ctx);
    const outcome = this.outcome(ctx, planned, 'running', tally.calls);
    ctx.progress.total =
      planned.plans.reduce((n, p) => n + p.undelete + p.create + p.update + p.relink, 0) +
      outcome.survivors.reduce((n, p) => n + p.records, 0);
    await this.runs.progress(run, ctx.progress, summary(outcome));
    await this.#writer.write(ctx, planned, signal);
    if (this.#planner.withLinks(ctx)) outcome.objects.push(await restoreLinks(this.#planner.links(ctx, planned)));
    const results = await this.ledger.results(ctx.target, ctx.runId);
    outcome.survivors = survivorPlans(planned.survivors);
    outcome.written = writtenOf(results);
    outcome.succeeded = results.filter((r) => r.success).length;
    outcome.failed = results.length - outcome.succeeded;
    // Links are written after the plan's count: the run's progress ends at what it wrote.
    ctx.progress.total = Math.max(ctx.progress.total, results.length);
    ctx.progress.done = results.length;
    await this.runs.progress(run, ctx.progress);
    return outcome;
  }

  /** Settles the creates any earlier run (or this one, resumed) left in flight into the target. */
  private async settle(run: RunRow): Promise<void> {
    const conn = await this.deps.connectionTo(run.targetOrgId);
    const typesOf = async (object: string) => new Map((await describeSObject(conn, object)).fields.map((f) => [f.name, f.type]));
    await settleInflight({ ledger: this.ledger, conn, typesOf, ...this.#writer.poll() }, run.targetOrgId, run.orgId, {
      runId: run.id,
      staleMs: this.options.staleMs,
    });
  }
}
