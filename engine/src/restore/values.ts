import { canonicalValue } from '../backup/export.js';
import type { DescribeField } from '../salesforce/scope.js';

const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** Fields restore never writes nor compares: set by the platform. */
export const SYSTEM_FIELDS = new Set([
  'Id',
  'IsDeleted',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
]);

/**
 * One spelling per value of a field type, whatever produced it (Bulk CSV text, REST JSON), so a
 * backed-up value and a live one compare equal when Salesforce would call them equal.
 */
export function normalValue(type: string, v: unknown): string | null {
  const c = canonicalValue(v);
  if (c === null) return null;
  if (type === 'boolean') return c.toLowerCase() === 'true' ? 'true' : 'false';
  if (NUMBER_TYPES.has(type)) return Number.isFinite(Number(c)) ? String(Number(c)) : c;
  if (type === 'date') return c.slice(0, 10);
  return c;
}

/** A value as the REST API takes it in JSON. */
export function apiValue(type: string, v: string | null): unknown {
  if (v === null) return null;
  if (type === 'boolean') return v === 'true';
  if (NUMBER_TYPES.has(type)) return Number(v);
  return v;
}

/** The fields restore may write on create or update and compare: not computed, not files, not system. */
export function writableFields(fields: readonly DescribeField[]): DescribeField[] {
  return fields.filter(
    (f) =>
      !SYSTEM_FIELDS.has(f.name) &&
      !f.calculated &&
      f.type !== 'base64' &&
      f.type !== 'address' &&
      f.type !== 'location' &&
      (f.createable || f.updateable),
  );
}
