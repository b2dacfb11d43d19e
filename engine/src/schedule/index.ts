import type { Pool } from '../infra/db.js';
import type { Job } from '../backup/jobs.js';
import type { Logger } from '../infra/logger.js';
import { systemClock, type Clock } from './clock.js';
import type { BackupLauncher, OrgUserCounter, PermissionReader } from './ports.js';
import { startBoss, stopBoss, type PgBoss } from './boss.js';
import { Subscriptions } from './subscriptions.js';
import { BackupSettingsService } from './backup-settings.js';
import { AdminEmails } from './admin-emails.js';
import { PermissionChecks } from './permission-check/service.js';
import { createSmtpMailer, type Mailer } from './permission-check/mail.js';
import { Scheduler } from './scheduler.js';
import { backupJobsLauncher } from './backup-jobs.js';
import { reconnectNeededMail } from './reconnect-mail.js';
import type { Org } from '../orgs/registry.js';
import type { AuditService } from '../audit/index.js';

export interface ScheduleOptions {
  pool: Pool;
  databaseUrl: string;
  /** OrgVault's schema; pg-boss uses `<schema>_boss`. */
  databaseSchema: string;
  log: Logger;
  smtpUrl?: string;
  mailFrom: string;
  /** Told of each job a scheduled start opened (e.g. to wake this process's backup worker). */
  wakeWorker?: (job: Job) => Promise<void>;
  /** Where the schedule records its own backup starts and permission checks (actor "schedule"). */
  audit?: AuditService;
  /** Replaces the default launcher over backup/jobs. */
  launcher?: BackupLauncher;
  users: OrgUserCounter;
  permissions: PermissionReader;
  /** Subscription types, limits and seats apply (an operator hosting OrgVault for others); off, none do. */
  subscriptionLimits: boolean;
  clock?: Clock;
  /** Overrides the SMTP mailer (tests). */
  mailer?: Mailer | null;
  pollingIntervalSeconds?: number;
}

export interface ScheduleServices {
  subscriptions: Subscriptions;
  backupSettings: BackupSettingsService;
  permissionChecks: PermissionChecks;
  adminEmails: AdminEmails;
  scheduler: Scheduler;
  /** Tells the tenant's administrators, once, that an org must be reconnected. */
  reconnectNeeded: (org: Org) => Promise<void>;
  clock: Clock;
  boss: PgBoss;
  /** Workers, the planning cron and a first planning pass. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the schedule's services over one pg-boss instance; `start()` makes this process a worker. */
export async function createSchedule(options: ScheduleOptions): Promise<ScheduleServices> {
  const { pool, log } = options;
  const clock = options.clock ?? systemClock;
  const launcher = options.launcher ?? backupJobsLauncher(pool, options.wakeWorker);
  const boss = await startBoss(options.databaseUrl, options.databaseSchema, log);
  const subscriptions = new Subscriptions(pool, { launcher, users: options.users, clock, limits: options.subscriptionLimits });
  const adminEmails = new AdminEmails(pool);
  const mailer = options.mailer !== undefined ? options.mailer : createSmtpMailer(options.smtpUrl, options.mailFrom);
  // The scheduler is created last but settings services need to reach it: plan through a closure.
  const plan = async (orgId: string): Promise<void> => scheduler.planOrg(orgId);
  const permissionChecks = new PermissionChecks(pool, {
    reader: options.permissions,
    admins: adminEmails,
    mailer,
    clock,
    log,
    onChange: plan,
  });
  const backupSettings = new BackupSettingsService(pool, subscriptions, plan);
  const scheduler = new Scheduler({
    pool,
    boss,
    clock,
    log,
    subscriptions,
    launcher,
    permissionChecks,
    audit: options.audit ?? null,
    ...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
  });
  await scheduler.prepare();
  return {
    subscriptions,
    backupSettings,
    permissionChecks,
    adminEmails,
    scheduler,
    reconnectNeeded: reconnectNeededMail(adminEmails, mailer, log),
    clock,
    boss,
    start: () => scheduler.start(),
    stop: () => stopBoss(boss),
  };
}
