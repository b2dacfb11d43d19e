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

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; expr: Condition }
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Literal | Literal[]; pos: number };

export interface FieldRef {
  path: string[];
  pos: number;
}

export interface OrderItem extends FieldRef {
  desc: boolean;
  nullsLast: boolean;
}

export interface SelectQuery {
  /** SELECT COUNT() */
  count: boolean;
  fields: FieldRef[];
  from: string;
  fromPos: number;
  /** `FROM Account a`: field paths may start with `a.`. */
  alias: string | null;
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
}
