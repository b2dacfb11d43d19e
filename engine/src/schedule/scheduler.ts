import { createHash } from 'node:crypto';
import type { PgBoss } from './boss.js';
import type { Pool } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { OrgVaultError, type ErrorCode } from '../errors.js';
import type { Clock } from './clock.js';
import type { BackupLauncher } from './ports.js';
import { connectedOrgs, loadOrg, type OrgFacts } from '../orgs/facts.js';
import { readBackupSettings, type BackupSettings } from './backup-settings.js';
import { isExpired, maxJobsPerDay, type Subscription, type Subscriptions } from './subscriptions.js';
import { isBackupStart, nextBackupStart, nextRecurringStart, type BackupTimes } from './start-times.js';
import { permissionCheckTimes, readPermissionCheckSettings, type PermissionChecks } from './permission-check/service.js';
import type { AuditAction, AuditRecord, AuditService } from '../audit/index.js';
import { DECIDE_BACKUP_SLOT, RECENT_BACKUP_SLOTS, SETTLE_BACKUP_SLOT } from './sql.js';

export const QUEUES = {
  backupSlot: 'orgvault-backup-slot',
  permissionCheck: 'orgvault-permission-check',
  plan: 'orgvault-schedule-plan',
} as const;

/**
 * A start that passed less than this long ago (engine down, org just connected) still runs; one
 * older than this is recorded as missed rather than run hours late.
 */
export const CATCH_UP_MS = 60 * 60_000;

/** A claim this old with no job is from a process that died mid-way; pg-boss retries the start. */
export const STALE_CLAIM_MS = 2 * 60_000;

/** Reasons a scheduled start is recorded as skipped, not failed: the rules said no. */
const SKIP_CODES = new Set<ErrorCode>([
  'JOB_RUNNING',
  'SUBSCRIPTION_EXPIRED',
  'DAILY_JOB_LIMIT',
  'SEATS_EXCEEDED',
  'FULL_BACKUP_REQUIRED',
  'API_BUDGET_EXHAUSTED',
]);

export interface SlotJob {
  orgId: string;
  slotAt: string;
}

export type SlotOutcome =
  | { outcome: 'started'; jobId: string }
  | { outcome: 'skipped'; code: ErrorCode | 'MISSED'; reason: string }
  | { outcome: 'failed'; code: ErrorCode; reason: string }
  /** Not recorded: the org is gone or disabled, the start belongs to older settings, or another process took it. */
  | { outcome: 'dropped'; reason: string };

export interface BackupSlotRow {
  orgId: string;
  slotAt: Date;
  decidedAt: Date;
  outcome: 'claimed' | 'started' | 'skipped' | 'failed';
  reasonCode: string | null;
  reason: string | null;
  jobId: string | null;
}

export interface SchedulerDeps {
  pool: Pool;
  boss: PgBoss;
  clock: Clock;
  log: Logger;
  subscriptions: Subscriptions;
  launcher: Pick<BackupLauncher, 'start' | 'recordSkipped'>;
  permissionChecks: PermissionChecks;
  /** The trail the schedule's own starts and checks go into (null: none, for tests of the rules alone). */
  audit: AuditService | null;
  /** How often workers look for due jobs (pg-boss polling). */
  pollingIntervalSeconds?: number;
  /** Cron for the planning pass that queues every org's next starts. */
  planCron?: string;
}

/**
 * pg-boss wiring. Each org's next backup start and next permission check sit in the queue as one
 * job each, with an id derived from (org, start): any number of processes may plan the same start
 * and pg-boss keeps one. A planning pass (at start-up, on a cron, and when settings change) queues
 * each org's next starts, so the queue always holds them and they survive restarts. A job that
 * runs claims its start with a row keyed (org, start) before doing anything, which makes a start
 * run once even if pg-boss delivers it twice.
 */
export class Scheduler {
  private readonly deps: Required<SchedulerDeps>;

  constructor(deps: SchedulerDeps) {
    this.deps = { pollingIntervalSeconds: 2, planCron: '*/5 * * * *', ...deps };
  }

