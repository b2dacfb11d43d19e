import type { Pool } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import type { ObjectScope, ScopeOptions } from '../salesforce/scope.js';
import { discoverScope, forgetDescribes } from '../salesforce/describe.js';
import { checkBudget } from '../salesforce/org-limits.js';
import { OrgVaultError } from '../errors.js';
import { getJob, markCycleFullComplete, setJobStatus, type Job } from './jobs.js';
import {
  ensurePasses,
  markObjectFailed,
  objectStates,
  recordJobCalls,
  rollUpJob,
  saveObjectState,
  setPassStatus,
  type ObjectState,
  type PassKind,
} from './state.js';
import { REST_PAGE_RECORDS, runObjectPass, type PassOptions } from './object-pass.js';
import { BudgetGate } from './budget-gate.js';
import { PageMemory } from '../salesforce/page-memory.js';
import { runContentLinkPass } from './content-links.js';
import { bytesTotal, jobsTotal, recordsTotal } from '../infra/metrics.js';
import { GET_PASS } from './sql.js';

export interface RunnerOptions extends PassOptions {
  /** Objects backed up at once within a job. */
  concurrency: number;
  /** At the API cap, how long to wait before asking the org again (30 minutes). */
  pauseMs: number;
  /** Attempts per object within one job before it is left to the next job. */
  attemptsPerObject: number;
  /**
   * Bytes of Bulk result pages held at once (read ahead and being stored) by all passes: one
   * object's page and its read ahead (2 × ~22 MB at 50,000 rows of 35 fields) fit, so a lone big
   * object keeps its read ahead, while objects side by side share this rather than each holding two pages.
   */
  pageMemoryBytes: number;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = {
  concurrency: 4,
  pauseMs: 30 * 60_000,
  attemptsPerObject: 3,
  pageMemoryBytes: 64 << 20,
  overlapMs: 5 * 60_000,
  reconcileEveryMs: 7 * 24 * 3600_000,
};

export interface RunnerDeps {
  pool: Pool;
  store: Store;
  log: Logger;
  /** A live connection to the org (tokens refresh by themselves). */
  connect(orgId: string): Promise<OrgConnection>;
  /** The org's backup settings as scope rules (exclusions, *Feed / *Share). */
  scopeOptions(orgId: string): Promise<ScopeOptions>;
  options?: Partial<RunnerOptions>;
  now?: () => Date;
  /** Shared by every job of the process (the worker gives its own); absent = one per job. */
  pageMemory?: PageMemory;
  /** Runs recovery_point jobs (cdp/ builds them from the store); absent = such jobs fail. */
  recoveryPoint?: (job: Job, signal?: AbortSignal) => Promise<Job['status']>;
}

/** Runs `fn`, adding the API calls it makes on `conn` to the job's own calls (those outside its passes). */
async function spentByJob<T>(pool: Pool, job: Job, conn: OrgConnection, fn: () => Promise<T>): Promise<T> {
  const t = conn.budget.tally();
  try {
    return await t.run(fn);
  } finally {
    await recordJobCalls(pool, job.orgId, job.id, t.calls);
  }
}

/** One job while it runs: what every step below reads. */
interface JobRun {
  deps: RunnerDeps;
  job: Job;
  options: RunnerOptions;
  now: () => Date;
  log: Logger;
  conn: OrgConnection;
  scope: ObjectScope[];
  states: Map<string, ObjectState>;
  pageMemory: PageMemory;
  gate: BudgetGate;
  signal: AbortSignal | undefined;
}

type PlannedPass = Awaited<ReturnType<typeof ensurePasses>>[number];

/**
 * Runs one claimed job to its end: discovers the scope, plans a pass per object (full until the
 * object's full pass in this cycle is done, incremental after), runs the passes a few at a time,
 * and settles the job: succeeded, partial (some objects failed: the next job retries them), or
 * failed. Re-running a job that was cut short resumes each pass from its checkpoint.
 */
export async function runJob(deps: RunnerDeps, job: Job, signal?: AbortSignal): Promise<Job['status']> {
  if (job.kind === 'recovery_point') return runRecoveryPoint(deps, job, signal);
  const options = { ...DEFAULT_RUNNER_OPTIONS, ...deps.options };
  const log = deps.log.child({ orgId: job.orgId, jobId: job.id });
  const started = await connectAndDiscover(deps, job, log);
  if (!started) return 'failed';
  const { conn, scope } = started;
  const states = await objectStates(deps.pool, job.orgId);
  const passes = await planPasses(deps.pool, job, scope, states);
  if (!passes) return 'failed';
  const pageMemory = deps.pageMemory ?? new PageMemory(options.pageMemoryBytes);
  const gate = budgetGate(deps.pool, job, conn, options, log, signal);
  const run: JobRun = { deps, job, options, now: deps.now ?? (() => new Date()), log, conn, scope, states, pageMemory, gate, signal };

  let failed = await runObjectPasses(run, passes);
  if (signal?.aborted) return 'running';
  const links = await runContentLinkPass(run);
  if (signal?.aborted) return 'running';
  if (links === 'failed') failed++;
  return settleJob(run, passes.length, failed);
}

async function runRecoveryPoint(deps: RunnerDeps, job: Job, signal?: AbortSignal): Promise<Job['status']> {
  if (deps.recoveryPoint) return deps.recoveryPoint(job, signal);
  await setJobStatus(deps.pool, job.orgId, job.id, 'failed', { error: 'This engine cannot build recovery points' });
  return 'failed';
}

/** Connects to the org and discovers the job's scope; null (the job failed) when either fails. */
async function connectAndDiscover(deps: RunnerDeps, job: Job, log: Logger): Promise<{ conn: OrgConnection; scope: ObjectScope[] } | null> {
  const { pool } = deps;
  try {
    const conn = await deps.connect(job.orgId);
    const scope = await spentByJob(pool, job, conn, async () => discoverScope(conn, await deps.scopeOptions(job.orgId)));
    return { conn, scope };
  } catch (err) {
    const e = OrgVaultError.is(err) ? err : new OrgVaultError('INTERNAL', (err as Error).message, { cause: err });
    log.warn({ code: e.code, err: e.message }, 'backup job could not start');
    await rollUpJob(pool, job.orgId, job.id);
    await setJobStatus(pool, job.orgId, job.id, 'failed', { error: e.oneLine() });
    return null;
  }
}

/** The job's pass per object, recorded; null (the job failed) when it names objects not in scope. */
async function planPasses(pool: Pool, job: Job, scope: ObjectScope[], states: Map<string, ObjectState>): Promise<PlannedPass[] | null> {
  const wanted = job.objects ? new Set(job.objects) : undefined;
  if (wanted) {
    const inScope = new Set(scope.map((s) => s.name));
    const unknown = [...wanted].filter((o) => !inScope.has(o));
    if (unknown.length > 0) {
      await setJobStatus(pool, job.orgId, job.id, 'failed', { error: `Not in the backup scope: ${unknown.join(', ')}` });
      return null;
    }
  }
  const planned = scope
    .filter((s) => !wanted || wanted.has(s.name))
    .map((s) => {
      const st = states.get(s.name);
      const fullDone = st?.fullCycleId === job.cycleId && st.watermark !== null;
      return { object: s.name, pass: (fullDone ? 'incremental' : 'full') as PassKind, fullDone };
    })
    // A catch-up job only touches objects whose full pass is done; the full job has the rest.
    .filter((p) => job.kind !== 'catch_up' || p.fullDone);
  return ensurePasses(pool, job.orgId, job.id, planned);
}

/** Pauses the job's passes while the org's API budget is spent, and says so on the job. */
function budgetGate(pool: Pool, job: Job, conn: OrgConnection, options: RunnerOptions, log: Logger, signal?: AbortSignal): BudgetGate {
  return new BudgetGate(
    async () => (await spentByJob(pool, job, conn, () => checkBudget(conn))).maySpend,
    options.pauseMs,
    async (paused, reason) => {
      log.info({ paused, reason }, paused ? 'API budget reached: job paused' : 'API budget back: job resumed');
      await setJobStatus(pool, job.orgId, job.id, paused ? 'paused' : 'running', { reason: paused ? (reason ?? null) : null });
    },
    signal,
  );
}

/** Runs the passes not yet done, `concurrency` at a time; answers how many objects failed for good. */
async function runObjectPasses(run: JobRun, passes: PlannedPass[]): Promise<number> {
  const queue = passes.filter((p) => p.status !== 'succeeded');
  let failed = passes.filter((p) => p.status === 'failed' && p.attempts >= run.options.attemptsPerObject).length;
  const work = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (run.signal?.aborted) return;
      const outcome = await runWithAttempts(run, next);
      if (outcome === 'aborted') return;
      if (outcome === 'failed') failed++;
      await rollUpJob(run.deps.pool, run.job.orgId, run.job.id);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, run.options.concurrency) }, work));
  return failed;
}

