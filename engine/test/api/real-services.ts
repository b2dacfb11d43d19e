import type { TestApi } from './harness.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import { scheduleApiServices } from '../../src/api/adapters/schedule.js';
import { FakeClock, dropBossSchema, fixedReader, scheduleFor } from '../schedule/support.js';

/**
 * Puts the real schedule services (settings, permission checks, subscription rules) behind the
 * API of a test, with the integration user's access fixed. Returns what to stop afterwards.
 */
export async function attachSchedule(api: TestApi): Promise<{ schedule: ScheduleServices; stop(): Promise<void> }> {
  const schedule = await scheduleFor(api.db, new FakeClock(new Date()), {
    permissions: fixedReader({
      user: { id: '005000000000001AAA', username: 'integration@example.com' },
      objects: [{ name: 'Account', read: true }],
      fields: [{ object: 'Account', field: 'AnnualRevenue', read: false }],
      userPermissions: { ApiEnabled: true, ViewAllData: true },
    }),
  });
  Object.assign(api.services, scheduleApiServices(schedule));
  return {
    schedule,
    stop: async () => {
      await schedule.stop();
      await dropBossSchema(api.db);
    },
  };
}
