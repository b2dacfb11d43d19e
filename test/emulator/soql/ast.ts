/** The SOQL subset the emulator understands, as parsed. */
export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'dateLiteral'; name: string; n: number | null };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'in' | 'not in' | 'includes' | 'excludes';

export type AggregateFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

/** COUNT(Id), SUM(Amount) total ...: path null only for COUNT() inside HAVING. */
export interface Aggregate {
  fn: AggregateFn;
  path: string[] | null;
  alias: string | null;
  pos: number;
}

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; expr: Condition }
  | {
      kind: 'compare';
      path: string[];
      /** HAVING compares an aggregate of the group instead of a field. */
      aggregate?: Aggregate;
      op: CompareOp;
      /** A SelectQuery is a semi-join (IN) or anti-join (NOT IN). */
      value: Literal | Literal[] | SelectQuery;
      pos: number;
    };

export interface FieldRef {
  path: string[];
  pos: number;
  /** FIELDS(ALL | STANDARD | CUSTOM): expanded against the object's fields. */
  macro?: 'ALL' | 'STANDARD' | 'CUSTOM';
  /**
   * A field of a TYPEOF clause: read only when the polymorphic parent (path[0]) is one of
   * `types` (a WHEN), or none of them (`otherwise`: the ELSE).
   */
  typeOf?: { types: string[]; otherwise: boolean };
}

export interface OrderItem extends FieldRef {
  desc: boolean;
  nullsLast: boolean;
}

export interface SelectQuery {
  /** SELECT COUNT() */
  count: boolean;
  fields: FieldRef[];
  /** Aggregate functions of the select list, in order (an aggregate query when any). */
  aggregates: Aggregate[];
  /** Parent-to-child subqueries of the select list; their `from` is a child relationship name. */
  subqueries: SelectQuery[];
  from: string;
  fromPos: number;
  /** `FROM Account a`: field paths may start with `a.`. */
  alias: string | null;
  where: Condition | null;
  groupBy: FieldRef[];
  having: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
}