/** One object's pass, tried again up to the job's attempts per object. */
async function runWithAttempts(run: JobRun, p: PlannedPass): Promise<'succeeded' | 'failed' | 'aborted'> {
  const { deps, job, options, conn, signal } = run;
  const { pool } = deps;
  for (let attempts = p.attempts + 1; ; attempts++) {
    await setPassStatus(pool, job.orgId, job.id, p.object, 'running');
    try {
      await runOnePass(run, p);
      await setPassStatus(pool, job.orgId, job.id, p.object, 'succeeded');
      return 'succeeded';
    } catch (err) {
      if (signal?.aborted) return 'aborted';
      const message = OrgVaultError.is(err) ? err.oneLine() : (err as Error).message;
      run.log.warn({ object: p.object, attempts, err: message }, 'object pass failed');
      // A field that is no longer readable fails the query: the next job describes afresh.
      forgetDescribes(conn);
      if (attempts >= options.attemptsPerObject) {
        await setPassStatus(pool, job.orgId, job.id, p.object, 'failed', message);
        await markObjectFailed(pool, job.orgId, p.object);
        return 'failed';
      }
    }
  }
}

/** Reads one object from its checkpoint through the budget gate and keeps its new state. */
async function runOnePass(run: JobRun, p: PlannedPass): Promise<void> {
  const { deps, job, options } = run;
  const { pool } = deps;
  const st = run.states.get(p.object);
  const checkpoint = (await pool.query(GET_PASS, [job.orgId, job.id, p.object])).rows[0]?.checkpoint;
  const outcome = await run.gate.run(() =>
    runObjectPass({
      pool,
      store: deps.store,
      conn: run.conn,
      orgId: job.orgId,
      jobId: job.id,
      scope: run.scope.find((s) => s.name === p.object)!,
      pass: p.pass,
      checkpoint: checkpoint ?? null,
      watermark: st?.watermark ?? null,
      lastReconciledAt: st?.lastReconciledAt ?? null,
      options,
      pageMemory: run.pageMemory,
      ...(run.signal ? { signal: run.signal } : {}),
      // Its last incremental read at most half a REST page: expect few again (room to grow).
      fewChangesExpected: st?.lastChanges != null && st.lastChanges <= (options.restPageRecords ?? REST_PAGE_RECORDS) / 2,
      now: run.now,
      log: run.log,
    }),
  );
  await saveObjectState(pool, job.orgId, {
    object: p.object,
    ...(p.pass === 'full' ? { fullCycleId: job.cycleId } : {}),
    watermark: outcome.watermark,
    ...(outcome.reconciledAt ? { reconciledAt: outcome.reconciledAt } : {}),
    ...(outcome.changes !== undefined ? { changes: outcome.changes } : {}),
    status: 'succeeded',
  });
}

/** Closes the cycle's full pass when every object has one, and gives the job its final status. */
async function settleJob(run: JobRun, objects: number, failed: number): Promise<Job['status']> {
  const { deps, job, scope } = run;
  const { pool } = deps;
  await rollUpJob(pool, job.orgId, job.id, run.conn.budget.snapshot().apiRequests?.max);
  const after = await objectStates(pool, job.orgId);
  if (scope.every((s) => after.get(s.name)?.fullCycleId === job.cycleId))
    await markCycleFullComplete(pool, job.orgId, job.cycleId, run.now());
  const status = failed === 0 ? 'succeeded' : failed < objects ? 'partial' : 'failed';
  await setJobStatus(pool, job.orgId, job.id, status, failed > 0 ? { error: `${failed} object(s) failed; the next job retries them` } : {});
  const totals = await getJob(pool, job.orgId, job.id);
  jobsTotal.inc({ kind: job.kind, status });
  recordsTotal.inc({ path: 'backup' }, totals.records);
  bytesTotal.inc({ kind: 'stored' }, totals.bytes);
  run.log.info({ status, objects, failed }, 'backup job finished');
  return status;
}
