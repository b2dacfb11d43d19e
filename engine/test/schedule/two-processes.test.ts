import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { bossSchemaFor } from '../../src/schedule/boss.js';
import { QUEUES } from '../../src/schedule/scheduler.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import { FakeClock, dropBossSchema, eventually, scheduleFor } from './support.js';

// Two engine processes = two pg-boss instances (own pools, own workers) on one database. The fake
// clock sits in the real past, so every start they plan is due at once in pg-boss.
const T0 = new Date('2026-01-10T12:00:00.000Z');
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'Asia/Kathmandu'];

describe('two engine processes sharing one database', () => {
  let db: TestDb;
  const clock = new FakeClock(T0);
  const processes: ScheduleServices[] = [];
  const orgIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    for (let i = 0; i < 12; i++) {
      const { orgId } = await insertTenantAndOrg(db.pool, { timeZone: ZONES[i % ZONES.length] });
      await db.pool.query(`UPDATE orgs SET connected_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [orgId]);
      orgIds.push(orgId);
    }
  });
  afterAll(async () => {
    for (const p of processes) await p.stop();
    await dropBossSchema(db);
    await db.drop();
  });

  const slotRows = async (): Promise<Array<{ org_id: string; slot_at: Date; outcome: string }>> =>
    (await db.pool.query('SELECT org_id, slot_at, outcome FROM backup_slots ORDER BY org_id')).rows;

  it('starts planned by a process that then stops are kept in the queue and run by the next process', async () => {
    const planner = await scheduleFor(db, clock);
    await planner.scheduler.planAll();
    await planner.stop();
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM ${bossSchemaFor(db.schema)}.job WHERE name = $1 AND state = 'created'`,
      [QUEUES.backupSlot],
    );
    expect(rows[0].n).toBe(orgIds.length);
    expect(await slotRows()).toEqual([]);

    for (let i = 0; i < 2; i++) {
      const p = await scheduleFor(db, clock);
      processes.push(p);
    }
    await Promise.all(processes.map((p) => p.start()));
    await eventually(async () => (await slotRows()).filter((r) => r.outcome === 'started').length === orgIds.length, 'every org started');
  });

  it('each start ran exactly once across both processes: one decision and one job per org', async () => {
    const rows = await slotRows();
    expect(rows.map((r) => r.org_id).sort()).toEqual([...orgIds].sort());
    const jobs = await db.pool.query<{ org_id: string; n: number }>(
      `SELECT org_id, count(*)::int AS n FROM backup_jobs WHERE trigger = 'scheduled' GROUP BY org_id`,
    );
    expect(jobs.rows).toHaveLength(orgIds.length);
    expect(jobs.rows.every((r) => r.n === 1)).toBe(true);
    // Both processes planned every org at start-up; the queue still holds one job per start.
    const queued = await db.pool.query(
      `SELECT data->>'orgId' AS org, data->>'slotAt' AS slot, count(*)::int AS n FROM ${bossSchemaFor(db.schema)}.job
        WHERE name = $1 GROUP BY 1, 2`,
      [QUEUES.backupSlot],
    );
    expect(queued.rows.every((r) => r.n === 1)).toBe(true);
  });

  it('the same start handed to both processes at once is decided by one of them', async () => {
    const orgId = orgIds[0]!;
    await db.pool.query(`UPDATE backup_jobs SET status = 'succeeded', finished_at = now() WHERE org_id = $1`, [orgId]);
    await db.pool.query(`INSERT INTO subscriptions (tenant_id, type) SELECT tenant_id, 'enterprise' FROM orgs WHERE id = $1`, [orgId]);
    const slot = new Date('2026-01-12T00:00:00Z'); // the start after the one that ran (org 0 is in UTC)
    const outcomes = await Promise.all(
      processes.flatMap((p) => [p.scheduler.runBackupSlot(orgId, slot), p.scheduler.runBackupSlot(orgId, slot)]),
    );
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'dropped')).toHaveLength(3);
  });
});
