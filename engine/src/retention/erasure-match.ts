/**
 * Finding the records an erasure's values name. Until the blind index lands, by a scan of each
 * chosen object's packs: every field of every stored version is put in its normal form and, when
 * its length is one of the values', keyed-hashed and compared. `matchValues` is the one function
 * to switch to the index later.
 */
import type { Store } from '../store/store.js';

/** The normal form two values are compared in: trimmed, lower case; a phone number only its digits. */
export function normalValue(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).trim().toLowerCase();
  if (s === '') return null;
  const digits = s.replace(/\D/g, '');
  return /^\+?[\d\s().-]+$/.test(s) && digits.length >= 6 ? digits : s;
}

/** The keyed hash an erasure keeps of a value (its normal form), and of a record id. */
export const valueKey = (normal: string): string => `value:${normal}`;
export const recordKey = (id: string): string => `record:${id}`;

export interface WantedValues {
  /** Keyed hashes (hex) of the values' normal forms. */
  macs: Set<string>;
  lengths: Set<number>;
}

export interface ValueMatches {
  /** Per object, the records with a version holding one of the values. */
  records: Map<string, Set<string>>;
  /** Per object and field, the hashes found there (for the ledger). */
  fields: Map<string, Map<string, Set<string>>>;
}

/** The records of these objects any of whose stored versions holds one of the values in a field of its own. */
export async function matchValues(
  store: Pick<Store, 'erasure'>,
  orgId: string,
  objects: readonly string[],
  wanted: WantedValues,
): Promise<ValueMatches> {
  const out: ValueMatches = { records: new Map(), fields: new Map() };
  if (wanted.macs.size === 0) return out;
  const mac = await store.erasure.mac(orgId);
  for (const object of objects) {
    const records = new Set<string>();
    const fields = new Map<string, Set<string>>();
    for await (const pack of store.erasure.scanPacks(orgId, object)) {
      pack.recordIds.forEach((id, rowNo) => {
        for (const [field, value] of Object.entries(pack.fields(rowNo))) {
          const normal = normalValue(value);
          if (normal === null || !wanted.lengths.has(normal.length)) continue;
          const hex = mac(valueKey(normal)).toString('hex');
          if (!wanted.macs.has(hex)) continue;
          records.add(id);
          const seen = fields.get(field) ?? new Set<string>();
          fields.set(field, seen.add(hex));
        }
      });
    }
    if (records.size > 0) {
      out.records.set(object, records);
      out.fields.set(object, fields);
    }
  }
  return out;
}
