/**
 * The org: its schema, one Table per object, identity (org id, running user), the clock, and
 * every write. Writes are validated, applied and then reported once per call as a Transaction
 * (changes.ts) to the listeners — REST, composite, Bulk ingest and the test hooks all go
 * through write(), so the change feed sees everything.
 *
 * RecordChange values are in stored form: datetimes as epoch milliseconds, dates as
 * 'YYYY-MM-DD', multi-picklists as 'A;B'; only stored fields (no formulas, compound fields or
 * person Name; no blob bodies).
 */
import { randomUUID } from 'node:crypto';
import { SfError, invalidType } from '../errors.js';
import type { RecordChange, Transaction, TransactionListener } from './changes.js';
import { makeId, normalizeId } from './ids.js';
import { isRequired, type FieldDef, type ObjectDef } from './model.js';
import { Schema } from './schema.js';
import { RowState, Table } from './table.js';
import { toStored } from './values.js';
import { afterCreate, beforeCreate } from './triggers.js';
import { isBlob } from './blobs.js';
import { Sessions } from '../oauth/sessions.js';
import { Limits } from '../rest/limits.js';
import { Faults } from '../faults/faults.js';
import { RecycleBin } from './recycle-bin.js';
import { checkRecordType } from './record-types.js';

export type WriteOp =
  | { kind: 'create'; sobject: string; fields: Record<string, unknown> }
  | { kind: 'update'; id: string; fields: Record<string, unknown> }
  | { kind: 'delete' | 'undelete' | 'hardDelete'; id: string };

export interface WriteContext {
  /** The user making the change; the org's admin user when absent. */
  userId?: string;
  /** changeOrigin of the resulting Transaction. */
  origin?: string;
  /** All succeed or none is applied (sObject collections' allOrNone). */
  allOrNone?: boolean;
}

export interface WriteResult {
  id: string | null;
  success: boolean;
  /** create / upsert: whether a record was created. */
  created?: boolean;
  errors: SfError[];
}

export interface OrgOptions {
  /** Epoch ms "now"; tests pin it to move time. Defaults to Date.now. */
  clock?: () => number;
  /** Distinguishes org ids of emulators started in one process. */
  orgNumber?: number;
  /** Daily API request budget (DailyApiRequests Max). */
  dailyApiRequests?: number;
}

export interface Located {
  table: Table;
  row: number;
  state: RowState;
}

/** Fields set by the platform that a change's new values always show. */
const AUDIT_FIELDS = ['LastModifiedDate', 'LastModifiedById', 'SystemModstamp'];

export class Org {
  readonly schema = new Schema();
  readonly orgId: string;
  /** The admin user the emulator's tokens belong to (set by the generator's core data). */
  userId = '';
  username = '';
  private readonly tables = new Map<string, Table>();
  private readonly byPrefix = new Map<string, Table>();
  private readonly listeners = new Set<TransactionListener>();
  private readonly uniqueIndexes = new Map<string, Map<string, number>>();
  private readonly refIndexes = new Map<string, Map<string, number[]>>();
  readonly recycleBin = new RecycleBin(this);
  private commitNumber = 0;
  private lastNow = 0;
  private readonly clock: () => number;
  readonly sessions: Sessions;
  readonly limits: Limits;
  readonly faults = new Faults();
  /** getUpdated / getDeleted answer EXCEEDED_ID_LIMIT above this many ids. */
  replicationIdLimit = 600_000;

  constructor(options: OrgOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.limits = new Limits(options.dailyApiRequests);
    for (const def of this.schema.objects) {
      const t = new Table(def);
      this.tables.set(def.name.toLowerCase(), t);
      this.byPrefix.set(def.keyPrefix, t);
    }
    this.orgId = makeId('00D', options.orgNumber ?? 1);
    this.sessions = new Sessions(this.orgId, () => this.clock());
  }

  /** The user id behind a valid access token, or null (unknown or expired). */
  authenticate(accessToken: string): string | null {
    return this.sessions.validate(accessToken);
  }

