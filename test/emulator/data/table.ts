/**
 * One object's records, stored by column: a typed array per datetime and checkbox field and a
 * plain array per other field, with the row number as the record's identity (its id is derived
 * from it). This keeps a million records small and lets readers scan columns quickly.
 */
import { idCounter, makeId } from './ids.js';
import type { FieldDef, ObjectDef } from './model.js';

export const enum RowState {
  Live = 0,
  Deleted = 1,
  Gone = 2,
}

/** A column's backing array, for readers that scan many rows (CSV writers). */
export type RawColumn = { kind: 'any'; data: unknown[] } | { kind: 'datetime'; data: Float64Array } | { kind: 'boolean'; data: Uint8Array };

interface Column {
  raw(): RawColumn;
  get(row: number): unknown;
  set(row: number, v: unknown): void;
  grow(capacity: number): void;
}

class AnyColumn implements Column {
  private data: unknown[] = [];
  raw(): RawColumn {
    return { kind: 'any', data: this.data };
  }
  get(row: number): unknown {
    return this.data[row] ?? null;
  }
  set(row: number, v: unknown): void {
    this.data[row] = v;
  }
  grow(): void {}
}

/** Epoch milliseconds; NaN is null. */
class DateTimeColumn implements Column {
  private data = new Float64Array(16).fill(NaN);
  raw(): RawColumn {
    return { kind: 'datetime', data: this.data };
  }
  get(row: number): unknown {
    const v = this.data[row]!;
    return v === v ? v : null;
  }
  set(row: number, v: unknown): void {
    this.data[row] = typeof v === 'number' ? v : NaN;
  }
  grow(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new Float64Array(Math.max(capacity, this.data.length * 2)).fill(NaN);
    next.set(this.data);
    this.data = next;
  }
}

class BoolColumn implements Column {
  private data = new Uint8Array(16);
  raw(): RawColumn {
    return { kind: 'boolean', data: this.data };
  }
  get(row: number): unknown {
    return this.data[row] === 1;
  }
  set(row: number, v: unknown): void {
    this.data[row] = v === true ? 1 : 0;
  }
  grow(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new Uint8Array(Math.max(capacity, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

export type RowGetter = (row: number) => unknown;

export class Table {
  readonly def: ObjectDef;
  /** Fields held in columns, in definition order (Id, IsDeleted and computed fields are not). */
  readonly stored: FieldDef[];
  private readonly columns = new Map<string, Column>();
  private readonly fieldIndex = new Map<string, FieldDef>();
  private readonly getters = new Map<string, RowGetter>();
  private state = new Uint8Array(16);
  /** Rows ever allocated; row numbers are 0..size-1. */
  size = 0;
  /** When each row in the recycle bin or hard-deleted was deleted (epoch ms). */
  readonly deletedAt = new Map<number, number>();

  constructor(def: ObjectDef) {
    this.def = def;
    this.stored = def.fields.filter((f) => f.compute === null && f.name !== 'Id' && f.name !== 'IsDeleted');
    for (const f of def.fields) this.fieldIndex.set(f.name.toLowerCase(), f);
    for (const f of this.stored) {
      this.columns.set(f.name, f.type === 'datetime' ? new DateTimeColumn() : f.type === 'boolean' ? new BoolColumn() : new AnyColumn());
    }
  }

  field(name: string): FieldDef | undefined {
    return this.fieldIndex.get(name.toLowerCase());
  }

  /** Ids made so far, by row: making one costs more than keeping it, and readers ask often. */
  private readonly ids: string[] = [];
  /** Rows from this one on count their ids from `createdBase` (see countCreatedFrom). */
  private firstCreated = Infinity;
  private createdBase = 0;

  /**
   * Rows allocated from now on take id counters from `base` up instead of their row number, so a
   * restarted emulator (its generated records back, the ones created since gone) never gives a new
   * record an id an earlier run gave another, as Salesforce never reuses an id.
   */
  countCreatedFrom(base: number): void {
    this.firstCreated = this.size;
    this.createdBase = base;
  }

  idOf(row: number): string {
    const counter = row < this.firstCreated ? row + 1 : this.createdBase + (row - this.firstCreated) + 1;
    return (this.ids[row] ??= makeId(this.def.keyPrefix, counter));
  }

  /** The row of an 18-character id of this object, or -1 (never allocated). */
  rowOf(id18: string): number {
    if (!id18.startsWith(this.def.keyPrefix)) return -1;
    const counter = idCounter(id18);
    const row =
      counter > this.createdBase && this.firstCreated !== Infinity ? this.firstCreated + (counter - this.createdBase) - 1 : counter - 1;
    return row >= 0 && row < this.size && this.idOf(row) === id18 ? row : -1;
  }

  rowState(row: number): RowState {
    return this.state[row] as RowState;
  }

  setRowState(row: number, s: RowState): void {
    this.state[row] = s;
  }

  /** A new row with all columns null (checkboxes false). */
  allocate(): number {
    const row = this.size++;
    if (row >= this.state.length) {
      const next = new Uint8Array(this.state.length * 2);
      next.set(this.state);
      this.state = next;
      for (const c of this.columns.values()) c.grow(next.length);
    }
    return row;
  }

  /** Make room for n more rows at once (the generator's bulk loads). */
  reserve(n: number): void {
    const need = this.size + n;
    if (need <= this.state.length) return;
    const next = new Uint8Array(need);
    next.set(this.state);
    this.state = next;
    for (const c of this.columns.values()) c.grow(need);
  }

  /** Stored value of a stored field (datetimes as epoch ms, dates as YYYY-MM-DD). */
  getStored(row: number, name: string): unknown {
    return this.columns.get(name)!.get(row);
  }

  setStored(row: number, name: string, v: unknown): void {
    this.columns.get(name)!.set(row, v);
  }

  /** The backing array of a stored field (undefined for Id, IsDeleted and computed fields). */
  rawColumn(name: string): RawColumn | undefined {
    return this.columns.get(name)?.raw();
  }

  /** Every row's id, made now where not made before. */
  allIds(): string[] {
    for (; this.idsFilled < this.size; this.idsFilled++) this.idOf(this.idsFilled);
    return this.ids;
  }

  private idsFilled = 0;

  /** A reader of one field's value by row, computed fields included. */
  getter(f: FieldDef): RowGetter {
    let g = this.getters.get(f.name);
    if (g) return g;
    if (f.name === 'Id') g = (row) => this.idOf(row);
    else if (f.name === 'IsDeleted') g = (row) => this.state[row] !== RowState.Live;
    else if (f.compute) {
      const compute = f.compute;
      g = (row) => compute((name) => this.getter(this.field(name)!)(row));
    } else {
      const col = this.columns.get(f.name)!;
      g = (row) => col.get(row);
    }
    this.getters.set(f.name, g);
    return g;
  }

  get(row: number, name: string): unknown {
    return this.getter(this.field(name)!)(row);
  }
}
