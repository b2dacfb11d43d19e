/**
 * Record history latency through the API (GET /orgs/{orgId}/records/{id}/history, what the page's
 * Record history asks): `records` accounts stored `versions` times each, every version a pass of
 * Bulk-style CSV pages written by the store as a backup writes them (one pack per page), then
 * `runs` histories of random records, with and without the object named. Baseline in the same
 * run: GET /me (auth, routing and JSON with no store read), so p50/p99 read against what any call
 * costs. Issue #15's target: p99 under 200 ms at 1,000,000 records × 10 versions.
 *
 *   nice -n 10 npx tsx bench/record-history.ts [records=1000000] [versions=10] [runs=200] [pageRows=50000]
 *
 * PostgreSQL, Azurite, the engine and the emulator (only to connect the org) share this process's machine.
 */
import { randomBytes } from 'node:crypto';
import { startEmulator } from '../test/emulator/server.js';
import { startTestEngine } from '../test/support/engine.js';
import globalSetup from '../test/support/global-setup-impl.js';
import globalTeardown from '../test/support/global-teardown-impl.js';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const VERSIONS = Number(process.argv[3] ?? 10);
const RUNS = Number(process.argv[4] ?? 200);
const PAGE_ROWS = Number(process.argv[5] ?? 50_000);
const HEADER = 'Id,Name,Industry,Phone,BillingCity,NumberOfEmployees,Description,SystemModstamp';
const INDUSTRIES = ['Banking', 'Energy', 'Retail', 'Media', 'Healthcare', 'Technology', 'Manufacturing', 'Education'];
const CITIES = ['Paris', 'Berlin', 'London', 'Madrid', 'Rome', 'Vienna', 'Zurich', 'Oslo'];

/** Salesforce-shaped ids in creation order (001 + 12 base-62 digits of the counter + a fixed suffix). */
function accountId(n: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let v = n; s.length < 12; v = Math.floor(v / 62)) s = digits[v % 62] + s;
  return `001${s}AAA`;
}

/** Version `v` of records [from, to): each version changes Industry, Phone and Employees of every record. */
function page(v: number, from: number, to: number, at: Date): Buffer {
  const stamp = at.toISOString().replace('Z', '+0000');
  const lines = [HEADER];
  for (let n = from; n < to; n++)
    lines.push(
      `${accountId(n)},"Account ${n}",${INDUSTRIES[(n + v) % INDUSTRIES.length]},+1 555 ${String((n * 7 + v) % 10_000).padStart(4, '0')},` +
        `${CITIES[n % CITIES.length]},${(n % 900) + v},"Customer since ${2000 + (n % 25)}, version ${v}",${stamp}`,
    );
  return Buffer.from(`${lines.join('\n')}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

async function latencies(call: () => Promise<Response>): Promise<{ p50: number; p99: number }> {
  const warm = await call(); // plans, pools and caches warm, as for a page that was opened before
  if (!warm.ok) throw new Error(`warm-up answered ${warm.status}: ${await warm.text()}`);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = await call();
    if (!r.ok) throw new Error(`answered ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

await globalSetup();
const key = randomBytes(24).toString('hex');
const emulator = await startEmulator({ records: 0, seed: 3 });
const engine = await startTestEngine({ env: { ORGVAULT_BOOTSTRAP_KEY: key } });
try {
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${engine.url}/api/v1${path}`, {
      ...init,
      headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator', 'Content-Type': 'application/json' },
    });
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  const connected = await api('/orgs', {
    method: 'POST',
    body: JSON.stringify({ method: 'access_token', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }),
  });
  if (connected.status !== 201) throw new Error(`connect answered ${connected.status}: ${await connected.text()}`);
  const orgId = ((await connected.json()) as { org: { id: string } }).org.id;

  const t0 = performance.now();
  const start = Date.now() - VERSIONS * 86_400_000;
  for (let v = 0; v < VERSIONS; v++)
    for (let from = 0; from < RECORDS; from += PAGE_ROWS)
      await engine.services.store.putCsvPage({
        orgId,
        object: 'Account',
        source: 'bulk',
        csv: page(v, from, Math.min(RECORDS, from + PAGE_ROWS), new Date(start + v * 86_400_000)),
        columns: { id: 'Id', modstamp: 'SystemModstamp' },
      });
  const writeS = (performance.now() - t0) / 1000;

  let seed = 7;
  const randomId = (): string => {
    seed = (seed * 48271) % 2147483647;
    return accountId(seed % RECORDS);
  };
  const check = (await (await api(`/orgs/${orgId}/records/${randomId()}/history?object=Account`)).json()) as { versions: unknown[] };
  if (check.versions.length !== VERSIONS) throw new Error(`a history holds ${check.versions.length} versions, not ${VERSIONS}`);
  const baseline = await latencies(() => api('/me'));
  const named = await latencies(() => api(`/orgs/${orgId}/records/${randomId()}/history?object=Account`));
  const found = await latencies(() => api(`/orgs/${orgId}/records/${randomId()}/history`));
  const row = (name: string, l: { p50: number; p99: number }): string =>
    `${name.padEnd(34)} p50 ${l.p50.toFixed(1).padStart(7)} ms   p99 ${l.p99.toFixed(1).padStart(7)} ms   (${(l.p50 / baseline.p50).toFixed(1)}x baseline p50)`;
  console.log(
    `${RECORDS} records x ${VERSIONS} versions (${(RECORDS * VERSIONS).toLocaleString('en')} stored), written in ${writeS.toFixed(0)} s`,
  );
  console.log(row('baseline GET /me', baseline));
  console.log(row('history, object named', named));
  console.log(row('history, object found from the id', found));
} finally {
  await engine.close();
  await emulator.stop();
  await globalTeardown();
}
