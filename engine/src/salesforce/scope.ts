/**
 * The backup scope from describe results, as pure functions: which objects, which fields, and
 * which API reads them. Only the shapes we use from describeGlobal / describe are typed here.
 */

export interface GlobalSObject {
  name: string;
  /** The first three characters of the object's ids (null for objects without records). */
  keyPrefix?: string | null;
  queryable: boolean;
  replicateable: boolean;
  retrieveable: boolean;
  deprecatedAndHidden?: boolean;
  custom?: boolean;
  createable?: boolean;
  updateable?: boolean;
  /** Records deleted go to the Recycle Bin and can be undeleted. */
  undeletable?: boolean;
}

export interface DescribeGlobal {
  sobjects: GlobalSObject[];
}

export interface DescribeField {
  name: string;
  type: string;
  compoundFieldName?: string | null;
  deprecatedAndHidden?: boolean;
  calculated?: boolean;
  referenceTo?: string[];
  relationshipName?: string | null;
  createable?: boolean;
  updateable?: boolean;
  externalId?: boolean;
  idLookup?: boolean;
  nillable?: boolean;
}

export interface DescribeSObject extends GlobalSObject {
  fields: DescribeField[];
  childRelationships?: { childSObject: string; field: string; relationshipName: string | null; cascadeDelete: boolean }[];
}

export type Reader = 'bulk' | 'rest';

export interface ObjectScope {
  name: string;
  /** Bulk API 2.0 query, or REST query for objects Bulk 2.0 cannot query. */
  reader: Reader;
  /** Fields to SELECT in describe order: compound fields replaced by their components, base64 left out. */
  fields: string[];
  /** Describe's type of each field in `fields` (string, datetime, reference, ...). */
  fieldTypes: Record<string, string>;
  /** base64 fields (Attachment.Body, ContentVersion.VersionData, ...): fetched one record at a time as blobs. */
  blobFields: string[];
  /** Each compound field present and the components taken in its place. */
  compounds: Record<string, string[]>;
  /** The field that moves on every change, for incremental passes; null when the object has none. */
  watermarkField: 'SystemModstamp' | 'LastModifiedDate' | 'CreatedDate' | null;
  /** Soft deletes go to the recycle bin and show with IsDeleted = true to queryAll. */
  hasIsDeleted: boolean;
}

/**
 * Objects Bulk API queries refuse (Salesforce's Bulk API 2.0 and Bulk API Developer Guide lists
 * CaseStatus through UserRecordAccess; the event relations and the other status tables are refused
 * the same way in practice), plus Knowledge article types by suffix.
 */
export const BULK_UNSUPPORTED_OBJECTS: readonly string[] = [
  'AcceptedEventRelation',
  'CaseStatus',
  'ContractStatus',
  'DeclinedEventRelation',
  'FieldSecurityClassification',
  'KnowledgeArticle',
  'KnowledgeArticleVersion',
  'KnowledgeArticleVersionHistory',
  'KnowledgeArticleViewStat',
  'KnowledgeArticleVoteStat',
  'LeadStatus',
  'OpportunityStage',
  'OrderStatus',
  'PartnerRole',
  'RecentlyViewed',
  'ServiceAppointmentStatus',
  'SolutionStatus',
  'TaskPriority',
  'TaskStatus',
  'UndecidedEventRelation',
  'UserRecordAccess',
];
const BULK_UNSUPPORTED_SUFFIXES = ['__kav', '__ka', '__ViewStat', '__VoteStat'];

/** Never worth backing up: change events, platform events, external and big objects. */
export const DEFAULT_EXCLUSIONS: readonly string[] = ['*ChangeEvent', '*__e', '*__x', '*__b', '*__chn'];

const COMPOUND_TYPES = new Set(['address', 'location']);

export interface ScopeOptions {
  /** Patterns `Object` or `Object.Field`, `*` as wildcard, case-insensitive. Added to DEFAULT_EXCLUSIONS. */
  exclude?: readonly string[];
  /** Replaces BULK_UNSUPPORTED_OBJECTS. */
  bulkUnsupported?: readonly string[];
}

function globRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
}

interface Exclusions {
  objects: RegExp[];
  fields: { object: RegExp; field: RegExp }[];
}