  /** Creates the queues (idempotent); enough for a process that only plans. */
  async prepare(): Promise<void> {
    for (const name of Object.values(QUEUES)) await this.deps.boss.createQueue(name);
  }

  /** Queues, workers, the planning cron, and a first planning pass. */
  async start(): Promise<void> {
    const { boss, pollingIntervalSeconds } = this.deps;
    await this.prepare();
    await boss.work<SlotJob>(QUEUES.backupSlot, { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
      if (job) await this.runBackupSlot(job.data.orgId, new Date(job.data.slotAt));
    });
    await boss.work<SlotJob>(QUEUES.permissionCheck, { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
      if (job) await this.runPermissionCheckSlot(job.data.orgId, new Date(job.data.slotAt));
    });
    await boss.work(QUEUES.plan, { pollingIntervalSeconds }, async () => {
      await this.planAll();
    });
    await boss.schedule(QUEUES.plan, this.deps.planCron);
    await this.planAll();
  }

  /** Queues the next starts of every connected org. */
  async planAll(): Promise<void> {
    for (const org of await connectedOrgs(this.deps.pool)) await this.planFor(org);
  }

  /** Queues an org's next starts now (after a settings change or a connect). */
  async planOrg(orgId: string): Promise<void> {
    const org = await loadOrg(this.deps.pool, orgId);
    if (!org.disconnected) await this.planFor(org);
  }

  /** The next scheduled backup start, or null with the reason there is none. */
  async nextBackupAt(
    orgId: string,
    now: Date = this.deps.clock.now(),
  ): Promise<{ nextBackupAt: Date | null; stoppedBecause: string | null }> {
    const org = await loadOrg(this.deps.pool, orgId);
    const { settings, sub } = await this.backupFacts(org);
    if (org.disconnected) return { nextBackupAt: null, stoppedBecause: 'The organization is disconnected.' };
    if (!settings.enabled) return { nextBackupAt: null, stoppedBecause: 'Backups are turned off in the backup settings.' };
    if (isExpired(sub, now)) return { nextBackupAt: null, stoppedBecause: `The subscription expired on ${sub.expiresAt!.toISOString()}.` };
    const next = nextBackupStart(backupTimes(org, settings, sub), maxDate(now, org.connectedAt));
    if (sub.expiresAt && next.getTime() >= sub.expiresAt.getTime()) {
      return { nextBackupAt: null, stoppedBecause: `The subscription expires on ${sub.expiresAt.toISOString()}, before the next start.` };
    }
    return { nextBackupAt: next, stoppedBecause: null };
  }

  /** The latest recorded decisions on scheduled starts, newest first (skips carry their reason). */
  async recentBackupSlots(orgId: string, limit = 50): Promise<BackupSlotRow[]> {
    const { rows } = await this.deps.pool.query<BackupSlotRow>(RECENT_BACKUP_SLOTS, [orgId, limit]);
    return rows;
  }

  /**
   * What a scheduled backup start does when its time comes (the worker's body; tests call it too).
   * A start decided here (started, skipped, failed) is one entry in the org's trail.
   */
  async runBackupSlot(orgId: string, slotAt: Date): Promise<SlotOutcome> {
    const slot = await this.backupSlot(orgId, slotAt);
    if (slot.outcome === 'started') await this.record(orgId, 'backup.run', { outcome: 'succeeded', target: slot.jobId });
    else if (slot.outcome !== 'dropped') {
      const outcome = slot.outcome === 'skipped' ? 'refused' : 'failed';
      await this.record(orgId, 'backup.run', { outcome, code: slot.code, details: { reason: slot.reason } });
    }
    return slot;
  }

