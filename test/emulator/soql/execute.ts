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
import type { Condition, FieldRef, Literal, SelectQuery } from './ast.js';
import { parseSoql } from './parser.js';
import { aggregateRecords, isAggregateQuery } from './aggregate.js';
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

/** A parent-to-child subquery: the child records of each parent, in the subquery's order. */
export interface ChildColumn {
  /** The child relationship name, e.g. "Contacts": the key the REST record nests them under. */
  name: string;
  result: QueryResult;
  rowsOf(parentId: string): number[];
}

export interface QueryResult {
  sobject: string;
  table: Table;
  /** SELECT COUNT(): totalSize is the answer and there are no columns. */
  count: boolean;
  columns: QueryColumn[];
  children: ChildColumn[];
  /** An aggregate query (COUNT(Id), GROUP BY ...): its AggregateResult records; rows is empty. */
  aggregates: Array<Record<string, unknown>> | null;
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

/** Salesforce's cap on OFFSET. */
const MAX_OFFSET = 2000;
/** FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this. */
const FIELDS_LIMIT = 200;

function isSelect(v: Literal | Literal[] | SelectQuery): v is SelectQuery {
  return !Array.isArray(v) && 'from' in v;
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
  private options: ExecuteOptions = {};

  run(q: SelectQuery, options: ExecuteOptions): QueryResult {
    this.alias = q.alias?.toLowerCase() ?? null;
    if (!this.org.hasObject(q.from)) {
      const e = invalidType(q.from);
      throw this.positioned(q.fromPos, 'INVALID_TYPE', e.message);
    }
    if (q.offset !== null && q.offset > MAX_OFFSET)
      throw new SfError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
    const table = this.org.table(q.from);
    const columns = this.selectFields(table, q).map((f) => {
      const col = this.column(table, f.path, f.pos);
      return f.typeOf ? this.typeOfColumn(table, col, f.typeOf, f.pos) : col;
    });
    if (table.def.name === 'ContentDocumentLink' && !filtersById(q.where)) {
      throw new SfError(
        'MALFORMED_QUERY',
        "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
      );
    }
    const matched = this.match(table, q.where, options);
    if (q.orderBy.length) this.sort(table, q, matched);
    if (isAggregateQuery(q)) {
      const aggregates = aggregateRecords(this, table, q, matched);
      return {
        sobject: table.def.name,
        table,
        count: false,
        columns,
        children: [],
        aggregates,
        rows: new Int32Array(),
        totalSize: aggregates.length,
      };
    }
    const start = Math.min(q.offset ?? 0, matched.length);
    const end = q.limit === null ? matched.length : Math.min(matched.length, start + q.limit);
    const rows = Int32Array.from(matched.slice(start, end));
    const children = q.subqueries.map((sub) => this.children(table, sub, options));
    return { sobject: table.def.name, table, count: q.count, columns, children, aggregates: null, rows, totalSize: rows.length };
  }

  /** The select list's fields, FIELDS(...) expanded (FIELDS(ALL | CUSTOM) only with LIMIT <= 200). */
  private selectFields(table: Table, q: SelectQuery): FieldRef[] {
    const out: FieldRef[] = [];
    for (const f of q.fields) {
      if (!f.macro) {
        out.push(f);
        continue;
      }
      if (f.macro !== 'STANDARD' && (q.limit === null || q.limit > FIELDS_LIMIT))
        throw this.positioned(f.pos, 'MALFORMED_QUERY', `The SOQL FIELDS function must have a LIMIT of at most ${FIELDS_LIMIT}`);
      for (const d of table.def.fields) {
        if (f.macro === 'ALL' || (f.macro === 'CUSTOM') === d.custom) out.push({ path: [d.name], pos: f.pos });
      }
    }
    const seen = new Set<string>();
    return out.filter((f) => {
      // TYPEOF's branches may each name the same field of a different parent type.
      const k = `${f.path.join('.').toLowerCase()}${f.typeOf ? `|${f.typeOf.otherwise}|${f.typeOf.types.join(',')}` : ''}`;
      return !seen.has(k) && !!seen.add(k);
    });
  }

  /** Rows of the table the WHERE clause keeps (recycle bin and file visibility applied). */
  private match(table: Table, where: Condition | null, options: ExecuteOptions): number[] {
    this.options = options;
    const predicate = where ? this.condition(table, where) : null;
    if (options.includeDeleted) this.org.purgeRecycleBin();
    const fileFilter = this.fileFilter(table, options.userId);
    if (table.def.name === 'UserPermissionAccess' && options.userId) refreshUserPermissionAccess(this.org, options.userId);
    const matched: number[] = [];
    const candidates = idCandidates(table, where);
    for (let k = 0, n = candidates ? candidates.length : table.size; k < n; k++) {
      const r = candidates ? candidates[k]! : k;
      const s = table.rowState(r);
      if (s === RowState.Gone || (s === RowState.Deleted && !options.includeDeleted)) continue;
      if (fileFilter && !fileFilter(r)) continue;
      if (predicate && !predicate(r)) continue;
      matched.push(r);
    }
    return matched;
  }

  /** A parent-to-child subquery: its FROM names one of the parent's child relationships. */
  private children(parent: Table, sub: SelectQuery, options: ExecuteOptions): ChildColumn {
    const rel = this.org.schema
      .childRelationships(parent.def.name)
      .find((r) => r.relationshipName?.toLowerCase() === sub.from.toLowerCase());
    if (!rel || sub.subqueries.length || isAggregateQuery(sub)) {
      throw this.positioned(
        sub.fromPos,
        'INVALID_TYPE',
        `Didn't understand relationship '${sub.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const result = new Executor(this.org, this.soql).run({ ...sub, from: rel.childSObject, limit: null, offset: null }, options);
    const parentOf = result.table.getter(result.table.field(rel.field)!);
    const byParent = new Map<string, number[]>();
    for (const r of result.rows) {
      const p = parentOf(r) as string | null;
      if (!p) continue;
      const list = byParent.get(p) ?? [];
      if (!byParent.has(p)) byParent.set(p, list);
      if (list.length >= (sub.offset ?? 0) + (sub.limit ?? Infinity)) continue;
      list.push(r);
    }
    const skip = sub.offset ?? 0;
    return { name: rel.relationshipName!, result, rowsOf: (id) => (byParent.get(id) ?? []).slice(skip) };
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

  sort(table: Table, q: SelectQuery, matched: number[]): void {
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

  /** A TYPEOF field: read only for rows whose polymorphic parent is (or, for ELSE, is not) of the named types. */
  private typeOfColumn(table: Table, col: QueryColumn, typeOf: NonNullable<FieldRef['typeOf']>, pos: number): QueryColumn {
    const rel = relationshipField(table, col.path[0]!);
    if (!rel || rel.referenceTo.length < 2)
      throw this.positioned(pos, 'MALFORMED_QUERY', `TYPEOF is supported on polymorphic relationships only, not on ${col.path[0]}`);
    const targets = new Map(rel.referenceTo.map((t) => [t.toLowerCase(), t]));
    for (const t of typeOf.types)
      if (!targets.has(t.toLowerCase())) throw this.positioned(pos, 'INVALID_TYPE', `${t} is not a type of ${rel.relationshipName}`);
    const named = new Set(typeOf.types.map((t) => targets.get(t.toLowerCase())!));
    const first = col.parents[0]!;
    const applies = (row: number): boolean => {
      const loc = first(row);
      return !!loc && named.has(loc.table.def.name) !== typeOf.otherwise;
    };
    return {
      ...col,
      get: (row) => (applies(row) ? col.get(row) : null),
      parents: col.parents.map((p) => (row: number) => (applies(row) ? p(row) : null)),
    };
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
    if (c.aggregate) throw this.positioned(c.pos, 'MALFORMED_QUERY', 'Aggregate functions are only allowed in HAVING');
    const col = this.column(table, c.path, c.pos);
    const f = col.field;
    const get = col.get;
    if (isSelect(c.value)) return this.semiJoin(c.value, c, get);
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

  /** `Id IN (SELECT ParentId FROM ...)` (semi-join) or `NOT IN` (anti-join). */
  private semiJoin(inner: SelectQuery, c: Extract<Condition, { kind: 'compare' }>, get: RowGetter): (row: number) => boolean {
    const result = new Executor(this.org, this.soql).run(inner, this.options);
    const col = result.columns[0];
    const idType = col?.field.type === 'id' || col?.field.type === 'reference';
    if (
      (c.op !== 'in' && c.op !== 'not in') ||
      result.columns.length !== 1 ||
      !idType ||
      inner.subqueries.length ||
      isAggregateQuery(inner)
    )
      throw this.positioned(c.pos, 'MALFORMED_QUERY', 'semi join sub selects can only select one field, an Id or a reference to one');
    const ids = new Set<unknown>();
    for (const r of result.rows) ids.add(col.get(r));
    return c.op === 'in' ? (row) => ids.has(get(row)) : (row) => !ids.has(get(row));
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
  if (isSelect(c.value)) return null;
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