  /** Current time in epoch ms, never going backwards and never repeating within the org. */
  now(): number {
    const t = Math.max(this.clock(), this.lastNow);
    this.lastNow = t;
    return t;
  }

  table(sobject: string): Table {
    const t = this.tables.get(sobject.toLowerCase());
    if (!t) throw invalidType(sobject);
    return t;
  }

  hasObject(sobject: string): boolean {
    return this.tables.has(sobject.toLowerCase());
  }

  allTables(): Table[] {
    return [...this.tables.values()];
  }

  /** The object definition (fields with types) of an object, or undefined. */
  describe(sobject: string): ObjectDef | undefined {
    return this.tables.get(sobject.toLowerCase())?.def;
  }

  /** Where a record lives, whatever its state; null for ids the org never issued. */
  locate(id: string): Located | null {
    const id18 = normalizeId(id);
    if (!id18) return null;
    const table = this.byPrefix.get(id18.slice(0, 3));
    if (!table) return null;
    const row = table.rowOf(id18);
    return row < 0 ? null : { table, row, state: table.rowState(row) };
  }

  /**
   * Ends what the Recycle Bin keeps past its time (records deleted more than 15 days ago, records
   * emptied more than a day ago): they are gone for queryAll too (getDeleted still lists them
   * while its window reaches them). Readers call it before they look at deleted rows.
   */
  purgeRecycleBin(): void {
    this.recycleBin.purge(this.now());
  }

