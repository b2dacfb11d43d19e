/**
 * Runs a parsed query against the org's tables: resolves field paths (parent relationships
 * included), filters, sorts and limits, and answers with the matching row numbers and a reader
 * per column. Rows are read lazily, so REST pages and Bulk CSV streams cost nothing up front.
 */
import { SfError, invalidType } from '../errors.js';
import type { FieldDef } from '../data/model.js';
import type { Located, Org } from '../data/org.js';
import { RowState, type RowGetter, type Table } from '../data/table.js';
import { normalizeId } from '../data/ids.js';
import type { Condition, Literal, SelectQuery } from './ast.js';
import { parseSoql } from './parser.js';
import { dateLiteralRange } from './date-literals.js';
import { refreshUserPermissionAccess, visibleDocuments } from '../data/permissions.js';

export interface QueryColumn {
  /** Path as written in describe's spelling, e.g. "Owner.Name": the Bulk CSV header. */
  name: string;
  path: string[];
  /** The field at the end of the path (for a polymorphic parent, of its first object that has it). */
  field: FieldDef;
  /** Stored value for a table row (datetimes as epoch ms); null when a parent is missing. */
  get: RowGetter;
  /** One entry per relationship in the path: the parent record at that depth, or null. */
  parents: Array<(row: number) => Located | null>;
}

export interface QueryResult {
  sobject: string;
  table: Table;
  /** SELECT COUNT(): totalSize is the answer and there are no columns. */
  count: boolean;
  columns: QueryColumn[];
  /** Table row numbers of the result, in result order. */
  rows: Int32Array;
  totalSize: number;
}

export interface ExecuteOptions {
  /** queryAll: include records in the recycle bin. */
  includeDeleted?: boolean;
  /**
   * The running user: UserPermissionAccess answers their effective permissions, and without
   * Query All Files ContentDocument / ContentVersion show only their own and shared files.
   */
  userId?: string;
}

/** Parses and runs SOQL; throws SfError (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...). */
export function executeSoql(org: Org, soql: string, options: ExecuteOptions = {}): QueryResult {
  return new Executor(org, soql).run(parseSoql(soql), options);
}

/** The stored values of result row i, in column order. */
export function rowValues(result: QueryResult, i: number): unknown[] {
  const row = result.rows[i]!;
  return result.columns.map((c) => c.get(row));
}

const FILTER_TYPE: Record<string, string> = {
  int: 'int',
  double: 'double',
  currency: 'double',
  percent: 'double',
  boolean: 'boolean',
  date: 'date',
  datetime: 'dateTime',
};

class Executor {
  constructor(
    private readonly org: Org,
    private readonly soql: string,
  ) {}

  private positioned(pos: number, code: string, message: string): SfError {
    return new SfError(code, `\n${this.soql.replace(/\s/g, ' ')}\n${' '.repeat(pos)}^\nERROR at Row:1:Column:${pos + 1}\n${message}`);
  }

  private alias: string | null = null;

  run(q: SelectQuery, options: ExecuteOptions): QueryResult {
    this.alias = q.alias?.toLowerCase() ?? null;
    if (!this.org.hasObject(q.from)) {
      const e = invalidType(q.from);
      throw this.positioned(q.fromPos, 'INVALID_TYPE', e.message);
    }
    const table = this.org.table(q.from);
    const columns = q.fields.map((f) => this.column(table, f.path, f.pos));
    if (table.def.name === 'ContentDocumentLink' && !filtersById(q.where)) {
      throw new SfError(
        'MALFORMED_QUERY',
        "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
      );
    }
    const predicate = q.where ? this.condition(table, q.where) : null;
    if (options.includeDeleted) this.org.purgeRecycleBin();
    const fileFilter = this.fileFilter(table, options.userId);
    if (table.def.name === 'UserPermissionAccess' && options.userId) refreshUserPermissionAccess(this.org, options.userId);
    const matched: number[] = [];
    const candidates = idCandidates(table, q.where);
    for (let k = 0, n = candidates ? candidates.length : table.size; k < n; k++) {
      const r = candidates ? candidates[k]! : k;
      const s = table.rowState(r);
      if (s === RowState.Gone || (s === RowState.Deleted && !options.includeDeleted)) continue;
      if (fileFilter && !fileFilter(r)) continue;
      if (predicate && !predicate(r)) continue;
      matched.push(r);
    }
    if (q.orderBy.length) this.sort(table, q, matched);
    const start = Math.min(q.offset ?? 0, matched.length);
    const end = q.limit === null ? matched.length : Math.min(matched.length, start + q.limit);
    const rows = Int32Array.from(matched.slice(start, end));
    return { sobject: table.def.name, table, count: q.count, columns, rows, totalSize: rows.length };
  }

