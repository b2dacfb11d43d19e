/**
 * The words of a restore, shared by its three parts: planning (plan.ts, step.ts), execution
 * (execute.ts, files.ts) and the run's lifecycle (restore.ts, runs.ts).
 */
import type { StoredRecord } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import type { DescribeField, DescribeSObject } from '../salesforce/scope.js';
import type { RunRow, RunStatus } from './runs.js';

export type RestoreMode = 'changed' | 'deleted' | 'overwrite';

export interface RestoreRequest {
  /** The org whose backup is read. */
  orgId: string;
  /** Where records go (default: the same org, in place). */
  targetOrgId?: string;
  /** A backup job or recovery point: its finishedAt is the time restored. */
  jobId?: string;
  at?: Date;
  objects: string[];
  /** Only these records (of the chosen objects). */
  recordIds?: string[];
  /**
   * A hierarchy: with the chosen records, their children (describe's child relationships) down
   * this many levels, and the parents these records need that the target lacks. Absent: only the
   * chosen records.
   */
  depth?: number;
  mode?: RestoreMode;
  /** Only these fields are updated on live records (`Field` on any object, or `Object.Field`); records brought back come whole. */
  fields?: string[];
  /**
   * Leave a field as it is now when its record was modified after the backup (or after this time):
   * someone's later edit. Such fields are reported as conflicts. A lookup the restore's own deletes
   * cleared is not such an edit.
   */
  keepNewer?: boolean | Date;
  dryRun?: boolean;
  by?: string | null;
}

export interface ObjectPlan {
  object: string;
  backedUp: number;
  /** Records left out because a GDPR erasure removed them (the erasure ledger): they never come back from an older backup. */
  erased: number;
  /** Records brought back from the Recycle Bin, with their own ids (and what was deleted with them). */
  undelete: number;
  /** Records re-created under new ids (hard-deleted, emptied from the bin, or undelete off). */
  create: number;
  update: number;
  /** Lookups set in the second pass (records that refer to each other or to themselves). */
  relink: number;
  /** Per field, how many records it changes on. */
  fieldsChanged: Record<string, number>;
  /** Per field, on how many records it was changed after the backup and is left as it is (keepNewer). */
  conflicts: Record<string, number>;
  apiCalls: number;
}

/** Lookups on records that survived a delete, cleared by it, pointed again at the restored records. */
export interface SurvivorPlan {
  object: string;
  field: string;
  records: number;
  apiCalls: number;
}

/** What a run wrote into one object, and the calls it spent writing it. */
export interface Written {
  object: string;
  undeleted: number;
  created: number;
  updated: number;
  relinked: number;
  failed: number;
}

export interface RestoreOutcome {
  runId: string | null;
  /** `planned` for a dry run. */
  status: 'planned' | RunStatus;
  dryRun: boolean;
  at: Date;
  mode: RestoreMode;
  depth: number | null;
  targetOrgId: string;
  /** Every object the restore touches, parents first (with a depth, the children and parents it brings). */
  objects: ObjectPlan[];
  /** The step after the writes: survivors' lookups the delete cleared, set again. */
  survivors: SurvivorPlan[];
  /** A finished run: per object, what it wrote. */
  written: Written[];
  /**
   * Every call to the org: a run's (reads, describes, writes, polls), or for a dry run the
   * estimate of what the run will spend. `planningCalls`: the reads and describes of planning.
   */
  apiCalls: number;
  planningCalls: number;
  succeeded: number;
  failed: number;
  /** Records written (or failed) so far, of those planned. */
  progress: { total: number; done: number };
  error: string | null;
  /** When a run was queued and when it finished; null for a dry run (and finishedAt while it runs). */
  queuedAt: Date | null;
  finishedAt: Date | null;
}

export interface RestoreOptions {
  /** From this many records per step on, Bulk API 2.0 ingest; below it, sObject collections. */
  bulkThreshold: number;
  /** Bring deleted records back from the Recycle Bin (same ids) before re-creating any. */
  undelete: boolean;
  pollMs?: number;
  /** How often a running restore proves its process is alive (see RestoreWorker). */
  heartbeatMs: number;
  /** A running restore whose heartbeat is older than this lost its process. */
  staleMs: number;
}

/** Create, upload, close, one status check, the successful results (failed ones only when some failed). */
export const BULK_CALLS = 5;
export const MAX_DEPTH = 5;

/** One object's records as backed up, beside the target's live ones. */
export interface ObjectWork {
  object: string;
  fields: DescribeField[];
  byName: Map<string, DescribeField>;
  blobFields: string[];
  records: StoredRecord[];
  /** The fields read from the target's records. */
  liveFields: string[];
  /** Live records of the target, by id. */
  live: Map<string, Record<string, unknown>>;
  /** Records of the target in its Recycle Bin (by id) that the restore undeletes, with their values there. */
  binned: Map<string, Record<string, unknown>>;
  /**
   * Binned records of an object Salesforce cannot undelete by itself, which come back with the
   * parent whose delete took them (a file's versions with their ContentDocument): id → the parent's.
   */
  undeleteVia: Map<string, string>;
}

export interface Update {
  oldId: string;
  targetId: string;
  values: Record<string, unknown>;
}

/** What one object's records need written now. */
export interface Step {
  /** From the Recycle Bin first; their field updates (as for live records) are in `updates`. */
  undeletes: StoredRecord[];
  creates: StoredRecord[];
  updates: Update[];
  relinks: { oldId: string; field: string; ref: string }[];
  fieldsChanged: Record<string, number>;
  conflicts: Record<string, number>;
}

/** One restore (or dry run) as it goes: where to, as of when, and what it has learnt so far. */
export interface RunCtx {
  req: RestoreRequest & { at: Date };
  runId: string;
  run?: RunRow;
  target: string;
  inPlace: boolean;
  at: Date;
  mode: RestoreMode;
  conn: OrgConnection;
  idMap: Map<string, string>;
  /** Old ids of every record this run re-creates. */
  createSet: Set<string>;
  /** Old ids of every record this run undeletes. */
  undeleteSet: Set<string>;
  /** Whether records in the target's Recycle Bin are undeleted rather than re-created. */
  undelete: boolean;
  /** Only these fields are updated (see RestoreRequest.fields). */
  fields?: Set<string>;
  /** Records modified after this keep their fields (see RestoreRequest.keepNewer). */
  keepNewer?: Date;
  /** Objects the target can create records of, and undelete. */
  createable: Set<string>;
  undeletable: Set<string>;
  /** Old ids of the records this run brought back so far (undeleted or re-created). */
  restored: Set<string>;
  /** Old ids of records Salesforce would not undelete (re-created instead) → its refusal. */
  refusals: Map<string, string>;
  describes: Map<string, Promise<DescribeSObject>>;
  /** Dry run: old ids of records earlier objects would have re-created by now (lookups to them are set at once). */
  planned?: Set<string>;
  progress: { total: number; done: number };
  /** Per object, the ids of backed-up records the erasure ledger kept out of the reads. */
  erased: Map<string, Set<string>>;
}

export interface Planned {
  order: string[];
  works: Map<string, ObjectWork>;
  plans: ObjectPlan[];
  survivors: SurvivorWork[];
}

/** Survivors of one object whose lookup `field` the restore sets again: backed-up id → the restored record's old id. */
export interface SurvivorWork {
  object: string;
  field: string;
  /** Backed-up id of the survivor → backed-up id of the record it pointed at. */
  refs: Map<string, string>;
  /** Of those, the ones whose live value is empty now (planned to be set). */
  cleared: number;
}