  onTransaction(listener: TransactionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live record with that external id / unique field value, or -1. */
  findByUnique(table: Table, f: FieldDef, value: string): number {
    return this.uniqueIndex(table, f).get(value.toLowerCase()) ?? -1;
  }

  write(ops: WriteOp[], ctx: WriteContext = {}): WriteResult[] {
    const tx = new TxWriter(this, ctx.userId || this.userId);
    for (const op of ops) if (op.kind === 'undelete') tx.undeleting.add(normalizeId(op.id) ?? op.id);
    const results: WriteResult[] = [];
    if (ctx.allOrNone) {
      const prepared = ops.map((op) => this.prepare(op, tx));
      if (prepared.some((p) => p instanceof SfError)) {
        return prepared.map((p) =>
          p instanceof SfError
            ? { id: null, success: false, errors: [p] }
            : {
                id: null,
                success: false,
                errors: [
                  new SfError(
                    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  ),
                ],
              },
        );
      }
      for (const p of prepared) results.push((p as () => WriteResult)());
    } else {
      for (const op of ops) {
        const p = this.prepare(op, tx);
        results.push(p instanceof SfError ? { id: opId(op), success: false, errors: [p] } : p());
      }
    }
    this.commit(tx, ctx.origin ?? '');
    return results;
  }

  create(sobject: string, fields: Record<string, unknown>, ctx: WriteContext = {}): string {
    return single(this.write([{ kind: 'create', sobject, fields }], ctx)).id!;
  }

  update(id: string, fields: Record<string, unknown>, ctx: WriteContext = {}): void {
    single(this.write([{ kind: 'update', id, fields }], ctx));
  }

  delete(id: string, ctx: WriteContext = {}): void {
    single(this.write([{ kind: 'delete', id }], ctx));
  }

  undelete(id: string, ctx: WriteContext = {}): void {
    single(this.write([{ kind: 'undelete', id }], ctx));
  }

  hardDelete(id: string, ctx: WriteContext = {}): void {
    single(this.write([{ kind: 'hardDelete', id }], ctx));
  }

  /** Runs several steps as one call (merge): their changes are reported as one Transaction. */
  transaction<T>(ctx: WriteContext, steps: (tx: TxWriter) => T): T {
    const tx = new TxWriter(this, ctx.userId || this.userId);
    try {
      return steps(tx);
    } finally {
      this.commit(tx, ctx.origin ?? '');
    }
  }

  private commit(tx: TxWriter, origin: string): void {
    if (tx.changes.length === 0) return;
    const t: Transaction = {
      transactionKey: randomUUID(),
      commitTimestamp: tx.now,
      commitNumber: ++this.commitNumber,
      userId: tx.userId,
      origin,
      changes: tx.changes,
    };
    for (const l of this.listeners) l(t);
  }

  /** Checks one operation: its error, or the step that applies it within tx. */
  prepare(op: WriteOp, tx: TxWriter): SfError | (() => WriteResult) {
    try {
      switch (op.kind) {
        case 'create':
          return this.prepareCreate(op.sobject, op.fields, tx);
        case 'update':
          return this.prepareUpdate(op.id, op.fields, tx);
        default:
          return this.prepareDelete(op.kind, op.id, tx);
      }
    } catch (err) {
      if (err instanceof SfError) return err;
      throw err;
    }
  }

  /** Input values to stored form, checked against the field definitions. */
  convert(table: Table, input: Record<string, unknown>, creating: boolean): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [name, raw] of Object.entries(input)) {
      if (name === 'attributes') continue;
      const f = table.field(name);
      if (!f) throw new SfError('INVALID_FIELD', `No such column '${name}' on sobject of type ${table.def.name}`, 400, [name]);
      if (f.name === 'Id' && !creating) continue;
      if (!(creating ? f.createable : f.updateable)) {
        throw new SfError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          400,
          [f.name],
        );
      }
      const v = toStored(f, raw);
      if (v === null && !f.nillable && f.type !== 'boolean')
        throw new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${f.name}]`, 400, [f.name]);
      if (v !== null && f.type === 'reference') this.checkReference(table, f, v as string);
      if (v !== null && f.unique) {
        const hit = this.findByUnique(table, f, String(v));
        if (hit >= 0)
          throw new SfError(
            'DUPLICATE_VALUE',
            `duplicate value found: ${f.name} duplicates value on record with id: ${table.idOf(hit)}`,
            400,
            [f.name],
          );
      }
      out.set(f.name, v);
    }
    return out;
  }

  private checkReference(table: Table, f: FieldDef, id: string): void {
    if (f.name === 'RecordTypeId') return checkRecordType(this, table.def.name, id);
    const loc = this.locate(id);
    if (!loc || loc.state !== RowState.Live || !f.referenceTo.includes(loc.table.def.name)) {
      const wrongType = loc && !f.referenceTo.includes(loc.table.def.name);
      throw new SfError(
        wrongType ? 'FIELD_INTEGRITY_EXCEPTION' : 'INVALID_CROSS_REFERENCE_KEY',
        wrongType ? `${f.label}: id value of incorrect type: ${id}` : `invalid cross reference id`,
        400,
        [f.name],
      );
    }
  }

  private prepareCreate(sobject: string, input: Record<string, unknown>, tx: TxWriter): () => WriteResult {
    const table = this.table(sobject);
    if (!table.def.createable)
      throw new SfError('INVALID_TYPE_FOR_OPERATION', `entity type ${table.def.name} does not support insert`, 400);
    const values = this.convert(table, input, true);
    beforeCreate(this, table, values);
    const missing = table.def.fields.filter((f) => isRequired(f) && f.defaultValue === null && (values.get(f.name) ?? null) === null);
    if (missing.length)
      throw new SfError(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`,
        400,
        missing.map((f) => f.name),
      );
    return () => {
      const row = tx.create(table, values);
      afterCreate(tx, table, row);
      return { id: table.idOf(row), success: true, created: true, errors: [] };
    };
  }

  private live(id: string): Located {
    const loc = this.locate(id);
    if (!loc || loc.state === RowState.Gone) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 400);
    if (loc.state === RowState.Deleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', 400);
    return loc;
  }

  private prepareUpdate(id: string, input: Record<string, unknown>, tx: TxWriter): () => WriteResult {
    if (!normalizeId(id)) throw new SfError('MALFORMED_ID', `Record ID: id value of incorrect type: ${id}`, 400, ['Id']);
    const { table, row } = this.live(id);
    if (!table.def.updateable)
      throw new SfError('INVALID_TYPE_FOR_OPERATION', `entity type ${table.def.name} does not support update`, 400);
    const values = this.convert(table, input, false);
    return () => {
      tx.update(table, row, values);
      return { id: table.idOf(row), success: true, created: false, errors: [] };
    };
  }

  private prepareDelete(kind: 'delete' | 'undelete' | 'hardDelete', id: string, tx: TxWriter): () => WriteResult {
    if (!normalizeId(id)) throw new SfError('MALFORMED_ID', `bad id ${id}`, 400);
    if (kind === 'undelete') return this.recycleBin.prepareUndelete(id, tx);
    const loc = this.locate(id);
    if (!loc || loc.state === RowState.Gone) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 400);
    const { table, row } = loc;
    if (!table.def.deletable) throw new SfError('INVALID_TYPE_FOR_OPERATION', `entity type ${table.def.name} cannot be deleted`, 400);
    if (kind === 'delete' && loc.state === RowState.Deleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', 400);
    const root = table.idOf(row);
    if (loc.state === RowState.Live) this.checkRestricted(table, row, root);
    return () => {
      const children = this.cascadeChildren(root);
      const rows = [{ table, row }, ...children];
      for (const r of rows) {
        if (kind === 'delete') tx.softDelete(r.table, r.row);
        else {
          tx.hardDelete(r.table, r.row);
          this.recycleBin.forget(r.table.idOf(r.row));
        }
      }
      if (kind === 'delete')
        this.recycleBin.deleted(
          root,
          children.map((c) => c.table.idOf(c.row)),
          tx.now,
        );
      for (const r of rows) this.clearLookupsTo(r.table.idOf(r.row), tx, kind === 'delete');
      return { id: root, success: true, errors: [] };
    };
  }

  /**
   * A record that live records point at through a restricted lookup (Case.AccountId) is not
   * deleted: Salesforce answers DELETE_FAILED naming them by their name field (case numbers).
   */
  private checkRestricted(table: Table, row: number, id: string): void {
    for (const rel of this.schema.childRelationships(table.def.name)) {
      if (!rel.restrictedDelete) continue;
      const child = this.table(rel.childSObject);
      const names = (this.rowsReferencing(child, rel.field).get(id) ?? [])
        .filter((r) => child.rowState(r) === RowState.Live && child.getStored(r, rel.field) === id)
        .map((r) => String(child.get(r, child.def.fields.find((f) => f.nameField)?.name ?? 'Id')));
      if (names.length === 0) continue;
      const label = String(table.field('Name') ? (table.get(row, 'Name') ?? id) : id);
      throw new SfError(
        'DELETE_FAILED',
        `Your attempt to delete ${label} could not be completed because it is associated with the following ${child.def.labelPlural.toLowerCase()}.: ${names.join(', ')}`,
        400,
      );
    }
  }

  /** Clears lookups (not master-detail) that point at a deleted record, as Salesforce does. */
  private clearLookupsTo(id: string, tx: TxWriter, remember: boolean): void {
    const parent = this.locate(id)!.table.def.name;
    const cleared: Array<{ id: string; field: string }> = [];
    for (const rel of this.schema.childRelationships(parent)) {
      if (rel.cascadeDelete) continue;
      const child = this.table(rel.childSObject);
      for (const r of [...(this.rowsReferencing(child, rel.field).get(id) ?? [])]) {
        if (child.rowState(r) !== RowState.Live || child.getStored(r, rel.field) !== id) continue;
        tx.update(child, r, new Map([[rel.field, null]]));
        cleared.push({ id: child.idOf(r), field: rel.field });
      }
    }
    if (remember) this.recycleBin.rememberCleared(id, cleared);
  }

  /** Live records that go with a deleted master (master-detail and cascading lookups), deep. */
  private cascadeChildren(rootId: string): Array<{ table: Table; row: number }> {
    const out: Array<{ table: Table; row: number }> = [];
    const queue = [rootId];
    while (queue.length) {
      const id = queue.shift()!;
      const parent = this.locate(id)!.table.def.name;
      for (const rel of this.schema.childRelationships(parent)) {
        if (!rel.cascadeDelete) continue;
        const child = this.table(rel.childSObject);
        for (const r of this.rowsReferencing(child, rel.field).get(id) ?? []) {
          if (child.rowState(r) !== RowState.Live) continue;
          out.push({ table: child, row: r });
          queue.push(child.idOf(r));
        }
      }
    }
    return out;
  }

  /**
   * Rows of a table by the id in one of its reference fields, built on first use and kept true by
   * moveReference as rows are created and reference fields change (row states are checked by readers).
   */
  rowsReferencing(table: Table, field: string): Map<string, number[]> {
    const key = `${table.def.name}.${field}`;
    let idx = this.refIndexes.get(key);
    if (!idx) {
      idx = new Map();
      const get = table.getter(table.field(field)!);
      for (let r = 0; r < table.size; r++) {
        const v = get(r) as string | null;
        if (v === null) continue;
        const rows = idx.get(v);
        if (rows) rows.push(r);
        else idx.set(v, [r]);
      }
      this.refIndexes.set(key, idx);
    }
    return idx;
  }

  /** Keeps built reference indexes true after a row's reference field changed (or was created). */
  moveReference(table: Table, field: string, row: number, from: unknown, to: unknown): void {
    const idx = this.refIndexes.get(`${table.def.name}.${field}`);
    if (!idx || from === to) return;
    if (typeof from === 'string') {
      const rows = idx.get(from);
      const at = rows ? rows.indexOf(row) : -1;
      if (at >= 0) rows!.splice(at, 1);
    }
    if (typeof to === 'string') {
      const rows = idx.get(to);
      if (rows) rows.push(row);
      else idx.set(to, [row]);
    }
  }

  uniqueIndex(table: Table, f: FieldDef): Map<string, number> {
    const key = `${table.def.name}.${f.name}`;
    let idx = this.uniqueIndexes.get(key);
    if (!idx) {
      idx = new Map();
      const get = table.getter(f);
      for (let r = 0; r < table.size; r++) {
        const v = get(r);
        if (v !== null && table.rowState(r) === RowState.Live) idx.set(String(v).toLowerCase(), r);
      }
      this.uniqueIndexes.set(key, idx);
    }
    return idx;
  }

  /** Keeps built unique indexes true after a row's unique values or state changed. */
  reindexUnique(table: Table, row: number, before: Map<string, unknown> | null): void {
    for (const f of table.stored) {
      if (!f.unique) continue;
      const idx = this.uniqueIndexes.get(`${table.def.name}.${f.name}`);
      if (!idx) continue;
      const old = before?.get(f.name);
      if (old !== undefined && old !== null && idx.get(String(old).toLowerCase()) === row) idx.delete(String(old).toLowerCase());
      const v = table.getStored(row, f.name);
      if (v !== null && table.rowState(row) === RowState.Live) idx.set(String(v).toLowerCase(), row);
      else if (v !== null && idx.get(String(v).toLowerCase()) === row) idx.delete(String(v).toLowerCase());
    }
  }
}

