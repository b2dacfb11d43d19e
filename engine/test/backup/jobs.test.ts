import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { createPool } from '../../src/infra/db.js';
import {
  openJob,
  recordSkipped,
  setJobStatus,
  markCycleFullComplete,
  listJobs,
  countedJobsSince,
  apiUsage,
  CYCLE_LENGTH_MS,
} from '../../src/backup/jobs.js';
import { OrgVaultError } from '../../src/errors.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OrgVaultError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('backup jobs and cycles', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('the first job of a cycle is full; objects on their own are refused until it finishes', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    expect(await codeOf(openJob(db.pool, orgId, { trigger: 'on_demand', objects: ['Account'] }))).toBe('FULL_BACKUP_REQUIRED');
    const first = await openJob(db.pool, orgId, { trigger: 'on_demand' });
    expect(first.kind).toBe('full');
    expect(await codeOf(openJob(db.pool, orgId, { trigger: 'on_demand' }))).toBe('JOB_RUNNING');
    await setJobStatus(db.pool, orgId, first.id, 'succeeded');
    await markCycleFullComplete(db.pool, orgId, first.cycleId);
    const scoped = await openJob(db.pool, orgId, { trigger: 'on_demand', objects: ['Account'] });
    expect(scoped.kind).toBe('incremental');
    expect(scoped.objects).toEqual(['Account']);
    expect(scoped.cycleId).toBe(first.cycleId);
  });

  it('a scheduled start during a long full job becomes a catch-up job beside it; a second one is refused', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const full = await openJob(db.pool, orgId, { trigger: 'scheduled' });
    await setJobStatus(db.pool, orgId, full.id, 'running');
    const catchUp = await openJob(db.pool, orgId, { trigger: 'scheduled' });
    expect(catchUp.kind).toBe('catch_up');
    expect(await codeOf(openJob(db.pool, orgId, { trigger: 'scheduled' }))).toBe('JOB_RUNNING');
    expect(await codeOf(openJob(db.pool, orgId, { trigger: 'on_demand' }))).toBe('JOB_RUNNING');
  });

  it('two engine processes opening a job at once: exactly one wins', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const other = createPool(db.url, db.schema, 4);
    try {
      const results = await Promise.allSettled([
        openJob(db.pool, orgId, { trigger: 'on_demand' }),
        openJob(other, orgId, { trigger: 'on_demand' }),
        openJob(other, orgId, { trigger: 'on_demand' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as OrgVaultError).code).toBe('JOB_RUNNING');
    } finally {
      await other.end();
    }
  });

  it('a cycle lasts a year: after it, the next job is full again in a new cycle', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await openJob(db.pool, orgId, { trigger: 'scheduled', now: t0 });
    await setJobStatus(db.pool, orgId, first.id, 'succeeded');
    await markCycleFullComplete(db.pool, orgId, first.cycleId, t0);
    const later = await openJob(db.pool, orgId, { trigger: 'scheduled', now: new Date(t0.getTime() + CYCLE_LENGTH_MS - 1000) });
    expect(later.kind).toBe('incremental');
    await setJobStatus(db.pool, orgId, later.id, 'succeeded');
    const next = await openJob(db.pool, orgId, { trigger: 'scheduled', now: new Date(t0.getTime() + CYCLE_LENGTH_MS) });
    expect(next.kind).toBe('full');
    expect(next.cycleId).not.toBe(first.cycleId);
  });

  it('skipped and failed jobs do not count against the daily limit', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const since = new Date(Date.now() - 1000);
    const a = await openJob(db.pool, orgId, { trigger: 'scheduled' });
    await recordSkipped(db.pool, orgId, 'scheduled', 'a job was running');
    await setJobStatus(db.pool, orgId, a.id, 'failed', { error: 'boom' });
    const b = await openJob(db.pool, orgId, { trigger: 'scheduled' });
    await setJobStatus(db.pool, orgId, b.id, 'succeeded');
    expect(await countedJobsSince(db.pool, orgId, since)).toBe(1);
    const jobs = await listJobs(db.pool, orgId);
    expect(jobs.map((j) => j.status).sort()).toEqual(['failed', 'skipped', 'succeeded']);
    expect(jobs.find((j) => j.status === 'skipped')?.reason).toBe('a job was running');
  });

  it('reports the API calls spent per day for the last 7 days, days without jobs included', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const now = new Date('2026-03-10T12:00:00Z');
    const a = await openJob(db.pool, orgId, { trigger: 'scheduled', now: new Date('2026-03-08T01:00:00Z') });
    await db.pool.query('UPDATE backup_jobs SET api_calls = 120 WHERE id = $1', [a.id]);
    await setJobStatus(db.pool, orgId, a.id, 'succeeded');
    const b = await openJob(db.pool, orgId, { trigger: 'scheduled', now: new Date('2026-03-10T02:00:00Z') });
    await db.pool.query('UPDATE backup_jobs SET api_calls = 7 WHERE id = $1', [b.id]);
    const usage = await apiUsage(db.pool, orgId, 7, now);
    expect(usage.map((u) => u.day)).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ]);
    expect(usage.find((u) => u.day === '2026-03-08')).toEqual({ day: '2026-03-08', jobs: 1, apiCalls: 120 });
    expect(usage.find((u) => u.day === '2026-03-10')).toEqual({ day: '2026-03-10', jobs: 1, apiCalls: 7 });
    expect(usage.filter((u) => u.jobs === 0)).toHaveLength(5);
  });

  it('an unknown or disconnected org is NOT_FOUND', async () => {
    expect(await codeOf(openJob(db.pool, '00000000-0000-4000-8000-00000000dead', { trigger: 'on_demand' }))).toBe('NOT_FOUND');
  });
});
