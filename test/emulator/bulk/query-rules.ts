/**
 * What Bulk API 2.0 refuses in a query job that REST would run: GROUP BY, OFFSET, TYPEOF,
 * aggregate functions, FIELDS(), parent-to-child subqueries, compound address and geolocation
 * fields, binary fields, and objects the Bulk API does not serve. Answered at job creation with
 * 400, as Salesforce does.
 */
import { SfError } from '../errors.js';
import type { QueryResult } from '../soql/execute.js';

/** Objects Bulk API answers with INVALIDENTITY (virtual or computed per user). */
const NOT_BULK_OBJECTS = new Set(['userpermissionaccess', 'userrecordaccess']);

const CLAUSES: Array<[RegExp, string]> = [
  // In the select list only: a semi-join (`Id IN (SELECT ...)`) is fine.
  [/(?:\bselect|,)\s*\(\s*select\b/i, 'Aggregate Relationships not supported in Bulk V2 Query with CSV content type.'],
  [/\bgroup\s+by\b/i, 'GROUP BY is not supported by Bulk API 2.0 query'],
  [/\boffset\s+\d/i, 'OFFSET is not supported by Bulk API 2.0 query'],
  [/\btypeof\b/i, 'TYPEOF is not supported by Bulk API 2.0 query'],
  [/\bfields\s*\(/i, 'FIELDS() is not supported by Bulk API 2.0 query'],
  [/\b(count|count_distinct|sum|avg|min|max)\s*\(/i, 'Aggregate functions are not supported by Bulk API 2.0 query'],
];

/**
 * Refuses clauses Bulk does not run; string literals are ignored. Bulk API 1.0 jobs with JSON or
 * XML content run parent-to-child subqueries (`subqueries`).
 */
export function checkBulkSoql(soql: string, options: { subqueries?: boolean } = {}): void {
  const code = soql.replace(/'(?:\\.|[^'\\])*'/g, "''");
  const rules = options.subqueries ? CLAUSES.slice(1) : CLAUSES;
  for (const [re, message] of rules) if (re.test(code)) throw new SfError('API_ERROR', message, 400);
}

/** Refuses what only the resolved query shows: the object and the selected field types. */
export function checkBulkResult(result: QueryResult): void {
  if (NOT_BULK_OBJECTS.has(result.sobject.toLowerCase()))
    throw new SfError('INVALIDENTITY', `Entity '${result.sobject}' is not supported by the Bulk API.`, 400);
  for (const c of result.columns) {
    if (c.field.type === 'address' || c.field.type === 'location')
      throw new SfError('API_ERROR', 'Selecting compound data not supported in Bulk Query', 400);
    if (c.field.type === 'base64') throw new SfError('API_ERROR', 'Binary field not supported in Bulk Query', 400);
  }
}
