import { z } from 'zod';
import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import type { BackupLauncher, OrgUserCounter } from './ports.js';
import type { Clock } from './clock.js';
import { loadOrg } from '../orgs/facts.js';
import { parseBody } from './validation.js';
import { GET_SUBSCRIPTION, LIST_SUBSCRIPTION_TYPES, PUT_SUBSCRIPTION } from './sql.js';

/** With subscription limits on, a tenant without a subscription row has this type, no expiry and no seat limit. */
export const DEFAULT_SUBSCRIPTION_TYPE = 'essentials';

/** The most backup starts a day the schedule spreads (one every 15 minutes), whatever the subscription. */
export const MAX_JOBS_PER_DAY = 96;

const DAY_MS = 86_400_000;

export interface SubscriptionType {
  code: string;
  name: string;
  dailyJobLimit: number;
}

export interface Subscription {
  tenantId: string;
  type: string;
  typeName: string;
  /** Backup jobs an org may run in any 24 hours; null = not limited. */
  dailyJobLimit: number | null;
  expiresAt: Date | null;
  /** Purchased seats; null = not limited. */
  seats: number | null;
}

export const subscriptionInput = z
  .object({
    type: z.string().min(1).max(64),
    expiresAt: z.coerce.date().nullable().default(null),
    seats: z.number().int().min(0).nullable().default(null),
  })
  .strict();

export type SubscriptionInput = z.input<typeof subscriptionInput>;

export interface SubscriptionDeps {
  launcher: Pick<BackupLauncher, 'countJobsSince'>;
  users: OrgUserCounter;
  clock: Clock;
  /**
   * Whether a tenant without a subscription gets the default type's limits (an operator hosting
   * OrgVault for others). Off (self-hosted), it has no job limit, no seat limit and no expiry.
   */
  limits: boolean;
}

/**
 * Subscription rules. assertMayBackUp is the one guard both the API ("Back up now") and the
 * scheduler call before a backup starts; restore, compare and export never call it, so they keep
 * working whatever the subscription's state.
 */
export class Subscriptions {
  constructor(
    private readonly pool: Pool,
    private readonly deps: SubscriptionDeps,
  ) {}

  async listTypes(): Promise<SubscriptionType[]> {
    const { rows } = await this.pool.query<SubscriptionType>(LIST_SUBSCRIPTION_TYPES);
    return rows;
  }

  async get(tenantId: string): Promise<Subscription> {
    const { rows } = await this.pool.query<Subscription & { subscribed: boolean }>(GET_SUBSCRIPTION, [tenantId, DEFAULT_SUBSCRIPTION_TYPE]);
    if (!rows[0]) throw new OrgVaultError('INTERNAL', `Subscription type ${DEFAULT_SUBSCRIPTION_TYPE} is missing from subscription_types`);
    const { subscribed, ...sub } = rows[0];
    return subscribed || this.deps.limits ? sub : selfHosted(tenantId);
  }

  /** The subscription with whether it has expired now. */
  async status(tenantId: string, now: Date = this.deps.clock.now()): Promise<Subscription & { expired: boolean }> {
    const sub = await this.get(tenantId);
    return { ...sub, expired: isExpired(sub, now) };
  }

  async put(tenantId: string, input: unknown): Promise<Subscription> {
    const sub = parseBody(subscriptionInput, input);
    const types = await this.listTypes();
    if (!types.some((t) => t.code === sub.type)) {
      throw new OrgVaultError('VALIDATION_FAILED', `Unknown subscription type ${sub.type}`, {
        actions: [`Use one of: ${types.map((t) => t.code).join(', ')}.`],
      });
    }
    await this.pool.query(PUT_SUBSCRIPTION, [tenantId, sub.type, sub.expiresAt, sub.seats]);
    return this.get(tenantId);
  }

  async assertMayBackUp(orgId: string, now: Date = this.deps.clock.now()): Promise<void> {
    const org = await loadOrg(this.pool, orgId);
    const sub = await this.get(org.tenantId);
    assertNotExpired(sub, now);
    const used = sub.dailyJobLimit === null ? 0 : await this.deps.launcher.countJobsSince(orgId, new Date(now.getTime() - DAY_MS));
    if (sub.dailyJobLimit !== null && used >= sub.dailyJobLimit) {
      throw new OrgVaultError(
        'DAILY_JOB_LIMIT',
        `${used} backup jobs ran in the last 24 hours; the subscription allows ${sub.dailyJobLimit}`,
        {
          actions: [
            'Wait until the oldest of them is 24 hours old (skipped and failed jobs do not count).',
            'Or move to a subscription type with a higher daily job limit.',
          ],
          details: { limit: sub.dailyJobLimit, used },
        },
      );
    }
    if (!org.isSandbox && sub.seats !== null) {
      const active = await this.deps.users.countActiveLicensedUsers(orgId);
      if (active > sub.seats) {
        throw new OrgVaultError(
          'SEATS_EXCEEDED',
          `The org has ${active} active licensed users; the subscription covers ${sub.seats} seats`,
          {
            actions: [
              `Deactivate ${active - sub.seats} user(s) in the org, or buy more seats; backups resume at the next start.`,
              'Restore and compare keep working meanwhile.',
            ],
            details: { activeUsers: active, seats: sub.seats },
          },
        );
      }
    }
  }
}

/** A self-hosted tenant without a subscription. */
const selfHosted = (tenantId: string): Subscription => ({
  tenantId,
  type: 'none',
  typeName: 'None (self-hosted: no limits)',
  dailyJobLimit: null,
  expiresAt: null,
  seats: null,
});

/** How many starts a day the schedule may spread for this subscription. */
export const maxJobsPerDay = (sub: Subscription): number => sub.dailyJobLimit ?? MAX_JOBS_PER_DAY;

export function isExpired(sub: Subscription, now: Date): boolean {
  return sub.expiresAt !== null && sub.expiresAt.getTime() <= now.getTime();
}

export function assertNotExpired(sub: Subscription, now: Date): void {
  if (!isExpired(sub, now)) return;
  throw new OrgVaultError('SUBSCRIPTION_EXPIRED', `The subscription expired on ${sub.expiresAt!.toISOString()}`, {
    actions: ['Renew the subscription to resume scheduled and on-demand backups.', 'Restore, compare and export keep working meanwhile.'],
    details: { expiresAt: sub.expiresAt!.toISOString() },
  });
}
