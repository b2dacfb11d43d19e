/** Recursive-descent parser for the SOQL subset in ast.ts. */
import { parseDateTime } from '../data/values.js';
import type { Aggregate, AggregateFn, CompareOp, Condition, FieldRef, Literal, OrderItem, SelectQuery } from './ast.js';
import { malformed, tokenize, type Token } from './lexer.js';

const DATE_LITERALS = new Set([
  'YESTERDAY',
  'TODAY',
  'TOMORROW',
  'LAST_WEEK',
  'THIS_WEEK',
  'NEXT_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  'NEXT_MONTH',
  'LAST_90_DAYS',
  'NEXT_90_DAYS',
  'LAST_YEAR',
  'THIS_YEAR',
  'NEXT_YEAR',
]);
const DATE_N_LITERALS = new Set([
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'N_DAYS_AGO',
  'LAST_N_WEEKS',
  'NEXT_N_WEEKS',
  'LAST_N_MONTHS',
  'NEXT_N_MONTHS',
  'LAST_N_YEARS',
  'NEXT_N_YEARS',
]);
const AGGREGATES = new Set<AggregateFn>(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);
const FIELDS_MACROS = new Set(['ALL', 'STANDARD', 'CUSTOM']);
const RESERVED = new Set([
  'FROM',
  'WHERE',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'AND',
  'OR',
  'NOT',
  'SELECT',
  'GROUP',
  'HAVING',
  'WITH',
  'FOR',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
]);

