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
  dryRun?: boolean;
  by?: string | null;
}

export interface ObjectPlan {
  object: string;
  backedUp: number;
  create: number;
  update: number;
  /** Lookups set in the second pass (records that refer to each other or to themselves). */
  relink: number;
  /** Per field, how many records it changes on. */
  fieldsChanged: Record<string, number>;
  apiCalls: number;
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
  /** Calls the writes will cost (dry run) or cost (a run); reads for planning are in `planningCalls`. */
  apiCalls: number;
  planningCalls: number;
  succeeded: number;
  failed: number;
  /** Records written (or failed) so far, of those planned. */
  progress: { total: number; done: number };
  error: string | null;
}

export interface RestoreOptions {
  /** From this many records per step on, Bulk API 2.0 ingest; below it, sObject collections. */
  bulkThreshold: number;
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
  /** Live records of the target, by id. */
  live: Map<string, Record<string, unknown>>;
}

export interface Update {
  oldId: string;
  targetId: string;
  values: Record<string, unknown>;
}

/** What one object's records need written now. */
export interface Step {
  creates: StoredRecord[];
  updates: Update[];
  relinks: { oldId: string; field: string; ref: string }[];
  fieldsChanged: Record<string, number>;
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
  /** Objects the target can create records of. */
  createable: Set<string>;
  describes: Map<string, Promise<DescribeSObject>>;
  /** Dry run: old ids of records earlier objects would have re-created by now (lookups to them are set at once). */
  planned?: Set<string>;
  progress: { total: number; done: number };
}

export interface Planned {
  order: string[];
  works: Map<string, ObjectWork>;
  plans: ObjectPlan[];
  planningCalls: number;
}
