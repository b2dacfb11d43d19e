import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { seedJobs } from '../../../test/support/monitor-seed.js';
import { BackupMonitor, CHART_OBJECTS, OTHER_OBJECTS, sampleCoverage } from '../../src/backup/monitor.js';
import { BackupJobs } from '../../src/backup/service.js';
import type { Org } from '../../src/orgs/registry.js';

const day = (d: string, hour = 2) => new Date(`${d}T${String(hour).padStart(2, '0')}:00:00Z`);
const HOUR = 3600_000;

describe('backup monitor: job figures, daily series, protection status', () => {
  let db: TestDb;
  let monitor: BackupMonitor;
  beforeAll(async () => {
    db = await createTestDb();
    monitor = new BackupMonitor(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  const orgOf = (orgId: string, tenantId: string) => ({ id: orgId, tenantId }) as Org;

  it('gives each job and object its totals so far, changes, cost and failures', async () => {
    const { orgId, tenantId } = await insertTenantAndOrg(db.pool);
    const [, second] = await seedJobs(db.pool, orgId, [
      {
        at: day('2026-11-01'),
        durationMs: 120_000,
        apiLimit: 15_000,
        passes: [
          { object: 'Account', inserted: 100, bytes: 5000, apiCalls: 4, files: 0 },
          { object: 'ContentVersion', inserted: 10, bytes: 900, files: 10, apiCalls: 12 },
        ],
      },
      {
        at: day('2026-11-02'),
        durationMs: 30_000,
        status: 'partial',
        apiLimit: 15_000,
        passes: [
          { object: 'Account', inserted: 5, updated: 7, removed: 2, bytes: 300, apiCalls: 3 },
          { object: 'ContentVersion', failed: 'INVALID_FIELD: no such column', apiCalls: 1 },
        ],
      },
    ]);
    const jobs = new BackupJobs(db.pool, {});
    const view = await jobs.get(orgOf(orgId, tenantId), second!);
    expect(view.figures).toEqual({
      recordsProtected: 113,
      filesProtected: 10,
      inserted: 5,
      updated: 7,
      deleted: 2,
      bytesStored: 6200,
      bytesAdded: 300,
      durationMs: 30_000,
      apiCalls: 4,
      apiLimit: 15_000,
      apiShare: 0.03,
      failedObjects: [{ object: 'ContentVersion', error: 'INVALID_FIELD: no such column' }],
    });
    const account = view.objects.find((o) => o.object === 'Account')!;
    expect(account.figures).toMatchObject({ recordsProtected: 103, inserted: 5, updated: 7, deleted: 2, bytesStored: 5300, apiCalls: 3 });
    const cv = view.objects.find((o) => o.object === 'ContentVersion')!;
    expect(cv.figures).toMatchObject({ recordsProtected: 10, filesProtected: 10, inserted: 0 });
  });

  it('series: one point per day, totals carried over days without jobs and from before the window', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    await seedJobs(db.pool, orgId, [
      { at: day('2026-10-20'), passes: [{ object: 'Account', inserted: 50, bytes: 1000 }] },
      { at: day('2026-11-01'), apiLimit: 1000, passes: [{ object: 'Account', inserted: 3, removed: 1, apiCalls: 20, bytes: 10 }] },
      { at: day('2026-11-01', 14), apiLimit: 1000, durationMs: 5000, passes: [{ object: 'Contact', updated: 4, apiCalls: 5 }] },
      { at: day('2026-11-03'), status: 'failed', passes: [{ object: 'Account', failed: 'boom' }] },
    ]);
    const s = await monitor.series(orgId, { to: day('2026-11-03'), days: 4 });
    expect(s.from).toBe('2026-10-31');
    expect(s.to).toBe('2026-11-03');
    expect(s.jobs).toBe(3);
    expect(s.days.map((d) => [d.day, d.jobs, d.failedJobs, d.recordsProtected, d.apiCalls, d.apiLimit, d.bytesStored])).toEqual([
      ['2026-10-31', 0, 0, 50, 0, null, 1000],
      ['2026-11-01', 2, 0, 52, 25, 1000, 1010],
      ['2026-11-02', 0, 0, 52, 0, null, 1010],
      ['2026-11-03', 1, 1, 52, 0, null, 1010],
    ]);
    expect(s.days[1]).toMatchObject({ inserted: 3, updated: 4, deleted: 1, durationMs: 60_000 });
    // As many changes each (4): by name.
    expect(s.changesByObject).toEqual([
      { object: 'Account', inserted: [0, 3, 0, 0], updated: [0, 0, 0, 0], deleted: [0, 1, 0, 0] },
      { object: 'Contact', inserted: [0, 0, 0, 0], updated: [0, 4, 0, 0], deleted: [0, 0, 0, 0] },
    ]);
  });

  it('a window without jobs is an empty series, not an error; windows are bounded', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const s = await monitor.series(orgId, { to: day('2026-11-03'), days: 7 });
    expect(s.jobs).toBe(0);
    expect(s.days).toHaveLength(7);
    expect(s.days.every((d) => d.recordsProtected === 0 && d.durationMs === null)).toBe(true);
    expect(s.changesByObject).toEqual([]);
    await expect(monitor.series(orgId, { to: day('2026-11-03'), days: 400 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('stacks the objects with the most changes and sums the rest', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const passes = Array.from({ length: CHART_OBJECTS + 3 }, (_, i) => ({ object: `Obj${String(i).padStart(2, '0')}__c`, updated: i + 1 }));
    await seedJobs(db.pool, orgId, [{ at: day('2026-11-02'), passes }]);
    const s = await monitor.series(orgId, { to: day('2026-11-02'), days: 1 });
    expect(s.changesByObject).toHaveLength(CHART_OBJECTS);
    expect(s.changesByObject[0]).toMatchObject({ object: 'Obj10__c', updated: [11] });
    const other = s.changesByObject.at(-1)!;
    expect(other.object).toBe(OTHER_OBJECTS);
    // The four smallest: 1 + 2 + 3 + 4.
    expect(other.updated).toEqual([10]);
  });

  it('ranks objects by their changes within the window, also when an earlier day is rolled up late', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const many = (prefix: string, updated: number) =>
      Array.from({ length: CHART_OBJECTS }, (_, i) => ({ object: `${prefix}${i}__c`, updated: updated + i }));
    // Day 3 first, then days 1 and 2: the running totals of day 3 must still count what came before.
    await seedJobs(db.pool, orgId, [{ at: day('2026-11-03'), passes: [{ object: 'Big__c', updated: 1 }, ...many('Small', 3)] }]);
    await seedJobs(db.pool, orgId, [
      { at: day('2026-11-01'), passes: [{ object: 'Big__c', inserted: 1000 }] },
      { at: day('2026-11-02'), passes: [{ object: 'Big__c', updated: 1 }] },
    ]);
    const window = await monitor.series(orgId, { to: day('2026-11-03'), days: 2 });
    // In the window Big__c changed twice: fewer than any Small object (3 to 10 each).
    expect(window.changesByObject.map((o) => o.object)).toEqual([
      'Small7__c',
      'Small6__c',
      'Small5__c',
      'Small4__c',
      'Small3__c',
      'Small2__c',
      'Small1__c',
      OTHER_OBJECTS,
    ]);
    const other = window.changesByObject.at(-1)!;
    // Big__c's change of each day, and Small0__c's 3.
    expect(other.updated).toEqual([1, 1 + 3]);
    const all = await monitor.series(orgId, { to: day('2026-11-03'), days: 3 });
    expect(all.changesByObject[0]).toMatchObject({ object: 'Big__c', inserted: [1000, 0, 0], updated: [0, 1, 1] });
  });

  it('bytes stored and added count files (blobs) as well as record packs', async () => {
    const { orgId, tenantId } = await insertTenantAndOrg(db.pool);
    const [, second] = await seedJobs(db.pool, orgId, [
      { at: day('2026-11-01'), passes: [{ object: 'ContentVersion', inserted: 2, bytes: 100, files: 2, fileBytes: 5000 }] },
      { at: day('2026-11-02'), passes: [{ object: 'ContentVersion', inserted: 1, bytes: 50, files: 1, fileBytes: 700 }] },
    ]);
    const view = await new BackupJobs(db.pool, {}).get(orgOf(orgId, tenantId), second!);
    expect(view.figures).toMatchObject({ bytesStored: 5850, bytesAdded: 750 });
    expect(view.objects[0]!.figures).toMatchObject({ bytesStored: 5850, bytesAdded: 750 });
    const s = await monitor.series(orgId, { to: day('2026-11-02'), days: 2 });
    expect(s.days.map((d) => [d.bytesAdded, d.bytesStored])).toEqual([
      [5100, 5100],
      [750, 5850],
    ]);
    expect(
      (await monitor.status(orgId, { status: 'succeeded' }, { continuous: false, everyMs: null, continuousUntil: null })).bytesStored,
    ).toBe(5850);
  });

  it('rpo: with continuous protection, the newest point’s age every 15 minutes of the last day, from backups and coverage', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const now = new Date('2026-11-02T12:07:00Z');
    const at = (t: string) => new Date(`2026-11-${t}:00Z`);
    await seedJobs(db.pool, orgId, [{ at: at('01T10:00'), durationMs: HOUR, passes: [{ object: 'Account', inserted: 1 }] }]);
    // Keepalives found the stream caught up at these times; then it stopped.
    for (const t of ['02T05:58', '02T06:03']) await sampleCoverage(db.pool, orgId, at(t));
    expect((await monitor.series(orgId, { to: now, days: 1 }, false, now)).rpo).toBeNull();
    const rpo = (await monitor.series(orgId, { to: now, days: 1 }, true, now)).rpo!;
    expect(rpo).toHaveLength(96);
    const ageAt = (t: string) => rpo.find((p) => p.at.getTime() === at(t).getTime())?.ageMs;
    // The backup that finished at 11:00 the day before, until the stream's coverage.
    expect([ageAt('01T12:15'), ageAt('02T05:45')]).toEqual([HOUR + 15 * 60_000, 18 * HOUR + 45 * 60_000]);
    expect([ageAt('02T06:00'), ageAt('02T06:15'), ageAt('02T12:00')]).toEqual([2 * 60_000, 12 * 60_000, 5 * HOUR + 57 * 60_000]);
  });

  it('status: never backed up, then protected, then warnings for partial, failed and stale', async () => {
    const { orgId } = await insertTenantAndOrg(db.pool);
    const none = { continuous: false, everyMs: 24 * HOUR, continuousUntil: null };
    expect(await monitor.status(orgId, null, none)).toMatchObject({ neverBackedUp: true, newestPointAt: null, warning: null });

    await seedJobs(db.pool, orgId, [{ at: day('2026-11-01'), durationMs: HOUR, passes: [{ object: 'Account', inserted: 9, files: 2 }] }]);
    const finished = new Date(day('2026-11-01').getTime() + HOUR);
    const fresh = await monitor.status(orgId, { status: 'succeeded' }, none, new Date(finished.getTime() + 2 * HOUR));
    expect(fresh).toEqual({
      neverBackedUp: false,
      recordsProtected: 9,
      filesProtected: 2,
      bytesStored: 0,
      newestPointAt: finished,
      newestPointAgeMs: 2 * HOUR,
      warning: null,
    });
    const late = new Date(finished.getTime() + 26 * HOUR);
    expect((await monitor.status(orgId, { status: 'succeeded' }, none, late)).warning?.reason).toBe('stale');
    expect(
      (await monitor.status(orgId, { status: 'succeeded' }, { continuous: false, everyMs: null, continuousUntil: null }, late)).warning,
    ).toBeNull();
    // Continuous protection's coverage is a newer restorable point than the last backup.
    const cdp = { continuous: true, everyMs: 24 * HOUR, continuousUntil: new Date(late.getTime() - 60_000) };
    expect(await monitor.status(orgId, { status: 'succeeded' }, cdp, late)).toMatchObject({ newestPointAgeMs: 60_000, warning: null });
    expect((await monitor.status(orgId, { status: 'partial' }, none, late)).warning?.reason).toBe('partial');
    expect((await monitor.status(orgId, { status: 'failed' }, none, late)).warning?.reason).toBe('failed');
  });
});
