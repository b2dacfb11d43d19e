/** What retention/ speaks: legal holds (and, as they land, retention policies and erasures). */

export const HOLD_SCOPES = ['org', 'records'] as const;
export type HoldScope = (typeof HOLD_SCOPES)[number];

/** An org, or a set of its records, kept as it is until released. */
export interface LegalHold {
  id: string;
  orgId: string;
  /** The matter it is for, as the person placing it named it (a case number, a request). */
  name: string;
  scope: HoldScope;
  /** The records held (18-character ids), empty for an org-wide hold. */
  recordIds: string[];
  createdBy: string | null;
  createdAt: Date;
  releasedBy: string | null;
  releasedAt: Date | null;
}

export interface NewLegalHold {
  name: string;
  /** Omitted or empty: the whole org is held. */
  recordIds?: string[] | undefined;
}

/** What a caller is about to do, in words a refusal can name ("prune", "erase", "delete its backups"). */
export interface HeldAction {
  action: string;
  /** The records the action touches; omitted, it touches the whole org (any active hold refuses it). */
  recordIds?: string[] | undefined;
}

/** The most records one hold names: a hold is a matter's list, not a copy of an org. */
export const MAX_HOLD_RECORDS = 10_000;

/**
 * Salesforce Backup & Recover's tiers, counted back from the time of a prune: every version of
 * the last keepAllDays days, then the version current at each UTC midnight for dailyWeeks weeks,
 * at each Monday 00:00 UTC for weeklyMonths months, at each 1st of the month for monthlyYears
 * years. Older versions go, except a record's newest, which is always kept.
 */
export interface RetentionPolicy {
  keepAllDays: number;
  dailyWeeks: number;
  weeklyMonths: number;
  monthlyYears: number;
}

/** Where an org's policy comes from: its own, the tenant's default, or none (keep everything). */
export interface EffectivePolicy {
  policy: RetentionPolicy | null;
  source: 'org' | 'tenant' | 'default';
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface PruneRun {
  id: string;
  /** The time the policy was counted back from; a resumed run keeps it. */
  cutoff: Date;
  policy: RetentionPolicy;
  phase: 'versions' | 'files' | 'done';
  startedBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  versionsRemoved: number;
  packsRewritten: number;
  packsDeleted: number;
  /** Stored bytes of the packs rewritten or deleted, before and after. */
  bytesBefore: number;
  bytesAfter: number;
  fileRefsRemoved: number;
  filesDeleted: number;
  fileBytes: number;
}

/** A GDPR erasure as asked: records by id and/or values (emails, phones) to look for in chosen objects. */
export interface NewErasure {
  /** The request's own reference (a ticket or case number), never personal data. */
  reference: string;
  /** Objects whose stored versions are searched for the values (record ids are found in any object). */
  objects?: string[] | undefined;
  recordIds?: string[] | undefined;
  /** Values to match whole field values against: emails case-insensitively, phone numbers by their digits. */
  values?: string[] | undefined;
}

/** What an erasure removes from one object: counts only (no values). */
export interface ErasureObjectCount {
  object: string;
  records: number;
  versions: number;
  /** Files only these records refer to. */
  files: number;
}

/** A dry run: the records found (ids only) and, per object, what erasing them removes. */
export interface ErasureDryRun {
  at: Date;
  recordIds: string[];
  objects: ErasureObjectCount[];
  versions: number;
  files: number;
}

export const ERASURE_STATUSES = ['pending', 'running', 'done'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

export interface ErasureRequest {
  id: string;
  orgId: string;
  reference: string;
  objects: string[];
  /** How many record ids and values were named (the values themselves are kept only as keyed hashes). */
  recordIdsNamed: number;
  valuesNamed: number;
  /** pending: awaiting a second administrator; running: approved (a run cut short finishes when approved again); done. */
  status: ErasureStatus;
  phase: 'versions' | 'files' | null;
  dryRun: ErasureDryRun | null;
  requestedBy: string;
  requestedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  finishedAt: Date | null;
  versionsRemoved: number;
  packsRewritten: number;
  packsDeleted: number;
  fileRefsRemoved: number;
  filesDeleted: number;
  fileBytes: number;
}

/** What restore, compare and export ask of the erasure ledger: whether a stored record is an erased one. */
export interface ErasedFilter {
  erased(object: string, record: { id: string; fields: Record<string, unknown> | null }): boolean;
}
