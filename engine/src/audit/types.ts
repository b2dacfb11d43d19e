/**
 * What the audit trail holds. Every action a person, a key or the engine's schedule takes that
 * changes something or reads customer data, and every refused request, becomes one entry. An
 * entry names who, from where, what, on what and how it ended — never values, secrets or tokens.
 */

export const AUDIT_SOURCES = ['page', 'api', 'cli', 'schedule'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

export const AUDIT_OUTCOMES = ['succeeded', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * The actions an entry can name. Reads that touch no customer data (`*.read`) are recorded only
 * when refused; everything else always.
 */
export const AUDIT_ACTIONS = [
  'org.login.begin',
  'org.connect',
  'org.reconnect',
  'org.disconnect',
  'org.backups.delete',
  'org.hide',
  'org.read',
  'backup.run',
  'recovery-point.create',
  'jobs.read',
  'settings.read',
  'settings.backup.change',
  'settings.cdp.change',
  'settings.permission-check.change',
  'settings.admin-emails.change',
  'subscription.change',
  'permission-check.run',
  'restore.dry-run',
  'restore.run',
  'restore.read',
  'restore.results.read',
  'compare.run',
  'record.history.read',
  'records.deleted.read',
  'export.run',
  'store.check',
  'key.create',
  'key.revoke',
  'keys.read',
  'me.read',
  'audit.read',
  'audit.export',
  'audit.prune',
  'audit.settings.change',
  'legal-hold.create',
  'legal-hold.release',
  'legal-hold.read',
  'erasure.request',
  'erasure.dry-run',
  'erasure.approve',
  'erasure.read',
  'retention.policy.change',
  'prune.run',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actor of the engine's own work. */
export const SCHEDULE_ACTOR = 'schedule';

/** What a caller hands to `record`. */
export interface AuditRecord {
  tenantId: string;
  orgId?: string | null;
  /** The Salesforce user the package asserted, `key:<id>` for a key without one, or "schedule". */
  actor: string;
  keyId?: string | null;
  source: AuditSource;
  action: AuditAction;
  /** What the action was taken on: an id (job, run, key, org), never a value. */
  target?: string | null;
  outcome: AuditOutcome;
  /** The error code of a refused or failed action. */
  code?: string | null;
  requestId?: string | null;
  /** Settings changes: before and after. Never record values of records, secrets or tokens here. */
  details?: Record<string, unknown> | null;
}

export interface AuditEntry {
  tenantId: string;
  seq: number;
  at: Date;
  orgId: string | null;
  actor: string;
  keyId: string | null;
  source: AuditSource;
  action: AuditAction;
  target: string | null;
  outcome: AuditOutcome;
  code: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
  /** Hex SHA-256 of the entry before it (of the chain's anchor for the first kept entry). */
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  tenantId: string;
  /** Only this org's entries (an org key sees no others). */
  orgId?: string | null;
  actor?: string;
  action?: AuditAction;
  since?: Date;
  until?: Date;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null on the last. */
  nextBefore: number | null;
}

export interface VerifyReport {
  tenantId: string;
  ok: boolean;
  /** Entries whose hashes were recomputed. */
  checked: number;
  /** The first entry that does not fit, and why. */
  firstBad: { seq: number; reason: string } | null;
}

export type ExportFormat = 'jsonl' | 'csv';
