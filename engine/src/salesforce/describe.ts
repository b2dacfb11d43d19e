import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';
import { candidateObjects, computeScope, type DescribeGlobal, type DescribeSObject, type ObjectScope, type ScopeOptions } from './scope.js';

export function describeGlobal(conn: OrgConnection): Promise<DescribeGlobal> {
  return conn.http.json<DescribeGlobal>({ path: 'sobjects', what: 'describeGlobal' });
}

export function describeSObject(conn: OrgConnection, name: string): Promise<DescribeSObject> {
  return conn.http.json<DescribeSObject>({ path: `sobjects/${encodeURIComponent(name)}/describe`, what: `describe ${name}` });
}

/** What the scope reads of a describe, kept between jobs: the object's flags, its fields' names and types. */
function forScope(d: DescribeSObject): DescribeSObject {
  const { name, queryable, replicateable, retrieveable, deprecatedAndHidden } = d;
  return {
    name,
    queryable,
    replicateable,
    retrieveable,
    ...(deprecatedAndHidden !== undefined ? { deprecatedAndHidden } : {}),
    fields: d.fields.map((f) => ({
      name: f.name,
      type: f.type,
      ...(f.compoundFieldName !== undefined ? { compoundFieldName: f.compoundFieldName } : {}),
      ...(f.deprecatedAndHidden !== undefined ? { deprecatedAndHidden: f.deprecatedAndHidden } : {}),
    })),
  };
}

/** A describe as of the org's `Date` when it answered; asked again in full after `SCOPE_DESCRIBE_MAX_AGE_MS`. */
interface KnownDescribe {
  since: string;
  at: number;
  describe: DescribeSObject;
}
const known = new WeakMap<OrgConnection, Map<string, KnownDescribe>>();

/**
 * Describes re-read in full at least this often, whatever If-Modified-Since says: Salesforce
 * documents it for the object's metadata, not for the user's field permissions, which also shape
 * what describe lists.
 */
export const SCOPE_DESCRIBE_MAX_AGE_MS = 6 * 3600_000;

/**
 * describe for the backup scope. An object this connection described before is asked with
 * If-Modified-Since (the org's Date of that answer): unchanged metadata answers 304 with no body
 * (hundreds of KB less per object and job on a real org), and the kept copy is used.
 */
export function describeForScope(conn: OrgConnection, name: string, now = Date.now()): Promise<DescribeSObject> {
  let cache = known.get(conn);
  if (!cache) known.set(conn, (cache = new Map()));
  const kept = cache.get(name);
  const usable = kept && now - kept.at < SCOPE_DESCRIBE_MAX_AGE_MS ? kept : undefined;
  return conn.http.call(
    {
      path: `sobjects/${encodeURIComponent(name)}/describe`,
      what: `describe ${name}`,
      ...(usable ? { conditional: true, headers: { 'If-Modified-Since': usable.since } } : {}),
    },
    async (res) => {
      if (res.status === 304 && usable) return usable.describe;
      const d = (await res.json()) as DescribeSObject;
      const since = res.headers.get('date');
      if (since) cache.set(name, { since, at: now, describe: forScope(d) });
      return d;
    },
  );
}

/** Forgets what this connection described (a pass failed: its fields may no longer be readable). */
export function forgetDescribes(conn: OrgConnection): void {
  known.delete(conn);
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the input order in the result. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** describeGlobal, then describe of every candidate object (a few at a time), then the scope. */
export async function discoverScope(conn: OrgConnection, options: ScopeOptions & { concurrency?: number } = {}): Promise<ObjectScope[]> {
  const names = candidateObjects(await describeGlobal(conn), options);
  const describes = await mapLimited(names, options.concurrency ?? 4, (n) => describeForScope(conn, n));
  return computeScope(describes, options);
}

/**
 * Checks object names and Object.Field names against the org's describe before they reach a
 * query or a setting. Throws VALIDATION_FAILED with `details.unknown`, the names the org lacks.
 */
export async function assertDescribed(conn: OrgConnection, names: { objects?: string[]; fields?: string[] }): Promise<void> {
  const objects = names.objects ?? [];
  const fields = names.fields ?? [];
  // API names are case-insensitive in Salesforce; describe's spelling is the one asked for.
  const known = new Map((await describeGlobal(conn)).sobjects.map((o) => [o.name.toLowerCase(), o.name]));
  const unknown = objects.filter((o) => !known.has(o.toLowerCase()));
  const byObject = new Map<string, string[]>();
  for (const ref of fields) {
    const [object, field] = ref.split('.') as [string, string];
    const name = known.get(object.toLowerCase());
    if (!name) unknown.push(ref);
    else byObject.set(name, [...(byObject.get(name) ?? []), field]);
  }
  for (const [object, wanted] of byObject) {
    const described = new Set((await describeSObject(conn, object)).fields.map((f) => f.name.toLowerCase()));
    for (const field of wanted) if (!described.has(field.toLowerCase())) unknown.push(`${object}.${field}`);
  }
  if (unknown.length > 0) {
    throw new OrgVaultError('VALIDATION_FAILED', `Not in the organization's describe: ${unknown.join(', ')}`, {
      actions: ['Pick objects and fields from GET .../objects.'],
      details: { unknown },
    });
  }
}
