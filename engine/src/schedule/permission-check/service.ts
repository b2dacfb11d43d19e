import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Pool } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import { OrgVaultError, type ErrorCode } from '../../errors.js';
import type { Clock } from '../clock.js';
import type { PermissionReader } from '../ports.js';
import { loadOrg, type OrgFacts } from '../../orgs/facts.js';
import { parseBody } from '../validation.js';
import { nextRecurringStart, parseInterval, type RecurringTimes } from '../start-times.js';
import type { AdminEmails } from '../admin-emails.js';
import { buildPermissionReport, type PermissionReport } from './report.js';
import { renderReportMail, type Mailer } from './mail.js';
import {
  CLAIM_PERMISSION_REPORT,
  FAIL_PERMISSION_REPORT,
  FINISH_PERMISSION_REPORT,
  GET_PERMISSION_CHECK_SETTINGS,
  GET_PERMISSION_REPORT,
  LATEST_PERMISSION_REPORT,
  PUT_PERMISSION_CHECK_SETTINGS,
  SET_PERMISSION_REPORT_MAIL,
} from '../sql.js';

export interface PermissionCheckSettings {
  orgId: string;
  enabled: boolean;
  /** First check; null = when the org was connected. */
  startAt: Date | null;
  /** ISO-8601 duration between checks (P1D to P1Y); default P1M. */
  every: string;
}

export const DEFAULT_PERMISSION_CHECK_EVERY = 'P1M';