function opId(op: WriteOp): string | null {
  return op.kind === 'create' ? null : (normalizeId(op.id) ?? null);
}

function single(results: WriteResult[]): WriteResult {
  const r = results[0]!;
  if (!r.success) throw r.errors[0]!;
  return r;
}

/** Applies validated changes to the tables and records them for the Transaction. */
export class TxWriter {
  readonly changes: RecordChange[] = [];
  readonly now: number;
  /** Ids the call undeletes (a master among them brings back the records deleted with it). */
  readonly undeleting = new Set<string>();
  /** Ids this call has undeleted so far. */
  readonly restored = new Set<string>();

  constructor(
    readonly org: Org,
    readonly userId: string,
  ) {
    this.now = org.now();
  }

  create(table: Table, values: Map<string, unknown>): number {
    const row = table.allocate();
    for (const f of table.stored) table.setStored(row, f.name, values.has(f.name) ? values.get(f.name) : f.defaultValue);
    const audit: Record<string, unknown> = {
      CreatedDate: this.now,
      CreatedById: this.userId,
      LastModifiedDate: this.now,
      LastModifiedById: this.userId,
      SystemModstamp: this.now,
    };
    if (table.field('OwnerId') && !values.get('OwnerId')) audit.OwnerId = this.userId;
    for (const [k, v] of Object.entries(audit)) table.setStored(row, k, v);
    for (const f of table.stored) if (f.autoNumber) table.setStored(row, f.name, autoNumber(table.def, row));
    table.setRowState(row, RowState.Live);
    this.org.reindexUnique(table, row, null);
    // A reference index built before this row (a cascade ran) must see it, or later cascades miss it.
    for (const f of table.stored)
      if (f.type === 'reference') this.org.moveReference(table, f.name, row, null, table.getStored(row, f.name));
    this.changes.push({
      kind: 'create',
      sobject: table.def.name,
      id: table.idOf(row),
      fields: this.snapshot(table, row),
      changedFields: [],
    });
    return row;
  }