  private async backupSlot(orgId: string, slotAt: Date): Promise<SlotOutcome> {
    const { pool, clock, log } = this.deps;
    const now = clock.now();
    let org: OrgFacts;
    try {
      org = await loadOrg(pool, orgId);
    } catch (err) {
      if (OrgVaultError.is(err, 'NOT_FOUND')) return { outcome: 'dropped', reason: 'organization removed' };
      throw err;
    }
    if (org.disconnected) return { outcome: 'dropped', reason: 'organization disconnected' };
    if (org.reconnectNeeded) return this.skipForReconnect(org, slotAt, now);
    const { settings, sub } = await this.backupFacts(org);
    if (!settings.enabled) return { outcome: 'dropped', reason: 'backups turned off' };
    const times = backupTimes(org, settings, sub);
    if (!isBackupStart(times, slotAt)) return { outcome: 'dropped', reason: 'start of older settings' };

    // Hours late (engine down), or a later start has come meanwhile: that one runs instead.
    if (now.getTime() - slotAt.getTime() > CATCH_UP_MS || nextBackupStart(times, slotAt).getTime() <= now.getTime()) {
      const reason = `The engine was not running at ${slotAt.toISOString()}; the next start runs instead.`;
      if (!(await this.decide(orgId, slotAt, now, 'skipped', 'MISSED', reason))) return { outcome: 'dropped', reason: 'already decided' };
      await this.deps.launcher.recordSkipped(orgId, reason, now);
      return { outcome: 'skipped', code: 'MISSED', reason };
    }
    if (!(await this.decide(orgId, slotAt, now, 'claimed', null, null))) return { outcome: 'dropped', reason: 'already decided' };
    try {
      await this.deps.subscriptions.assertMayBackUp(orgId, now);
      const { jobId } = await this.deps.launcher.start(orgId, { trigger: 'scheduled', now });
      await this.update(orgId, slotAt, 'started', null, null, jobId);
      return { outcome: 'started', jobId };
    } catch (err) {
      if (OrgVaultError.is(err) && SKIP_CODES.has(err.code)) {
        await this.update(orgId, slotAt, 'skipped', err.code, err.oneLine(), null);
        await this.deps.launcher.recordSkipped(orgId, err.oneLine(), now);
        return { outcome: 'skipped', code: err.code, reason: err.oneLine() };
      }
      const reason = OrgVaultError.is(err) ? err.oneLine() : 'The backup could not be started (see the engine log).';
      log.error({ err, orgId, slotAt }, 'scheduled backup failed to start');
      const code = OrgVaultError.is(err) ? err.code : 'INTERNAL';
      await this.update(orgId, slotAt, 'failed', code, reason, null);
      return { outcome: 'failed', code, reason };
    }
  }

  /** Salesforce revoked our access: the start is kept as skipped with the reason, not run and not failed. */
  private async skipForReconnect(org: OrgFacts, slotAt: Date, now: Date): Promise<SlotOutcome> {
    const reason = `Reconnect needed: Salesforce refused OrgVault's access to ${org.name} (${org.reconnectReason ?? 'refresh token refused'})`;
    if (!(await this.decide(org.id, slotAt, now, 'skipped', 'RECONNECT_NEEDED', reason)))
      return { outcome: 'dropped', reason: 'already decided' };
    await this.deps.launcher.recordSkipped(org.id, reason, now);
    return { outcome: 'skipped', code: 'RECONNECT_NEEDED', reason };
  }

  /** What a scheduled permission check does when its time comes. */
  async runPermissionCheckSlot(orgId: string, slotAt: Date): Promise<void> {
    const { pool, clock } = this.deps;
    const org = await loadOrg(pool, orgId).catch((err) => {
      if (OrgVaultError.is(err, 'NOT_FOUND')) return null;
      throw err;
    });
    if (!org || org.disconnected) return;
    const settings = await readPermissionCheckSettings(pool, orgId);
    if (!settings.enabled) return;
    const times = permissionCheckTimes(org, settings);
    if (nextRecurringStart(times, new Date(slotAt.getTime() - 1)).getTime() !== slotAt.getTime()) return;
    // A later check has come meanwhile: that one runs instead.
    if (nextRecurringStart(times, slotAt).getTime() <= clock.now().getTime()) return;
    const run = await this.deps.permissionChecks.runScheduled(org, slotAt);
    if (!run) return;
    const outcome = run.report.status === 'succeeded' ? 'succeeded' : 'failed';
    await this.record(orgId, 'permission-check.run', { outcome, target: run.report.id, code: run.code });
  }

