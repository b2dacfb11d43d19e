/**
 * Salesforce record ids as the store keeps them: 18 characters. A 15-character id gets its
 * case-safe suffix (Salesforce's documented checksum: one character per five, from which of
 * them are upper case), so a hold named with either form covers the same record.
 */
import { OrgVaultError } from '../errors.js';

const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

function suffixOf(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[block * 5 + i]!;
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_CHARS[bits];
  }
  return suffix;
}

/** The 18-character form of each id, once each, in the order given; VALIDATION_FAILED names the first bad one's place. */
export function toRecordIds18(ids: readonly string[], field = 'recordIds'): string[] {
  const out = new Set<string>();
  ids.forEach((id, i) => {
    if (!ID.test(id))
      throw new OrgVaultError('VALIDATION_FAILED', `${field}[${i}] is not a Salesforce record id (15 or 18 letters and digits)`, {
        details: { issues: [{ path: `${field}.${i}`, message: 'not a Salesforce record id' }] },
      });
    out.add(id.length === 15 ? id + suffixOf(id) : id);
  });
  return [...out];
}