function exclusions(options: ScopeOptions): Exclusions {
  const result: Exclusions = { objects: [], fields: [] };
  for (const p of [...DEFAULT_EXCLUSIONS, ...(options.exclude ?? [])]) {
    const dot = p.indexOf('.');
    if (dot < 0) result.objects.push(globRegExp(p));
    else result.fields.push({ object: globRegExp(p.slice(0, dot)), field: globRegExp(p.slice(dot + 1)) });
  }
  return result;
}

function isObjectExcluded(name: string, ex: Exclusions): boolean {
  return ex.objects.some((re) => re.test(name));
}

/** The objects worth describing: queryable, replicateable and retrievable, not hidden, not excluded. */
export function candidateObjects(global: DescribeGlobal, options: ScopeOptions = {}): string[] {
  const ex = exclusions(options);
  return global.sobjects
    .filter((o) => o.queryable && o.replicateable && o.retrieveable && !o.deprecatedAndHidden && !isObjectExcluded(o.name, ex))
    .map((o) => o.name);
}

export function bulkSupports(object: string, options: ScopeOptions = {}): boolean {
  const unsupported = options.bulkUnsupported ?? BULK_UNSUPPORTED_OBJECTS;
  const lower = object.toLowerCase();
  return !unsupported.some((u) => u.toLowerCase() === lower) && !BULK_UNSUPPORTED_SUFFIXES.some((s) => lower.endsWith(s.toLowerCase()));
}

/**
 * One object's scope, or undefined when it is out of scope. Describe lists only the fields the
 * running user can read, so every field it lists (and is not excluded) is taken.
 */
export function objectScope(d: DescribeSObject, options: ScopeOptions = {}): ObjectScope | undefined {
  const ex = exclusions(options);
  if (!d.queryable || !d.replicateable || !d.retrieveable || isObjectExcluded(d.name, ex)) return undefined;
  const fieldExcluded = (f: string) => ex.fields.some((e) => e.object.test(d.name) && e.field.test(f));
  const fields: string[] = [];
  const fieldTypes: Record<string, string> = {};
  const blobFields: string[] = [];
  const compounds: Record<string, string[]> = {};
  for (const f of d.fields) {
    if (f.deprecatedAndHidden || fieldExcluded(f.name)) continue;
    if (COMPOUND_TYPES.has(f.type)) {
      compounds[f.name] ??= [];
      continue;
    }
    if (f.type === 'base64') {
      blobFields.push(f.name);
      continue;
    }
    fields.push(f.name);
    fieldTypes[f.name] = f.type;
    if (f.compoundFieldName) (compounds[f.compoundFieldName] ??= []).push(f.name);
  }
  if (!fields.includes('Id')) return undefined;
  const names = new Set(fields);
  const watermarkField = (['SystemModstamp', 'LastModifiedDate', 'CreatedDate'] as const).find((w) => names.has(w)) ?? null;
  return {
    name: d.name,
    reader: bulkSupports(d.name, options) ? 'bulk' : 'rest',
    fields,
    fieldTypes,
    blobFields,
    compounds,
    watermarkField,
    hasIsDeleted: names.has('IsDeleted'),
  };
}

/** The scope of every described object, in the order given. */
export function computeScope(describes: Iterable<DescribeSObject>, options: ScopeOptions = {}): ObjectScope[] {
  const out: ObjectScope[] = [];
  for (const d of describes) {
    const s = objectScope(d, options);
    if (s) out.push(s);
  }
  return out;
}

/** `SELECT <fields> FROM <object> [WHERE ...]`: names as describe gives them, values quoted with soqlQuote. */
export function selectFrom(object: string, fields: readonly string[], where?: string): string {
  return `SELECT ${fields.join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}`;
}

/** `SELECT <scope fields> FROM <object> [WHERE ...]`, the query both readers run. */
export function selectSoql(scope: ObjectScope, where?: string): string {
  return selectFrom(scope.name, scope.fields, where);
}

/** A backup pass's query: every record, or (incremental) those whose watermark field moved at or after `since`. */
export function passSoql(scope: ObjectScope, since?: Date): string {
  return selectSoql(scope, since ? `${scope.watermarkField} >= ${soqlDateTime(since)}` : undefined);
}

/** Every id of an object (the id reconciliation). */
export function idsSoql(object: string): string {
  return selectFrom(object, ['Id']);
}

/** A SOQL datetime literal: unquoted, UTC, in seconds. */
export function soqlDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A SOQL string literal: quoted, with the escapes SOQL reads (backslash, quotes, control characters). */
export function soqlQuote(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => SOQL_ESCAPES[c]!)}'`;
}