const settingsInput = z
  .object({
    enabled: z.boolean(),
    startAt: z.coerce.date().nullable(),
    every: z.string().refine(
      (v) => {
        try {
          parseInterval(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'an ISO-8601 duration from P1D to P1Y, e.g. P1M or P7D' },
    ),
  })
  .partial()
  .strict();

export interface StoredPermissionReport {
  id: string;
  orgId: string;
  trigger: 'scheduled' | 'on_demand';
  slotAt: Date | null;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'succeeded' | 'failed';
  error: string | null;
  report: PermissionReport | null;
  mailStatus: 'sent' | 'failed' | 'not_configured' | 'no_recipients' | null;
  mailError: string | null;
}

export interface PermissionCheckDeps {
  reader: PermissionReader;
  admins: AdminEmails;
  mailer: Mailer | null;
  clock: Clock;
  log: Logger;
  onChange?: (orgId: string) => Promise<void>;
}

/**
 * The integration user's permission check: settings, runs (scheduled or on demand), the stored
 * reports and the mail to the tenant's administrators.
 */
export class PermissionChecks {
  constructor(
    private readonly pool: Pool,
    private readonly deps: PermissionCheckDeps,
  ) {}

  async getSettings(orgId: string): Promise<PermissionCheckSettings> {
    await loadOrg(this.pool, orgId);
    return readPermissionCheckSettings(this.pool, orgId);
  }

  async putSettings(orgId: string, input: unknown): Promise<PermissionCheckSettings> {
    await loadOrg(this.pool, orgId);
    const next = { ...(await readPermissionCheckSettings(this.pool, orgId)), ...parseBody(settingsInput, input) };
    await this.pool.query(PUT_PERMISSION_CHECK_SETTINGS, [orgId, next.enabled, next.startAt, next.every]);
    await this.deps.onChange?.(orgId);
    return readPermissionCheckSettings(this.pool, orgId);
  }

  /** When the next scheduled check runs; null when checks are disabled or the org is disconnected. */
  async nextCheckAt(orgId: string, now: Date = this.deps.clock.now()): Promise<Date | null> {
    const org = await loadOrg(this.pool, orgId);
    const settings = await readPermissionCheckSettings(this.pool, orgId);
    if (org.disconnected || !settings.enabled) return null;
    return nextRecurringStart(permissionCheckTimes(org, settings), now);
  }

  /** "Check permissions now": runs the check, stores and mails the report, returns it. */
  async runNow(orgId: string): Promise<StoredPermissionReport> {
    const org = await loadOrg(this.pool, orgId);
    return (await this.run(org, null))!.report;
  }

  /**
   * Runs the check for a scheduled slot; null when another process already took the slot (the
   * unique (org_id, slot_at) row is the claim). A failed check answers its error's code.
   */
  async runScheduled(org: OrgFacts, slotAt: Date): Promise<{ report: StoredPermissionReport; code: ErrorCode | null } | null> {
    return this.run(org, slotAt);
  }

  /** The newest finished report (failed runs included unless `succeeded`); null before any. */
  async latest(orgId: string, options: { succeeded?: boolean } = {}): Promise<StoredPermissionReport | null> {
    await loadOrg(this.pool, orgId);
    const { rows } = await this.pool.query<StoredPermissionReport>(LATEST_PERMISSION_REPORT, [
      orgId,
      options.succeeded ? ['succeeded'] : ['succeeded', 'failed'],
    ]);
    return rows[0] ?? null;
  }

  async get(orgId: string, reportId: string): Promise<StoredPermissionReport> {
    await loadOrg(this.pool, orgId);
    const { rows } = await this.pool.query<StoredPermissionReport>(GET_PERMISSION_REPORT, [orgId, reportId]);
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', `No permission report ${reportId}`);
    return rows[0];
  }

  private async run(org: OrgFacts, slotAt: Date | null): Promise<{ report: StoredPermissionReport; code: ErrorCode | null } | null> {
    const id = randomUUID();
    const startedAt = this.deps.clock.now();
    const claimed = await this.pool.query(CLAIM_PERMISSION_REPORT, [org.id, id, slotAt ? 'scheduled' : 'on_demand', slotAt, startedAt]);
    if (claimed.rowCount === 0) return null;
    let report: PermissionReport;
    try {
      report = buildPermissionReport(await this.deps.reader.readIntegrationUserPermissions(org.id), startedAt);
    } catch (err) {
      const message = OrgVaultError.is(err) ? err.oneLine() : 'The permission check failed';
      if (!OrgVaultError.is(err)) this.deps.log.error({ err, orgId: org.id }, 'permission check failed');
      await this.pool.query(FAIL_PERMISSION_REPORT, [org.id, id, message, this.deps.clock.now()]);
      return { report: await this.get(org.id, id), code: OrgVaultError.is(err) ? err.code : 'INTERNAL' };
    }
    await this.pool.query(FINISH_PERMISSION_REPORT, [org.id, id, JSON.stringify(report), this.deps.clock.now()]);
    const mail = await this.mail(org, report);
    await this.pool.query(SET_PERMISSION_REPORT_MAIL, [org.id, id, mail.status, mail.error]);
    return { report: await this.get(org.id, id), code: null };
  }

  private async mail(
    org: OrgFacts,
    report: PermissionReport,
  ): Promise<{ status: StoredPermissionReport['mailStatus']; error: string | null }> {
    if (!this.deps.mailer) return { status: 'not_configured', error: null };
    const to = await this.deps.admins.list(org.tenantId);
    if (to.length === 0) return { status: 'no_recipients', error: null };
    try {
      await this.deps.mailer.send({ to, ...renderReportMail(org.name, report) });
      return { status: 'sent', error: null };
    } catch (err) {
      this.deps.log.warn({ err, orgId: org.id }, 'permission report mail failed');
      return { status: 'failed', error: (err as Error).message };
    }
  }
}

export async function readPermissionCheckSettings(pool: Pool, orgId: string): Promise<PermissionCheckSettings> {
  const { rows } = await pool.query<PermissionCheckSettings>(GET_PERMISSION_CHECK_SETTINGS, [orgId]);
  return rows[0] ?? { orgId, enabled: true, startAt: null, every: DEFAULT_PERMISSION_CHECK_EVERY };
}

/** The first check: as set, else when the org was connected. */
export function firstCheckAt(org: Pick<OrgFacts, 'connectedAt'>, settings: PermissionCheckSettings): Date {
  return settings.startAt ?? org.connectedAt;
}

export function permissionCheckTimes(org: OrgFacts, settings: PermissionCheckSettings): RecurringTimes {
  return { zone: org.timeZone, startAt: firstCheckAt(org, settings), interval: settings.every };
}