  update(table: Table, row: number, values: Map<string, unknown>): void {
    const before = new Map<string, unknown>();
    const changed: Record<string, unknown> = {};
    for (const [name, v] of values) {
      const old = table.getStored(row, name);
      before.set(name, old);
      if (!sameValue(old, v)) {
        table.setStored(row, name, v);
        if (table.field(name)!.type === 'reference') this.org.moveReference(table, name, row, old, v);
        if (!isBlob(v)) changed[name] = v;
      }
    }
    this.touch(table, row, changed);
    this.org.reindexUnique(table, row, before);
    this.changes.push({
      kind: 'update',
      sobject: table.def.name,
      id: table.idOf(row),
      fields: changed,
      changedFields: Object.keys(changed),
    });
  }

  softDelete(table: Table, row: number): void {
    table.setRowState(row, RowState.Deleted);
    table.deletedAt.set(row, this.now);
    this.touch(table, row, {});
    this.org.reindexUnique(table, row, null);
    this.changes.push({ kind: 'delete', sobject: table.def.name, id: table.idOf(row), fields: {}, changedFields: [] });
  }

  undelete(table: Table, row: number): void {
    table.setRowState(row, RowState.Live);
    table.deletedAt.delete(row);
    this.touch(table, row, {});
    this.org.reindexUnique(table, row, null);
    this.changes.push({
      kind: 'undelete',
      sobject: table.def.name,
      id: table.idOf(row),
      fields: this.snapshot(table, row),
      changedFields: [],
    });
  }

