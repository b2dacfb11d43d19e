import type { OrgConnection } from './connection.js';
import { candidateObjects, computeScope, type DescribeGlobal, type DescribeSObject, type ObjectScope, type ScopeOptions } from './scope.js';

export function describeGlobal(conn: OrgConnection): Promise<DescribeGlobal> {
  return conn.http.json<DescribeGlobal>({ path: 'sobjects', what: 'describeGlobal' });
}

export function describeSObject(conn: OrgConnection, name: string): Promise<DescribeSObject> {
  return conn.http.json<DescribeSObject>({ path: `sobjects/${encodeURIComponent(name)}/describe`, what: `describe ${name}` });
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
  const describes = await mapLimited(names, options.concurrency ?? 4, (n) => describeSObject(conn, n));
  return computeScope(describes, options);
}