  /** The schedule's own action into the org's tenant's trail; a trail that cannot be written is logged, not the action's failure. */
  private async record(orgId: string, action: AuditAction, entry: Pick<AuditRecord, 'outcome' | 'target' | 'code' | 'details'>) {
    if (!this.deps.audit) return;
    try {
      const { tenantId } = await loadOrg(this.deps.pool, orgId);
      await this.deps.audit.recordSystem({ tenantId, orgId, action, ...entry });
    } catch (err) {
      this.deps.log.error({ err, orgId, action }, 'audit entry could not be written');
    }
  }

  private async planFor(org: OrgFacts): Promise<void> {
    const now = this.deps.clock.now();
    const since = new Date(now.getTime() - CATCH_UP_MS);
    const jobs: Array<{ name: string; id: string; data: SlotJob; startAfter: Date }> = [];
    const { settings, sub } = await this.backupFacts(org);
    if (settings.enabled && !isExpired(sub, now)) {
      const slot = nextBackupStart(backupTimes(org, settings, sub), maxDate(since, new Date(org.connectedAt.getTime() - 1)));
      jobs.push(slotJob(QUEUES.backupSlot, org.id, slot));
    }
    const checks = await readPermissionCheckSettings(this.deps.pool, org.id);
    if (checks.enabled) jobs.push(slotJob(QUEUES.permissionCheck, org.id, nextRecurringStart(permissionCheckTimes(org, checks), since)));
    // Ids are derived from (queue, org, start): a start queued before is not queued again.
    if (jobs.length > 0)
      await this.deps.boss.insert(
        jobs.map((j) => ({ ...j, retryLimit: 2, retryDelay: STALE_CLAIM_MS / 1000 + 30, expireInSeconds: 3600 })),
      );
  }

  private async backupFacts(org: OrgFacts): Promise<{ settings: BackupSettings; sub: Subscription }> {
    return { settings: await readBackupSettings(this.deps.pool, org.id), sub: await this.deps.subscriptions.get(org.tenantId) };
  }

  /**
   * Records a decision unless one exists; false when another process decided first. A claim left
   * behind by a process that died before starting the job is taken over once it is stale.
   */
  private async decide(
    orgId: string,
    slotAt: Date,
    now: Date,
    outcome: 'claimed' | 'skipped',
    code: string | null,
    reason: string | null,
  ): Promise<boolean> {
    const { rowCount } = await this.deps.pool.query(DECIDE_BACKUP_SLOT, [
      orgId,
      slotAt,
      now,
      outcome,
      code,
      reason,
      new Date(now.getTime() - STALE_CLAIM_MS),
    ]);
    return rowCount === 1;
  }

  private async update(
    orgId: string,
    slotAt: Date,
    outcome: BackupSlotRow['outcome'],
    code: string | null,
    reason: string | null,
    jobId: string | null,
  ) {
    await this.deps.pool.query(SETTLE_BACKUP_SLOT, [orgId, slotAt, outcome, code, reason, jobId]);
  }
}

/** The subscription caps the settings' frequency, so a downgrade spreads fewer starts evenly. */
export function backupTimes(org: OrgFacts, settings: BackupSettings, sub: Subscription): BackupTimes {
  return { zone: org.timeZone, jobsPerDay: Math.min(settings.jobsPerDay, maxJobsPerDay(sub)), startTime: settings.startTime };
}

function slotJob(name: string, orgId: string, slot: Date): { name: string; id: string; data: SlotJob; startAfter: Date } {
  return { name, id: uuidFrom(`${name}:${orgId}:${slot.toISOString()}`), data: { orgId, slotAt: slot.toISOString() }, startAfter: slot };
}

/** A UUID (version 5 layout) derived from a key, so every process names a start the same way. */
export function uuidFrom(key: string): string {
  const h = createHash('sha1').update(key).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
