/**
 * Malformed input for the API fuzz test, derived from what the OpenAPI document says each
 * operation takes: its path parameters, its query parameters and the schema of its body.
 */
import type { DocOperation, DocParameter } from './bodies.js';

/** A small seeded generator, so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Names that look like SOQL or try to leave a name's place in a query. */
export const SOQL_LIKE = [
  'Account WHERE Id != null',
  'Account--',
  'Account/*x*/',
  "Acc'ount",
  'Account; DELETE FROM orgs',
  'Account) OR (1=1',
  'A'.repeat(81),
  '1Account',
  'Account.Name',
  '',
  ' Account',
  'Account\n',
  '_Account',
  'Account%',
  'Ac count',
  '__proto__x',
  'Accoünt',
  'SELECT Id FROM Account',
  'Acc\u0000ount',
];

/** Ids that name nothing (sent percent-encoded, so they reach the route as these strings). */
export const BAD_IDS = [
  '00000000-0000-4000-8000-000000000000',
  'nope',
  "1' OR '1'='1",
  '../..',
  '%00',
  'a'.repeat(3000),
  '00000000-0000-0000-0000-00000000000g',
  '{{orgId}}',
  'Account; DROP TABLE orgs',
  '😀',
  '-1',
  'null',
];

/** Path segments sent as they are: percent-escapes that do not decode, and NUL once decoded. */
export const RAW_SEGMENTS = {
  escapes: ['%zz', '%E0%A4%A', '%', 'a%2', '%C0%AF', '%ED%A0%80', '%FF%FE'],
  nul: ['a%00b', '%00', '00000000-0000-4000-8000-00000000000%00'],
};

export const BAD_SCALARS: unknown[] = [
  null,
  -1,
  1.5,
  Number.POSITIVE_INFINITY,
  '',
  'x'.repeat(5000),
  'a\u0000b',
  true,
  [],
  {},
  [null],
  { $gt: '' },
];

export function randomJson(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(next() * 2 ** 40) * (next() < 0.5 ? -1 : 1);
    case 2:
      return SOQL_LIKE[Math.floor(next() * SOQL_LIKE.length)];
    case 3:
      return next() < 0.5;
    case 4:
      return String.fromCharCode(...Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 0xd7ff)));
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => [`k${i}_${Math.floor(next() * 1000)}`, randomJson(next, depth + 1)]),
      );
  }
}

/** Each valid field set to a wrong value, one at a time, the rest left valid; NUL in a key too. */
export function mutations(valid: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const field of Object.keys(valid)) {
    for (const bad of BAD_SCALARS) {
      if (JSON.stringify(bad) === JSON.stringify(valid[field])) continue;
      out.push({ ...valid, [field]: bad });
    }
    if (Array.isArray(valid[field])) {
      out.push({ ...valid, [field]: SOQL_LIKE });
      for (const name of SOQL_LIKE) out.push({ ...valid, [field]: [name] });
    }
  }
  out.push(
    { ...valid, extra: 1 },
    { ...valid, 'a\u0000b': 1 },
    JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(valid).slice(1)}`),
  );
  return out;
}

/** Query strings each declared parameter must refuse, by the type the document gives it; an undeclared one too. */
export function badQueries(op: DocOperation): string[] {
  const out = ['extra=1', 'extra=a%00b'];
  for (const p of (op.parameters ?? []).filter((x: DocParameter) => x.in === 'query')) {
    const n = p.name!;
    const t = p.schema?.type;
    const wrong =
      t === 'integer' || t === 'number'
        ? ['-1', 'abc', '1e9', '1.5', '', '%zz']
        : p.schema?.format === 'date-time' || p.schema?.enum
          ? ['yesterday', '', '%zz', '2026-13-45T99:00:00Z']
          : [];
    out.push(...wrong.map((v) => `${n}=${v}`), `${n}=a%00b`, `${n}[]=1`, `${n}[a]=1`, `${n}=1&${n}=2`);
  }
  return out;
}

/** Content types a JSON route must refuse for an otherwise valid body (each with the body as that type would carry it). */
export function wrongContentTypes(valid: unknown): Array<{ type: string | null; body: string }> {
  const json = JSON.stringify(valid ?? {});
  return [
    { type: 'text/plain', body: json },
    { type: 'text/plain;charset=UTF-8', body: json },
    { type: 'application/x-www-form-urlencoded', body: 'objects=Account&hidden=true' },
    { type: 'multipart/form-data; boundary=x', body: `--x\r\nContent-Disposition: form-data; name="objects"\r\n\r\nAccount\r\n--x--\r\n` },
    { type: 'application/xml', body: '<objects>Account</objects>' },
    { type: 'application/json; charset=x-bogus', body: json },
    { type: null, body: json },
  ];
}

/** A body past the API's 64 KB limit, shaped like a valid one. */
export function oversized(valid: unknown): string {
  const base = valid && typeof valid === 'object' && !Array.isArray(valid) ? valid : {};
  return JSON.stringify({ ...base, padding: 'x'.repeat(70 * 1024) });
}
