import { createLogger } from '../../src/infra/logger.js';
import type { Clock } from '../../src/schedule/clock.js';
import type { OrgUserCounter, PermissionReader, PermissionSnapshot } from '../../src/schedule/ports.js';
import { createSchedule, type ScheduleServices } from '../../src/schedule/index.js';
import type { Mailer } from '../../src/schedule/permission-check/mail.js';
import { bossSchemaFor } from '../../src/schedule/boss.js';
import type { TestDb } from '../../../test/support/db.js';
import type { AuditService } from '../../src/audit/index.js';

export const silentLog = createLogger('silent');

export class FakeClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string | Date): void {
    this.current = new Date(iso);
  }
}

/** Active licensed users per org, as the salesforce layer would count them; records who was asked. */
export class FakeUsers implements OrgUserCounter {
  readonly counts = new Map<string, number>();
  readonly asked: string[] = [];
  async countActiveLicensedUsers(orgId: string): Promise<number> {
    this.asked.push(orgId);
    return this.counts.get(orgId) ?? 1;
  }
}

export const fullAccessSnapshot: PermissionSnapshot = {
  user: { id: '005000000000001AAA', username: 'integration@example.com' },
  objects: [],
  fields: [],
  userPermissions: {},
};

export function fixedReader(snapshot: PermissionSnapshot = fullAccessSnapshot): PermissionReader {
  return { readIntegrationUserPermissions: async () => snapshot };
}

export async function scheduleFor(
  db: TestDb,
  clock: Clock,
  overrides: {
    users?: OrgUserCounter;
    permissions?: PermissionReader;
    mailer?: Mailer | null;
    audit?: AuditService;
    subscriptionLimits?: boolean;
  } = {},
): Promise<ScheduleServices> {
  return createSchedule({
    pool: db.pool,
    databaseUrl: db.url,
    databaseSchema: db.schema,
    log: silentLog,
    mailFrom: 'OrgVault <orgvault@test.local>',
    users: overrides.users ?? new FakeUsers(),
    permissions: overrides.permissions ?? fixedReader(),
    clock,
    mailer: overrides.mailer ?? null,
    pollingIntervalSeconds: 0.5,
    ...(overrides.audit ? { audit: overrides.audit } : {}),
    // These suites test the subscription rules, which apply once an operator switches limits on.
    subscriptionLimits: overrides.subscriptionLimits ?? true,
  });
}

export async function dropBossSchema(db: TestDb): Promise<void> {
  await db.pool.query(`DROP SCHEMA IF EXISTS ${bossSchemaFor(db.schema)} CASCADE`);
}

/** Polls until `check` holds (the work happens in pg-boss workers); fails after `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
