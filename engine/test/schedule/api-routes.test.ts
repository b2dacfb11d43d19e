import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from '../api/harness.js';
import { ScopeDouble } from '../api/doubles.js';
import type { Org } from '../../src/orgs/registry.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import { scheduleApiServices } from '../../src/api/adapters/schedule.js';
import { FakeClock, dropBossSchema, fixedReader, scheduleFor } from './support.js';

// The API's settings and permission-check routes over the real schedule services.
describe('schedule services behind the API routes', () => {
  let api: TestApi;
  let s: ScheduleServices;
  let key: string;
  let tenantId: string;
  let org: Org;
  const clock = new FakeClock(new Date('2031-07-01T10:00:00Z')); // 12:00 in Paris

  beforeAll(async () => {
    api = await startTestApi({ scope: new ScopeDouble() });
    s = await scheduleFor(api.db, clock, {
      permissions: fixedReader({
        user: { id: '005000000000001AAA', username: 'integration@acme.example' },
        objects: [{ name: 'Account', read: true }],
        fields: [{ object: 'Account', field: 'Industry', read: false }],
        userPermissions: { ApiEnabled: true, ViewAllData: false },
      }),
    });
    Object.assign(api.services, scheduleApiServices(s));
    ({ tenantId, key } = await api.newTenant('acme'));
    org = await api.addOrg(tenantId, '00D000000000001');
    await api.db.pool.query(`UPDATE orgs SET connected_at = '2031-06-15T08:00:00Z' WHERE id = $1`, [org.id]);
  });
  afterAll(async () => {
    await s.stop();
    await dropBossSchema(api.db);
    await api.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    api.call(method, `/orgs/${org.id}${path}`, { key, roles: ['administrator'], user: 'ada', ...(body === undefined ? {} : { body }) });

  it('backup settings: defaults with the subscription limit and the next start; the limit is enforced', async () => {
    const got = await admin('GET', '/backup-settings');
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      enabled: true,
      includeFeedAndShare: false,
      excludedObjects: [],
      excludedFields: [],
      jobsPerDay: 1,
      startTime: null,
      maxJobsPerDay: 1,
      nextBackupAt: '2031-07-01T22:00:00.000Z', // next 00:00 in Paris (CEST)
    });
    const settings = {
      enabled: true,
      includeFeedAndShare: false,
      excludedObjects: ['Case'],
      excludedFields: [],
      jobsPerDay: 4,
      startTime: '06:00',
    };
    const over = await admin('PUT', '/backup-settings', settings);
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });

    await s.subscriptions.put(tenantId, { type: 'professional' });
    const put = await admin('PUT', '/backup-settings', settings);
    expect(put.status).toBe(200);
    // 06:00, 12:00, 18:00, 00:00 in Paris: 12:00 has just passed, next is 18:00 CEST.
    expect(put.body).toMatchObject({ jobsPerDay: 4, startTime: '06:00', maxJobsPerDay: 4, nextBackupAt: '2031-07-01T16:00:00.000Z' });
  });

  it('permission check: settings in days/weeks/months, run now, latest report', async () => {
    const got = await admin('GET', '/permission-check/settings');
    expect(got.body).toEqual({
      enabled: true,
      startAt: '2031-06-15T08:00:00.000Z',
      intervalUnit: 'month',
      intervalCount: 1,
      nextRunAt: '2031-07-15T08:00:00.000Z',
    });
    const put = await admin('PUT', '/permission-check/settings', {
      enabled: true,
      startAt: '2031-07-02T05:00:00Z',
      intervalUnit: 'week',
      intervalCount: 2,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ intervalUnit: 'week', intervalCount: 2, nextRunAt: '2031-07-02T05:00:00.000Z' });

    expect((await admin('GET', '/permission-check/report')).status).toBe(404);
    const run = await admin('POST', '/permission-check/runs', {});
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ status: 'succeeded' });
    const report = await admin('GET', '/permission-check/report');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      orgId: org.id,
      fieldPermissions: [{ object: 'Account', field: 'Industry', read: false }],
      objectPermissions: [{ object: 'Account', read: true }],
    });
    const userPermissions = (report.body as { userPermissions: Array<{ name: string; granted: boolean }> }).userPermissions;
    expect(userPermissions.find((p) => p.name === 'ViewAllData')).toMatchObject({ granted: false });
  });
});
