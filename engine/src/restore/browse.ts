/**
 * Finding what to recover: a record's stored history and the records deleted in a window, read
 * from the store's packs (nothing is copied out of them, so nothing new sits in plaintext at rest).
 */
import type { Pool } from 'pg';
import { OrgVaultError } from '../errors.js';
import type { Fields, RecordVersion, Store, VersionKind } from '../store/store.js';
import { getJob } from '../backup/jobs.js';
import { canonicalValue } from '../backup/export.js';
import type { FieldDiff } from './compare.js';
import { SYSTEM_FIELDS } from './values.js';

/** Where a version came from: a backup job, a recovery point, a change event, or another writer (e.g. a reconcile). */
export type VersionSourceKind = 'backup' | 'recovery-point' | 'change-event' | 'other';

export interface HistoryVersion {
  at: Date;
  kind: VersionKind;
  source: { kind: VersionSourceKind; jobId: string | null; via: string };
  /** The record's fields in this version (null for a deletion known only as such). */
  fields: Record<string, string | null> | null;
  /** What differs from the version before, over the fields a person changes (platform-set ones left out). */
  changes: FieldDiff[];
}

export interface RecordHistory {
  object: string;
  recordId: string;
  versions: HistoryVersion[];
}

export interface DeletedRecordOut {
  id: string;
  /** The record's Name (or Subject, CaseNumber, …) as last stored. */
  label: string | null;
  deletedAt: Date;
  /** A deleted record it pointed at: the parent it most likely went with by cascade. */
  parent: { object: string; id: string; field: string } | null;
}

export interface DeletedInObject {
  object: string;
  records: DeletedRecordOut[];
  /** More were deleted than the limit let through. */
  truncated: boolean;
}

/** How far back the deleted list looks unless told: the Recycle Bin's 15 days. */
const RECYCLE_BIN_MS = 15 * 24 * 3600 * 1000;

/** A window of deletes as asked, its ends filled in: until now, since the Recycle Bin's 15 days before that. */
export function deletedWindow(q: { since?: Date; until?: Date }): { since: Date; until: Date } {
  const until = q.until ?? new Date();
  return { since: q.since ?? new Date(until.getTime() - RECYCLE_BIN_MS), until };
}

export interface DeletedQuery {
  orgId: string;
  since: Date;
  until: Date;
  objects?: string[];
  limit: number;
}

const LABEL_FIELDS = ['Name', 'Subject', 'CaseNumber', 'Title', 'LastName', 'DeveloperName'];

const plain = (fields: Fields): Record<string, string | null> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, canonicalValue(v)]));

/** Field-level differences between two versions' fields (a deletion's missing fields count as unchanged). */
function changesBetween(before: Record<string, string | null> | null, after: Record<string, string | null> | null): FieldDiff[] {
  if (!after) return [];
  const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].filter((f) => !SYSTEM_FIELDS.has(f)).sort();
  const out: FieldDiff[] = [];
  for (const field of names) {
    if (before && !(field in after)) continue;
    const from = before?.[field] ?? null;
    const to = after[field] ?? null;
    if (from !== to) out.push({ field, from, to });
  }
  return out;
}

export class RecordBrowser {
  constructor(private readonly deps: { pool: Pool; store: Store }) {}

  /**
   * Every stored version of a record, oldest first, each with its source and what changed from
   * the one before. Without `object`, the objects whose packs can hold the id are asked.
   */
  async history(orgId: string, recordId: string, object?: string): Promise<RecordHistory> {
    const candidates = object ? [object] : await this.deps.store.objectsHolding(orgId, recordId);
    for (const o of candidates) {
      const versions = await this.deps.store.versionsOf({ orgId, object: o, recordId });
      if (versions.length > 0) return { object: o, recordId, versions: await this.withSources(orgId, versions) };
    }
    const elsewhere = object ? (await this.deps.store.objectsHolding(orgId, recordId)).filter((o) => o !== object) : [];
    for (const o of elsewhere) {
      if ((await this.deps.store.versionsOf({ orgId, object: o, recordId })).length > 0)
        throw new OrgVaultError('NOT_FOUND', `Record ${recordId} is stored as ${o}, not ${object}`, { actions: [`Look it up as ${o}.`] });
    }
    throw new OrgVaultError('NOT_FOUND', `No backup of this organization holds record ${recordId}`, {
      actions: ['Check the id: it may belong to another org, or its object may not be backed up.'],
    });
  }

  private async withSources(orgId: string, versions: RecordVersion[]): Promise<HistoryVersion[]> {
    const kinds = new Map<string, VersionSourceKind>();
    for (const jobId of new Set(versions.map((v) => v.jobId).filter((j): j is string => j !== null))) {
      const job = await getJob(this.deps.pool, orgId, jobId).catch(() => null);
      kinds.set(jobId, job?.kind === 'recovery_point' ? 'recovery-point' : 'backup');
    }
    let before: Record<string, string | null> | null = null;
    return versions.map((v) => {
      const fields = v.fields ? plain(v.fields) : null;
      const kind: VersionSourceKind = v.source === 'cdc' ? 'change-event' : v.jobId ? kinds.get(v.jobId)! : 'other';
      const changes = changesBetween(before, fields);
      if (fields) before = fields;
      return { at: v.validFrom, kind: v.kind, source: { kind, jobId: v.jobId, via: v.source }, fields, changes };
    });
  }

  /**
   * Records deleted in a window and not back since, per object, each with the deleted parent it
   * pointed at (a cascade's children name the parent they went with).
   */
  async deleted(q: DeletedQuery): Promise<DeletedInObject[]> {
    if (q.since > q.until) throw new OrgVaultError('VALIDATION_FAILED', 'The window ends before it begins');
    const objects = q.objects ?? (await this.deps.store.objects(q.orgId));
    const found: { object: string; records: { id: string; deletedAt: Date; fields: Fields | null }[] }[] = [];
    for (const object of objects) {
      const records = await this.deps.store.deletedSince({ orgId: q.orgId, object, since: q.since, until: q.until, limit: q.limit + 1 });
      if (records.length > 0) found.push({ object, records });
    }
    const objectOf = new Map(found.flatMap((f) => f.records.map((r) => [r.id, f.object] as const)));
    return found.map(({ object, records }) => ({
      object,
      truncated: records.length > q.limit,
      records: records.slice(0, q.limit).map((r) => ({
        id: r.id,
        label: labelOf(r.fields),
        deletedAt: r.deletedAt,
        parent: parentOf(r.id, r.fields, objectOf),
      })),
    }));
  }
}

function labelOf(fields: Fields | null): string | null {
  for (const f of LABEL_FIELDS) {
    const v = fields ? canonicalValue(fields[f]) : null;
    if (v !== null) return v;
  }
  return null;
}

function parentOf(id: string, fields: Fields | null, objectOf: Map<string, string>): DeletedRecordOut['parent'] {
  for (const [field, value] of Object.entries(fields ?? {})) {
    if (SYSTEM_FIELDS.has(field) || typeof value !== 'string' || value === id) continue;
    const object = objectOf.get(value);
    if (object) return { object, id: value, field };
  }
  return null;
}
