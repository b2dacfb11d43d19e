import { z } from 'zod';
import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { loadOrg } from '../orgs/facts.js';
import { parseBody } from './validation.js';
import { maxJobsPerDay, type Subscriptions } from './subscriptions.js';
import { GET_BACKUP_SETTINGS, PUT_BACKUP_SETTINGS } from './sql.js';

export interface BackupSettings {
  orgId: string;
  enabled: boolean;
  /** Include *Feed and *Share objects (large, and rebuilt by Salesforce): off by default. */
  includeFeedAndShare: boolean;
  /** Object API names left out of backups. */
  excludedObjects: string[];
  /** "Object.Field" API names left out of backups. */
  excludedFields: string[];
  /** Jobs per day, spread evenly over the local day from startTime. */
  jobsPerDay: number;
  /** "HH:MM" in the org's time zone; null = 00:00. */
  startTime: string | null;
}

const objectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'an object API name');
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}\.[A-Za-z][A-Za-z0-9_]{0,79}$/, 'Object.Field');

/** A PUT body: every key optional; absent keys keep their stored value. */
export const backupSettingsInput = z
  .object({
    enabled: z.boolean(),
    includeFeedAndShare: z.boolean(),
    excludedObjects: z.array(objectName).max(5000),
    excludedFields: z.array(fieldName).max(20000),
    jobsPerDay: z.number().int().min(1),
    startTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24 h)')
      .nullable(),
  })
  .partial()
  .strict();

export type BackupSettingsInput = z.input<typeof backupSettingsInput>;

export const DEFAULT_BACKUP_SETTINGS: Omit<BackupSettings, 'orgId'> = {
  enabled: true,
  includeFeedAndShare: false,
  excludedObjects: [],
  excludedFields: [],
  jobsPerDay: 1,
  startTime: null,
};

/** Reads settings without checking the org exists (callers that already hold the org). */
export async function readBackupSettings(pool: Pool, orgId: string): Promise<BackupSettings> {
  const { rows } = await pool.query<BackupSettings>(GET_BACKUP_SETTINGS, [orgId]);
  return rows[0] ?? { orgId, ...DEFAULT_BACKUP_SETTINGS };
}

/**
 * Stores and validates backup settings. Who may change them (administrators) is the API's check.
 * A change takes effect from the next start: `onChange` lets the scheduler plan that start now.
 */
export class BackupSettingsService {
  constructor(
    private readonly pool: Pool,
    private readonly subscriptions: Subscriptions,
    private readonly onChange: (orgId: string) => Promise<void> = async () => undefined,
  ) {}

  async get(orgId: string): Promise<BackupSettings> {
    await loadOrg(this.pool, orgId);
    return readBackupSettings(this.pool, orgId);
  }

  async put(orgId: string, input: unknown): Promise<BackupSettings> {
    const org = await loadOrg(this.pool, orgId);
    const patch = parseBody(backupSettingsInput, input);
    const next: BackupSettings = { ...(await readBackupSettings(this.pool, orgId)), ...patch };
    const sub = await this.subscriptions.get(org.tenantId);
    const max = maxJobsPerDay(sub);
    if (next.jobsPerDay > max) {
      const limited = sub.dailyJobLimit !== null;
      throw new OrgVaultError(
        'VALIDATION_FAILED',
        `jobsPerDay ${next.jobsPerDay} is above the ${limited ? "subscription's" : "schedule's"} ${max} jobs a day`,
        {
          actions: [`Choose 1 to ${max} jobs a day${limited ? ', or move to a subscription type that allows more' : ''}.`],
          details: { problems: [`jobsPerDay: at most ${max}`] },
        },
      );
    }
    await this.pool.query(PUT_BACKUP_SETTINGS, [
      orgId,
      next.enabled,
      next.includeFeedAndShare,
      dedupe(next.excludedObjects),
      dedupe(next.excludedFields),
      next.jobsPerDay,
      next.startTime,
    ]);
    await this.onChange(orgId);
    return readBackupSettings(this.pool, orgId);
  }
}

function dedupe(names: string[]): string[] {
  return [...new Set(names)];
}

const FEED_OR_SHARE = /(Feed|Share)$/;

/** Whether the backup takes this object, by the settings' scope (the runner still applies describe). */
export function objectInScope(settings: BackupSettings, object: string): boolean {
  if (!settings.includeFeedAndShare && FEED_OR_SHARE.test(object)) return false;
  const lower = object.toLowerCase();
  return !settings.excludedObjects.some((o) => o.toLowerCase() === lower);
}

/** Whether the backup takes this field; Salesforce names are case-insensitive. */
export function fieldInScope(settings: BackupSettings, object: string, field: string): boolean {
  const lower = `${object}.${field}`.toLowerCase();
  return !settings.excludedFields.some((f) => f.toLowerCase() === lower);
}