class Parser {
  private i = 0;
  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    return this.tokens[Math.min(this.i++, this.tokens.length - 1)]!;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private fail(t: Token = this.peek()): never {
    throw malformed(this.soql, t.pos, `unexpected token: ${t.kind === 'eof' ? '<EOF>' : `'${t.text}'`}`);
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail();
    return this.next();
  }

  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) this.fail(t);
  }

  parse(): SelectQuery {
    const q = this.select();
    if (this.peek().kind !== 'eof') this.fail();
    return q;
  }

  /** One SELECT: the whole query, a parent-to-child subquery or a semi-join's inner query. */
  private select(): SelectQuery {
    this.expectKeyword('SELECT');
    const q: SelectQuery = {
      count: false,
      fields: [],
      aggregates: [],
      subqueries: [],
      from: '',
      fromPos: 0,
      alias: null,
      where: null,
      groupBy: [],
      having: null,
      orderBy: [],
      limit: null,
      offset: null,
    };
    if (this.isKeyword('COUNT') && this.peek(1).text === '(' && this.peek(2).text === ')') {
      this.i += 3;
      q.count = true;
    } else {
      do this.selectItem(q);
      while (this.peek().text === ',' && this.next());
    }
    this.expectKeyword('FROM');
    const from = this.next();
    if (from.kind !== 'ident' || from.text.includes('.')) this.fail(from);
    q.from = from.text;
    q.fromPos = from.pos;
    if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase())) q.alias = this.next().text;
    this.clauses(q);
    return q;
  }

  private clauses(q: SelectQuery): void {
    if (this.isKeyword('WHERE')) {
      this.next();
      q.where = this.orExpr();
    }
    if (this.isKeyword('GROUP')) {
      this.next();
      this.expectKeyword('BY');
      do q.groupBy.push(this.fieldRef());
      while (this.peek().text === ',' && this.next());
    }
    if (this.isKeyword('HAVING')) {
      this.next();
      q.having = this.orExpr();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do q.orderBy.push(this.orderItem());
      while (this.peek().text === ',' && this.next());
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      q.limit = this.integer();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      q.offset = this.integer();
    }
    if (this.isKeyword('FOR')) {
      this.next();
      const what = this.next();
      if (!['VIEW', 'REFERENCE', 'UPDATE'].includes(what.text.toUpperCase())) this.fail(what);
    }
  }

  private selectItem(q: SelectQuery): void {
    if (this.isKeyword('TYPEOF') && this.peek(1).kind === 'ident') {
      q.fields.push(...this.typeOf());
      return;
    }
    if (this.peek().text === '(') {
      this.next();
      q.subqueries.push(this.select());
      this.expectPunct(')');
      return;
    }
    const agg = this.aggregate();
    if (!agg) {
      q.fields.push(this.fieldRef(true));
      return;
    }
    if (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase())) agg.alias = this.next().text;
    q.aggregates.push(agg);
  }

  /** `TYPEOF What WHEN Account THEN Name, Phone ... [ELSE Name] END`: one FieldRef per field. */
  private typeOf(): FieldRef[] {
    this.next();
    const rel = this.next();
    if (rel.kind !== 'ident' || rel.text.includes('.')) this.fail(rel);
    const out: FieldRef[] = [];
    const types: string[] = [];
    const fieldList = (typeOf: FieldRef['typeOf']) => {
      do {
        const f = this.fieldRef();
        out.push({ path: [rel.text, ...f.path], pos: f.pos, typeOf });
      } while (this.peek().text === ',' && this.next());
    };
    if (!this.isKeyword('WHEN')) this.fail(this.peek());
    while (this.isKeyword('WHEN')) {
      this.next();
      const type = this.next();
      if (type.kind !== 'ident') this.fail(type);
      this.expectKeyword('THEN');
      types.push(type.text);
      fieldList({ types: [type.text], otherwise: false });
    }
    if (this.isKeyword('ELSE')) {
      this.next();
      fieldList({ types, otherwise: true });
    }
    this.expectKeyword('END');
    return out;
  }

  /** COUNT(Id), SUM(Amount), ... at the cursor, or null when the next token starts no aggregate. */
  private aggregate(): Aggregate | null {
    const t = this.peek();
    const fn = t.text.toUpperCase() as AggregateFn;
    if (t.kind !== 'ident' || this.peek(1).text !== '(' || !AGGREGATES.has(fn)) return null;
    this.i += 2;
    const path = this.peek().text === ')' && fn === 'COUNT' ? null : this.fieldRef().path;
    this.expectPunct(')');
    return { fn, path, alias: null, pos: t.pos };
  }

  private integer(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(t);
    return Number(t.text);
  }

  private fieldRef(allowMacro = false): FieldRef {
    const t = this.next();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) this.fail(t);
    if (allowMacro && t.text.toUpperCase() === 'FIELDS' && this.peek().text === '(') {
      this.next();
      const m = this.next();
      if (!FIELDS_MACROS.has(m.text.toUpperCase())) this.fail(m);
      this.expectPunct(')');
      return { path: [], pos: t.pos, macro: m.text.toUpperCase() as FieldRef['macro'] };
    }
    if (this.peek().text === '(') throw malformed(this.soql, t.pos, `Function ${t.text} is not supported by the emulator`);
    return { path: t.text.split('.'), pos: t.pos };
  }

  private orderItem(): OrderItem {
    const ref = this.fieldRef();
    let desc = false;
    if (this.isKeyword('ASC')) this.next();
    else if (this.isKeyword('DESC')) {
      this.next();
      desc = true;
    }
    let nullsLast = desc;
    if (this.isKeyword('NULLS')) {
      this.next();
      const w = this.next().text.toUpperCase();
      if (w !== 'FIRST' && w !== 'LAST') this.fail();
      nullsLast = w === 'LAST';
    }
    return { ...ref, desc, nullsLast };
  }

  private orExpr(): Condition {
    let left = this.andExpr();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): Condition {
    let left = this.notExpr();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.notExpr() };
    }
    return left;
  }

  private notExpr(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', expr: this.notExpr() };
    }
    if (this.peek().text === '(') {
      this.next();
      const e = this.orExpr();
      this.expectPunct(')');
      return e;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const aggregate = this.aggregate() ?? undefined;
    const ref = aggregate ? { path: aggregate.path ?? [], pos: aggregate.pos } : this.fieldRef();
    const t = this.next();
    let op: CompareOp;
    if (t.kind === 'op') op = t.text as CompareOp;
    else if (t.kind === 'ident' && ['LIKE', 'IN', 'INCLUDES', 'EXCLUDES'].includes(t.text.toUpperCase()))
      op = t.text.toLowerCase() as CompareOp;
    else if (t.kind === 'ident' && t.text.toUpperCase() === 'NOT' && this.isKeyword('IN')) {
      this.next();
      op = 'not in';
    } else this.fail(t);
    const value = op === 'in' || op === 'not in' || op === 'includes' || op === 'excludes' ? this.literalList() : this.literal();
    return { kind: 'compare', path: ref.path, ...(aggregate ? { aggregate } : {}), op, value, pos: ref.pos };
  }

  /** `(literal, ...)`, or `(SELECT ...)`: a semi-join's inner query. */
  private literalList(): Literal[] | SelectQuery {
    this.expectPunct('(');
    if (this.isKeyword('SELECT')) {
      const inner = this.select();
      this.expectPunct(')');
      return inner;
    }
    const out: Literal[] = [];
    do out.push(this.literal());
    while (this.peek().text === ',' && this.next());
    this.expectPunct(')');
    return out;
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.text };
      case 'number':
        return { kind: 'number', value: Number(t.text) };
      case 'date':
        return { kind: 'date', value: t.text };
      case 'datetime': {
        const ms = parseDateTime(t.text);
        if (ms === null) this.fail(t);
        return { kind: 'datetime', value: ms };
      }
      case 'ident': {
        const w = t.text.toUpperCase();
        if (w === 'NULL') return { kind: 'null' };
        if (w === 'TRUE' || w === 'FALSE') return { kind: 'boolean', value: w === 'TRUE' };
        if (DATE_LITERALS.has(w)) return { kind: 'dateLiteral', name: w, n: null };
        if (DATE_N_LITERALS.has(w)) {
          this.expectPunct(':');
          return { kind: 'dateLiteral', name: w, n: this.integer() };
        }
        this.fail(t);
      }
      // falls through: fail() never returns
      default:
        this.fail(t);
    }
  }
}

export function parseSoql(soql: string): SelectQuery {
  return new Parser(soql, tokenize(soql)).parse();
}
