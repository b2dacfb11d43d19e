/**
 * Salesforce record ids: a 3-character key prefix, a 2-character instance part, a reserved '0'
 * and a 9-character base-62 counter make the 15-character id; three checksum characters (the
 * case of each 5-character chunk, as Salesforce computes it) make it 18. The counter is the
 * record's row number in its table plus one, so an id leads to its row without an index.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const INSTANCE = '8d';
const COUNTER_LEN = 9;

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** The 3 checksum characters that turn a 15-character id into its 18-character form. */
export function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (isUpper(id15.charCodeAt(chunk * 5 + i))) bits |= 1 << i;
    out += SUFFIX[bits];
  }
  return out;
}

export function makeId(prefix: string, counter: number): string {
  let n = counter;
  let digits = '';
  for (let i = 0; i < COUNTER_LEN; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = prefix + INSTANCE + '0' + digits;
  return id15 + checksum(id15);
}

/** The counter inside an id made by makeId, or -1 when the text is not such an id. */
export function idCounter(id: string): number {
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const d = BASE62.indexOf(id[i] ?? '');
    if (d < 0) return -1;
    n = n * 62 + d;
  }
  return n;
}

const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The 18-character form of a 15- or 18-character id, or null when it is not id-shaped. */
export function normalizeId(id: unknown): string | null {
  if (typeof id !== 'string' || !ID_RE.test(id)) return null;
  const id15 = id.slice(0, 15);
  const full = id15 + checksum(id15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== full.slice(15)) return null;
  return full;
}
