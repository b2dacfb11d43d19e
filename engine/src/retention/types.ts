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