  hardDelete(table: Table, row: number): void {
    if (!table.deletedAt.has(row)) table.deletedAt.set(row, this.now);
    table.setRowState(row, RowState.Gone);
    this.org.reindexUnique(table, row, null);
    this.changes.push({ kind: 'hardDelete', sobject: table.def.name, id: table.idOf(row), fields: {}, changedFields: [] });
  }

  private touch(table: Table, row: number, changed: Record<string, unknown>): void {
    const audit: Record<string, unknown> = { LastModifiedDate: this.now, LastModifiedById: this.userId, SystemModstamp: this.now };
    for (const name of AUDIT_FIELDS) {
      if (!table.field(name)) continue;
      if (!sameValue(table.getStored(row, name), audit[name])) changed[name] = audit[name];
      table.setStored(row, name, audit[name]);
    }
  }

  private snapshot(table: Table, row: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of table.stored) {
      const v = table.getStored(row, f.name);
      if (!isBlob(v)) out[f.name] = v;
    }
    return out;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a === null && b === undefined) || (a === undefined && b === null);
}

function autoNumber(def: ObjectDef, row: number): string {
  const n = String(row + 1);
  return def.name === 'Case' ? n.padStart(8, '0') : `${def.name.slice(0, 3).toUpperCase()}-${n.padStart(6, '0')}`;
}