  /** Row filter hiding files the running user may not see (null: sees all). */
  private fileFilter(table: Table, userId: string | undefined): ((row: number) => boolean) | null {
    const name = table.def.name;
    if (!userId || (name !== 'ContentDocument' && name !== 'ContentVersion')) return null;
    const visible = visibleDocuments(this.org, userId);
    if (!visible) return null;
    const docOf = name === 'ContentDocument' ? (row: number) => table.idOf(row) : table.getter(table.field('ContentDocumentId')!);
    return (row) => visible.has(docOf(row) as string);
  }

  private sort(table: Table, q: SelectQuery, matched: number[]): void {
    const keys = q.orderBy.map((o) => {
      const col = this.column(table, o.path, o.pos);
      const text = !['int', 'double', 'currency', 'percent', 'datetime', 'boolean'].includes(col.field.type);
      const values = new Map<number, unknown>();
      for (const r of matched) {
        const v = col.get(r);
        values.set(r, v === null || v === undefined ? null : text ? String(v).toLowerCase() : v);
      }
      return { values, sign: o.desc ? -1 : 1, nullsLast: o.nullsLast };
    });
    matched.sort((a, b) => {
      for (const k of keys) {
        const x = k.values.get(a) as string | number | null;
        const y = k.values.get(b) as string | number | null;
        if (x === y) continue;
        if (x === null) return k.nullsLast ? 1 : -1;
        if (y === null) return k.nullsLast ? -1 : 1;
        return (x < y ? -1 : 1) * k.sign;
      }
      return a - b;
    });
  }

