import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { OrgVaultError } from '../../src/errors.js';
import { getJob, listJobs, markCycleFullComplete, setJobStatus } from '../../src/backup/jobs.js';
import { backupJobsLauncher } from '../../src/schedule/backup-jobs.js';
import { BackupSettingsService, objectInScope, fieldInScope } from '../../src/schedule/backup-settings.js';
import { Subscriptions } from '../../src/schedule/subscriptions.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import { bossSchemaFor } from '../../src/schedule/boss.js';
import { FakeClock, FakeUsers, dropBossSchema, scheduleFor } from './support.js';

// The fake clock stays in the real future, so starts this suite queues never come due in pg-boss
// (no process here works the queue; the suite calls the scheduler's decisions directly).
const T0 = '2031-03-10T12:00:00.000Z';
const HOUR = 3600_000;

describe('subscription rules, backup settings and scheduled-start decisions', () => {
  let db: TestDb;
  let s: ScheduleServices;
  const clock = new FakeClock(new Date(T0));
  const users = new FakeUsers();

  beforeAll(async () => {
    db = await createTestDb();
    s = await scheduleFor(db, clock, { users });
  });
  afterAll(async () => {
    await s.stop();
    await dropBossSchema(db);
    await db.drop();
  });

  async function org(
    opts: { timeZone?: string; isSandbox?: boolean; type?: string; seats?: number | null; expiresAt?: string | null } = {},
  ) {
    const f = await insertTenantAndOrg(db.pool, { timeZone: opts.timeZone ?? 'UTC', isSandbox: opts.isSandbox ?? false });
    await db.pool.query('UPDATE orgs SET connected_at = $2 WHERE id = $1', [f.orgId, new Date(Date.parse(T0) - 30 * 24 * HOUR)]);
    if (opts.type) await s.subscriptions.put(f.tenantId, { type: opts.type, seats: opts.seats ?? null, expiresAt: opts.expiresAt ?? null });
    return f;
  }

  async function rejection(p: Promise<unknown>): Promise<OrgVaultError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof OrgVaultError) return err;
      throw err;
    }
    throw new Error('expected a rejection');
  }

  describe('subscriptions', () => {
    it('has seeded types, and a tenant without a subscription gets the default', async () => {
      expect((await s.subscriptions.listTypes()).map((t) => [t.code, t.dailyJobLimit])).toEqual([
        ['essentials', 1],
        ['professional', 4],
        ['enterprise', 24],
      ]);
      const { tenantId } = await org();
      expect(await s.subscriptions.get(tenantId)).toMatchObject({ type: 'essentials', dailyJobLimit: 1, expiresAt: null, seats: null });
      const err = await rejection(s.subscriptions.put(tenantId, { type: 'platinum' }));
      expect(err.code).toBe('VALIDATION_FAILED');
    });

    it('daily job limit: jobs in the last 24 hours count, skipped and failed ones do not', async () => {
      const { orgId } = await org({ type: 'essentials' });
      const now = new Date(T0);
      const { jobId } = await backupNow(orgId, now);
      await setJobStatus(db.pool, orgId, jobId, 'succeeded', { at: now });
      const later = new Date(now.getTime() + 2 * HOUR);
      const err = await rejection(s.subscriptions.assertMayBackUp(orgId, later));
      expect(err.code).toBe('DAILY_JOB_LIMIT');
      expect(err.details).toMatchObject({ limit: 1, used: 1 });
      expect(err.actions.length).toBeGreaterThan(0);

      await setJobStatus(db.pool, orgId, jobId, 'failed', { at: now });
      await expect(s.subscriptions.assertMayBackUp(orgId, later)).resolves.toBeUndefined();

      const second = await backupNow(orgId, later);
      await setJobStatus(db.pool, orgId, second.jobId, 'succeeded', { at: later });
      expect((await rejection(s.subscriptions.assertMayBackUp(orgId, new Date(later.getTime() + HOUR)))).code).toBe('DAILY_JOB_LIMIT');
      // 24 hours after the counted job the window is free again.
      await expect(s.subscriptions.assertMayBackUp(orgId, new Date(later.getTime() + 24 * HOUR + 1))).resolves.toBeUndefined();
    });

    it('expiry stops backups from the expiry instant on', async () => {
      const expiresAt = '2031-03-11T00:00:00.000Z';
      const { orgId } = await org({ type: 'professional', expiresAt });
      await expect(s.subscriptions.assertMayBackUp(orgId, new Date(Date.parse(expiresAt) - 1))).resolves.toBeUndefined();
      const err = await rejection(s.subscriptions.assertMayBackUp(orgId, new Date(expiresAt)));
      expect(err.code).toBe('SUBSCRIPTION_EXPIRED');
      expect(err.actions.join(' ')).toMatch(/Restore, compare and export keep working/);
    });

    it('seats: active licensed users of a production org above the seats stop backups; sandboxes are not counted', async () => {
      const prod = await org({ type: 'professional', seats: 10 });
      users.counts.set(prod.orgId, 10);
      await expect(s.subscriptions.assertMayBackUp(prod.orgId, new Date(T0))).resolves.toBeUndefined();
      users.counts.set(prod.orgId, 11);
      const err = await rejection(s.subscriptions.assertMayBackUp(prod.orgId, new Date(T0)));
      expect(err.code).toBe('SEATS_EXCEEDED');
      expect(err.details).toEqual({ activeUsers: 11, seats: 10 });
      expect(err.message).toMatch(/11 active licensed users.*10 seats/);

      const sandbox = await org({ type: 'professional', seats: 10, isSandbox: true });
      users.counts.set(sandbox.orgId, 500);
      await expect(s.subscriptions.assertMayBackUp(sandbox.orgId, new Date(T0))).resolves.toBeUndefined();
      expect(users.asked).not.toContain(sandbox.orgId);
    });
  });

  it('self-hosted (subscription limits off): a tenant without a subscription has no job limit, seats or expiry', async () => {
    const selfHosted = new Subscriptions(db.pool, { launcher: backupJobsLauncher(db.pool), users, clock, limits: false });
    const free = await org();
    expect(await selfHosted.get(free.tenantId)).toMatchObject({ dailyJobLimit: null, expiresAt: null, seats: null });
    users.counts.set(free.orgId, 10_000);
    for (const hour of [0, 1, 2]) {
      const now = new Date(Date.parse(T0) + hour * HOUR);
      await selfHosted.assertMayBackUp(free.orgId, now);
      const { jobId } = await backupJobsLauncher(db.pool).start(free.orgId, { trigger: 'on_demand', now });
      await setJobStatus(db.pool, free.orgId, jobId, 'succeeded', { at: now });
    }
    await expect(selfHosted.assertMayBackUp(free.orgId, new Date(Date.parse(T0) + 3 * HOUR))).resolves.toBeUndefined();
    expect(users.asked).not.toContain(free.orgId);
    // The schedule still spreads at most one start every 15 minutes.
    const settings = new BackupSettingsService(db.pool, selfHosted);
    expect((await settings.put(free.orgId, { jobsPerDay: 96 })).jobsPerDay).toBe(96);
    expect((await rejection(settings.put(free.orgId, { jobsPerDay: 97 }))).message).toMatch(/schedule's 96 jobs a day/);

    // A subscription the operator sets for a tenant applies all the same.
    const subscribed = await org({ type: 'essentials', seats: 5 });
    users.counts.set(subscribed.orgId, 6);
    expect(await selfHosted.get(subscribed.tenantId)).toMatchObject({ type: 'essentials', dailyJobLimit: 1, seats: 5 });
    expect((await rejection(selfHosted.assertMayBackUp(subscribed.orgId, new Date(T0)))).code).toBe('SEATS_EXCEEDED');
  });

  describe('backup settings', () => {
    it('defaults, partial updates, and validation against the subscription', async () => {
      const { orgId } = await org({ type: 'professional' });
      expect(await s.backupSettings.get(orgId)).toEqual({
        orgId,
        enabled: true,
        includeFeedAndShare: false,
        excludedObjects: [],
        excludedFields: [],
        jobsPerDay: 1,
        startTime: null,
      });
      const put = await s.backupSettings.put(orgId, {
        jobsPerDay: 4,
        excludedObjects: ['Lead', 'Lead'],
        excludedFields: ['Account.Secret__c'],
      });
      expect(put).toMatchObject({
        jobsPerDay: 4,
        excludedObjects: ['Lead'],
        excludedFields: ['Account.Secret__c'],
        includeFeedAndShare: false,
      });
      expect((await s.backupSettings.put(orgId, { startTime: '06:30' })).jobsPerDay).toBe(4);

      const over = await rejection(s.backupSettings.put(orgId, { jobsPerDay: 5 }));
      expect(over.code).toBe('VALIDATION_FAILED');
      expect(over.message).toMatch(/4 jobs a day/);
      for (const bad of [
        { startTime: '24:00' },
        { excludedObjects: ['Account; DROP'] },
        { excludedFields: ['NoDot'] },
        { jobsPerDay: 0 },
        { other: 1 },
      ]) {
        expect((await rejection(s.backupSettings.put(orgId, bad))).code).toBe('VALIDATION_FAILED');
      }
      expect((await rejection(s.backupSettings.get('not-an-id'))).code).toBe('NOT_FOUND');
    });

    it('scope: *Feed and *Share objects are out unless included; exclusions ignore case', async () => {
      const { orgId } = await org();
      const settings = await s.backupSettings.put(orgId, { excludedObjects: ['lead'], excludedFields: ['Account.SSN__c'] });
      expect(
        ['Account', 'AccountFeed', 'AccountShare', 'Foo__Share', 'Lead', 'FeedItem'].filter((o) => objectInScope(settings, o)),
      ).toEqual(['Account', 'FeedItem']);
      const withFeeds = await s.backupSettings.put(orgId, { includeFeedAndShare: true });
      expect(objectInScope(withFeeds, 'AccountFeed')).toBe(true);
      expect(fieldInScope(withFeeds, 'account', 'ssn__c')).toBe(false);
      expect(fieldInScope(withFeeds, 'Account', 'Name')).toBe(true);
    });
  });

  describe('scheduled starts', () => {
    it('the first start is the next 00:00 in the org time zone after it was connected', async () => {
      const { orgId } = await org({ timeZone: 'Asia/Kolkata' });
      await db.pool.query('UPDATE orgs SET connected_at = $2 WHERE id = $1', [orgId, T0]);
      // 12:00Z is 17:30 in Kolkata: next midnight is 18:30Z.
      expect((await s.scheduler.nextBackupAt(orgId)).nextBackupAt?.toISOString()).toBe('2031-03-10T18:30:00.000Z');
      // An org connected in the future (clock skew) does not start before it was connected.
      await db.pool.query('UPDATE orgs SET connected_at = $2 WHERE id = $1', [orgId, '2031-03-11T19:00:00Z']);
      expect((await s.scheduler.nextBackupAt(orgId)).nextBackupAt?.toISOString()).toBe(
        '2031-03-11T18:30:00.000Z'.replace('11T18', '12T18'),
      );
    });

    it('starts a job at its time and records the decision once', async () => {
      const { orgId } = await org({ timeZone: 'America/New_York' });
      const slot = new Date('2031-03-11T04:00:00Z'); // 00:00 EDT (DST began 9 March 2031)
      clock.set(new Date(slot.getTime() + 1000));
      const first = await s.scheduler.runBackupSlot(orgId, slot);
      expect(first.outcome).toBe('started');
      expect(await s.scheduler.runBackupSlot(orgId, slot)).toEqual({ outcome: 'dropped', reason: 'already decided' });
      const jobs = await listJobs(db.pool, orgId);
      expect(jobs.map((j) => [j.trigger, j.kind, j.status])).toEqual([['scheduled', 'full', 'queued']]);
      expect(await s.scheduler.recentBackupSlots(orgId)).toMatchObject([{ outcome: 'started', jobId: jobs[0]!.id }]);
    });

    it('a start while a job runs is recorded as skipped with the reason, not queued behind it', async () => {
      const { orgId } = await org({ type: 'professional' });
      const slot = new Date('2031-03-11T00:00:00Z');
      // The cycle's full backup is done; an incremental one runs (during a full one, backup/ opens a
      // catch-up job beside it instead, by design).
      clock.set(new Date(slot.getTime() - 5 * HOUR));
      const full = await backupNow(orgId, clock.now());
      await setJobStatus(db.pool, orgId, full.jobId, 'succeeded', { at: clock.now() });
      await markCycleFullComplete(db.pool, orgId, (await getJob(db.pool, orgId, full.jobId)).cycleId, clock.now());
      clock.set(new Date(slot.getTime() - 3 * HOUR));
      const running = await backupNow(orgId, clock.now());
      await setJobStatus(db.pool, orgId, running.jobId, 'running', { at: clock.now() });
      clock.set(slot);
      const outcome = await s.scheduler.runBackupSlot(orgId, slot);
      expect(outcome).toMatchObject({ outcome: 'skipped', code: 'JOB_RUNNING' });
      const [row] = await s.scheduler.recentBackupSlots(orgId);
      expect(row).toMatchObject({ outcome: 'skipped', reasonCode: 'JOB_RUNNING' });
      expect(row!.reason).toMatch(/already running/);
      const jobs = await listJobs(db.pool, orgId);
      expect(jobs.map((j) => [j.trigger, j.status])).toEqual([
        ['scheduled', 'skipped'],
        ['on_demand', 'running'],
        ['on_demand', 'succeeded'],
      ]);
      expect(jobs[0]!.reason).toMatch(/already running/);
    });

    it('the daily limit, seats and expiry skip a scheduled start with their code', async () => {
      const slot = new Date('2031-03-12T00:00:00Z');
      clock.set(slot);
      const limited = await org({ type: 'essentials' });
      const done = await backupNow(limited.orgId, new Date(slot.getTime() - 2 * HOUR));
      await setJobStatus(db.pool, limited.orgId, done.jobId, 'succeeded', { at: new Date(slot.getTime() - HOUR) });
      expect(await s.scheduler.runBackupSlot(limited.orgId, slot)).toMatchObject({ outcome: 'skipped', code: 'DAILY_JOB_LIMIT' });

      const crowded = await org({ type: 'professional', seats: 2 });
      users.counts.set(crowded.orgId, 3);
      expect(await s.scheduler.runBackupSlot(crowded.orgId, slot)).toMatchObject({ outcome: 'skipped', code: 'SEATS_EXCEEDED' });

      const expired = await org({ type: 'professional', expiresAt: '2031-03-11T08:00:00Z' });
      expect(await s.scheduler.runBackupSlot(expired.orgId, slot)).toMatchObject({ outcome: 'skipped', code: 'SUBSCRIPTION_EXPIRED' });
      // ... and once expired the schedule stops: no next start, nothing queued.
      expect(await s.scheduler.nextBackupAt(expired.orgId)).toEqual({
        nextBackupAt: null,
        stoppedBecause: expect.stringMatching(/expired/),
      });
      await s.scheduler.planOrg(expired.orgId);
      expect(await queuedStarts(expired.orgId)).toEqual([]);
    });

    it('a subscription ending before the next start shows no next start', async () => {
      const { orgId } = await org({ type: 'professional', expiresAt: '2031-03-10T20:00:00Z' });
      clock.set(T0);
      expect((await s.scheduler.nextBackupAt(orgId)).nextBackupAt).toBeNull();
    });

    it('a change of settings takes effect from the next start; starts queued under old settings are dropped', async () => {
      const { orgId } = await org({ type: 'professional', timeZone: 'Europe/Berlin' });
      clock.set(T0); // 13:00 in Berlin
      await s.scheduler.planOrg(orgId);
      expect(await queuedStarts(orgId)).toEqual(['2031-03-10T23:00:00.000Z']);
      await s.backupSettings.put(orgId, { jobsPerDay: 4, startTime: '03:00' }); // 03:00, 09:00, 15:00, 21:00
      expect((await s.scheduler.nextBackupAt(orgId)).nextBackupAt?.toISOString()).toBe('2031-03-10T14:00:00.000Z');
      expect(await queuedStarts(orgId)).toEqual(['2031-03-10T14:00:00.000Z', '2031-03-10T23:00:00.000Z']);
      clock.set('2031-03-10T23:00:01Z');
      expect(await s.scheduler.runBackupSlot(orgId, new Date('2031-03-10T23:00:00Z'))).toEqual({
        outcome: 'dropped',
        reason: 'start of older settings',
      });
      await s.backupSettings.put(orgId, { enabled: false });
      expect(await s.scheduler.nextBackupAt(orgId)).toEqual({ nextBackupAt: null, stoppedBecause: expect.stringMatching(/turned off/) });
      expect(await s.scheduler.runBackupSlot(orgId, new Date('2031-03-11T02:00:00Z'))).toEqual({
        outcome: 'dropped',
        reason: 'backups turned off',
      });
    });

    it('planning twice, from any process, queues a start once', async () => {
      const { orgId } = await org({ timeZone: 'Australia/Sydney' });
      clock.set(T0);
      const other = await scheduleFor(db, clock, { users });
      try {
        await Promise.all([s.scheduler.planOrg(orgId), other.scheduler.planOrg(orgId), s.scheduler.planAll(), other.scheduler.planAll()]);
      } finally {
        await other.stop();
      }
      expect(await queuedStarts(orgId)).toEqual(['2031-03-10T13:00:00.000Z']); // 00:00 AEDT
    });

    it('a claim left by a process that died before starting the job is taken over when stale', async () => {
      const { orgId } = await org();
      const slot = new Date('2031-03-14T00:00:00Z');
      await db.pool.query(`INSERT INTO backup_slots (org_id, slot_at, decided_at, outcome) VALUES ($1, $2, $2, 'claimed')`, [orgId, slot]);
      clock.set(new Date(slot.getTime() + 60_000));
      expect(await s.scheduler.runBackupSlot(orgId, slot)).toEqual({ outcome: 'dropped', reason: 'already decided' });
      clock.set(new Date(slot.getTime() + 3 * 60_000));
      expect((await s.scheduler.runBackupSlot(orgId, slot)).outcome).toBe('started');
      expect(await s.scheduler.runBackupSlot(orgId, slot)).toEqual({ outcome: 'dropped', reason: 'already decided' });
      expect(await listJobs(db.pool, orgId)).toHaveLength(1);
    });

    it('a start hours late (engine down) is recorded as missed; the next one runs', async () => {
      const { orgId } = await org();
      const slot = new Date('2031-03-13T00:00:00Z');
      clock.set(new Date(slot.getTime() + 3 * HOUR));
      expect(await s.scheduler.runBackupSlot(orgId, slot)).toMatchObject({ outcome: 'skipped', code: 'MISSED' });
      clock.set(new Date(slot.getTime() + 10 * 60_000));
      const soon = await org();
      expect((await s.scheduler.runBackupSlot(soon.orgId, slot)).outcome).toBe('started');
    });
  });

  async function backupNow(orgId: string, now: Date): Promise<{ jobId: string }> {
    await s.subscriptions.assertMayBackUp(orgId, now);
    return backupJobsLauncher(db.pool).start(orgId, { trigger: 'on_demand', now });
  }

  async function queuedStarts(orgId: string): Promise<string[]> {
    const { rows } = await db.pool.query<{ start_after: Date }>(
      `SELECT start_after FROM ${bossSchemaFor(db.schema)}.job WHERE name = 'orgvault-backup-slot' AND data->>'orgId' = $1 ORDER BY start_after`,
      [orgId],
    );
    return rows.map((r) => r.start_after.toISOString());
  }
});