  private noSuchColumn(table: Table, name: string, pos: number): SfError {
    return this.positioned(
      pos,
      'INVALID_FIELD',
      `No such column '${name}' on entity '${table.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }

  /** Resolves a field path to a column reader. */
  column(table: Table, rawPath: string[], pos: number): QueryColumn {
    let path = rawPath;
    const head = path[0]!.toLowerCase();
    if (path.length > 1 && (head === table.def.name.toLowerCase() || head === this.alias) && !relationshipField(table, path[0]!)) {
      path = path.slice(1);
    }
    if (path.length === 1) {
      const f = table.field(path[0]!);
      if (!f) throw this.noSuchColumn(table, path[0]!, pos);
      return { name: f.name, path: [f.name], field: f, get: table.getter(f), parents: [] };
    }
    // Walk relationships; every candidate object at each depth is kept (polymorphic lookups).
    let candidates: Table[] = [table];
    const steps: Array<{ byTable: Map<Table, RowGetter>; name: string }> = [];
    for (let i = 0; i < path.length - 1; i++) {
      const byTable = new Map<Table, RowGetter>();
      const next = new Set<Table>();
      let relName = '';
      for (const t of candidates) {
        const rf = relationshipField(t, path[i]!);
        if (!rf) continue;
        relName = rf.relationshipName!;
        byTable.set(t, t.getter(rf));
        for (const target of rf.referenceTo) if (this.org.hasObject(target)) next.add(this.org.table(target));
      }
      if (!byTable.size) {
        throw this.positioned(
          pos,
          'INVALID_FIELD',
          `Didn't understand relationship '${path[i]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      steps.push({ byTable, name: relName });
      candidates = [...next];
    }
    const last = path[path.length - 1]!;
    const finals = new Map<Table, RowGetter>();
    let field: FieldDef | undefined;
    for (const t of candidates) {
      const f = t.field(last);
      if (!f) continue;
      field ??= f;
      finals.set(t, t.getter(f));
    }
    if (!field) throw this.noSuchColumn(candidates[0]!, last, pos);
    const org = this.org;
    const parents = steps.map((_, depth) => (row: number): Located | null => {
      let t: Table = table;
      let r = row;
      let loc: Located | null = null;
      for (let d = 0; d <= depth; d++) {
        const g = steps[d]!.byTable.get(t);
        const id = g ? (g(r) as string | null) : null;
        loc = id ? org.locate(id) : null;
        if (!loc || loc.state === RowState.Gone) return null;
        t = loc.table;
        r = loc.row;
      }
      return loc;
    });
    const deepest = parents[parents.length - 1]!;
    const get: RowGetter = (row) => {
      const loc = deepest(row);
      if (!loc) return null;
      const g = finals.get(loc.table);
      return g ? g(loc.row) : null;
    };
    const name = [...steps.map((s) => s.name), field.name].join('.');
    return { name, path: name.split('.'), field, get, parents };
  }

  private condition(table: Table, c: Condition): (row: number) => boolean {
    switch (c.kind) {
      case 'and': {
        const l = this.condition(table, c.left);
        const r = this.condition(table, c.right);
        return (row) => l(row) && r(row);
      }
      case 'or': {
        const l = this.condition(table, c.left);
        const r = this.condition(table, c.right);
        return (row) => l(row) || r(row);
      }
      case 'not': {
        const e = this.condition(table, c.expr);
        return (row) => !e(row);
      }
      default:
        return this.compare(table, c);
    }
  }

  private compare(table: Table, c: Extract<Condition, { kind: 'compare' }>): (row: number) => boolean {
    const col = this.column(table, c.path, c.pos);
    const f = col.field;
    const get = col.get;
    if (f.type === 'textarea' && f.length > 255)
      throw this.positioned(c.pos, 'INVALID_FIELD', `field '${f.name}' can not be filtered in a query call`);
    if (f.type === 'address' || f.type === 'location' || f.type === 'base64')
      throw this.positioned(c.pos, 'INVALID_FIELD', `field '${f.name}' can not be filtered in a query call`);
    const op = c.op;
    if (Array.isArray(c.value)) {
      const values = c.value.map((l) => this.coerce(f, l, c.pos));
      if (op === 'includes' || op === 'excludes') {
        const sets = values.map(
          (v) =>
            new Set(
              String(v ?? '')
                .toLowerCase()
                .split(';'),
            ),
        );
        return (row) => {
          const v = get(row);
          const have = new Set(v === null ? [] : String(v).toLowerCase().split(';'));
          const hit = sets.some((s) => [...s].every((x) => have.has(x)));
          return op === 'includes' ? hit : v !== null && !hit;
        };
      }
      const set = new Set(values.map((v) => key(v)));
      return op === 'in' ? (row) => set.has(key(get(row))) : (row) => !set.has(key(get(row)));
    }
    const lit = c.value;
    if (lit.kind === 'dateLiteral') {
      if (f.type !== 'date' && f.type !== 'datetime') throw this.typeError(f, c.pos);
      const [start, end] = dateLiteralRange(lit.name, lit.n, this.org.now());
      const lo: number | string = f.type === 'date' ? isoDate(start) : start;
      const hi: number | string = f.type === 'date' ? isoDate(end) : end;
      const inRange = (v: unknown): boolean => v !== null && (v as string | number) >= lo && (v as string | number) < hi;
      switch (op) {
        case '=':
          return (row) => inRange(get(row));
        case '!=':
          return (row) => !inRange(get(row));
        case '<':
          return (row) => notNull(get(row), (v) => v < lo);
        case '<=':
          return (row) => notNull(get(row), (v) => v < hi);
        case '>':
          return (row) => notNull(get(row), (v) => v >= hi);
        case '>=':
          return (row) => notNull(get(row), (v) => v >= lo);
        default:
          throw this.positioned(c.pos, 'MALFORMED_QUERY', `unexpected token: '${op}'`);
      }
    }
    const v = this.coerce(f, lit, c.pos);
    const k = key(v);
    if (op === 'like') {
      if (typeof v !== 'string') throw this.typeError(f, c.pos);
      const re = likeRegex(v);
      return (row) => {
        const x = get(row);
        return x !== null && re.test(String(x));
      };
    }
    if (f.type === 'multipicklist' && (op === '=' || op === '!=')) {
      const want = [
        ...new Set(
          String(v ?? '')
            .toLowerCase()
            .split(';'),
        ),
      ]
        .sort()
        .join(';');
      const eq = (row: number): boolean => {
        const x = get(row);
        return v === null ? x === null : x !== null && [...new Set(String(x).toLowerCase().split(';'))].sort().join(';') === want;
      };
      return op === '=' ? eq : (row) => !eq(row);
    }
    switch (op) {
      case '=':
        return (row) => key(get(row)) === k;
      case '!=':
        return (row) => key(get(row)) !== k;
      case '<':
        return (row) => notNull(get(row), (x) => key(x)! < k!);
      case '<=':
        return (row) => notNull(get(row), (x) => key(x)! <= k!);
      case '>':
        return (row) => notNull(get(row), (x) => key(x)! > k!);
      case '>=':
        return (row) => notNull(get(row), (x) => key(x)! >= k!);
      default:
        throw this.positioned(c.pos, 'MALFORMED_QUERY', `unexpected token: '${op}'`);
    }
  }

  private typeError(f: FieldDef, pos: number): SfError {
    const t = FILTER_TYPE[f.type] ?? 'string';
    return this.positioned(
      pos,
      'INVALID_FIELD',
      `value of filter criterion for field '${f.name}' must be of type ${t} and should not be enclosed in quotes`,
    );
  }

  /** A literal in the stored form of field f (null stays null). */
  private coerce(f: FieldDef, lit: Literal, pos: number): unknown {
    if (lit.kind === 'null') return null;
    switch (f.type) {
      case 'int':
      case 'double':
      case 'currency':
      case 'percent':
        if (lit.kind !== 'number') throw this.typeError(f, pos);
        return lit.value;
      case 'boolean':
        if (lit.kind !== 'boolean') throw this.typeError(f, pos);
        return lit.value;
      case 'date':
        if (lit.kind !== 'date') throw this.typeError(f, pos);
        return lit.value;
      case 'datetime':
        if (lit.kind !== 'datetime') throw this.typeError(f, pos);
        return lit.value;
      case 'id':
      case 'reference': {
        if (lit.kind !== 'string') throw this.typeError(f, pos);
        if (lit.value === '') return null;
        const id = normalizeId(lit.value);
        if (!id) throw this.positioned(pos, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.value}`);
        return id;
      }
      default:
        if (lit.kind !== 'string') throw this.typeError(f, pos);
        return lit.value;
    }
  }
}

function relationshipField(t: Table, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return t.def.fields.find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === lower);
}

/** Comparison key: text compares case-insensitively, as SOQL does. */
function key(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v.toLowerCase() : (v as number | boolean);
}

function notNull(v: unknown, test: (v: string | number) => boolean): boolean {
  return v !== null && v !== undefined && test(v as string | number);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`, 'is');
}

/**
 * Rows an `Id = '...'` / `Id IN (...)` conjunct restricts the query to (sorted, unique), or
 * null when the WHERE clause has no such conjunct and every row must be scanned.
 */
function idCandidates(table: Table, c: Condition | null): number[] | null {
  if (!c) return null;
  if (c.kind === 'and') return idCandidates(table, c.left) ?? idCandidates(table, c.right);
  if (c.kind !== 'compare' || c.path.length !== 1 || c.path[0]!.toLowerCase() !== 'id' || (c.op !== '=' && c.op !== 'in')) return null;
  const lits = Array.isArray(c.value) ? c.value : [c.value];
  const rows = new Set<number>();
  for (const l of lits) {
    const id = l.kind === 'string' ? normalizeId(l.value) : null;
    const r = id ? table.rowOf(id) : -1;
    if (r >= 0) rows.add(r);
  }
  return [...rows].sort((a, b) => a - b);
}

/** ContentDocumentLink's implementation restriction: an Id filter on the document or entity. */
function filtersById(c: Condition | null): boolean {
  if (!c) return false;
  if (c.kind === 'and') return filtersById(c.left) || filtersById(c.right);
  if (c.kind === 'or') return filtersById(c.left) && filtersById(c.right);
  if (c.kind !== 'compare') return false;
  const name = c.path[c.path.length - 1]!.toLowerCase();
  return (
    c.path.length === 1 && (name === 'contentdocumentid' || name === 'linkedentityid' || name === 'id') && (c.op === '=' || c.op === 'in')
  );
}
