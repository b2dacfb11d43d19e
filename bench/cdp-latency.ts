/**
 * Continuous data protection latency: from an update's commit in the org (the event's
 * commitTimestamp) to durable in the store (the checkpoint that counts it is committed, which
 * happens only after its version is stored). The emulator runs in a process of its own
 * (`npm run emulator`) and paces RATE single-record Account updates a second for `seconds` from
 * inside that process (POST /__emulator/cdc/load), so neither its Avro encoding nor the load
 * generator competes with the engine. A poll of the checkpoint every 10 ms dates each event's
 * durability (so times are up to 10 ms late).
 * Baseline from the same run: a bare Pub/Sub client (salesforce-pubsub-api-client) on the same
 * channel in this process, commit → callback, so the ratio is what storing costs over delivery.
 * The engine runs here with its own embedded PostgreSQL and Azurite, as `npm start` does.
 *
 *   nice -n 10 npx tsx bench/cdp-latency.ts [seconds=60] [rate=500]
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { collectPubSub, connectPubSub } from '../test/emulator/cdc/testing/clients.js';
import { freePort } from '../test/support/ports.js';
import { loadConfig } from '../engine/src/config/load.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { startEngine } from '../engine/src/main.js';

const seconds = Number(process.argv[2] ?? 60);
const RATE = Number(process.argv[3] ?? 500);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average at start: ${load()}`);

const emuProcess = spawn(
  process.execPath,
  ['--import', 'tsx', 'test/emulator/cli.ts', '--admin', '--records', '2000', '--seed', '5', '--cdc-keepalive-ms', '1000'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
process.once('exit', () => emuProcess.kill('SIGTERM'));
const ready = await new Promise<{ instanceUrl: string; accessToken: string; pubSubEndpoint: string }>((resolve, reject) => {
  createInterface({ input: emuProcess.stdout! }).on('line', (line) => {
    if (line.startsWith('EMULATOR_READY ')) resolve(JSON.parse(line.slice('EMULATOR_READY '.length)));
  });
  emuProcess.once('exit', (code) => reject(new Error(`the emulator exited with ${String(code)}`)));
});
const admin = async <T>(p: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${ready.instanceUrl}/__emulator${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-cdp-'));
// The embedded PostgreSQL runs as its own OS user when we are root: it must reach the directory.
chmodSync(dir, 0o755);
const config = loadConfig(
  {
    PORT: '0',
    // Other engines (and benchmarks) may run on this machine: ports of our own.
    ORGVAULT_EMBEDDED_PG_PORT: String(await freePort()),
    ORGVAULT_AZURITE_PORT: String(await freePort()),
    ORGVAULT_DATA_DIR: dir,
    ORGVAULT_PUBSUB_ENDPOINT: ready.pubSubEndpoint,
    ORGVAULT_PUBSUB_INSECURE_TLS: 'true',
    ORGVAULT_SALESFORCE_ORIGINS: new URL(ready.instanceUrl).origin,
    LOG_LEVEL: 'warn',
  },
  dir,
);
const engine = await startEngine(config, createLogger('warn'), { cdp: { scanMs: 500, retryMs: 300 } });
const { services } = engine;
const pool = engine.ctx.infra.pool;

const waitJob = async (org: Awaited<ReturnType<typeof services.orgs.get>>, id: string): Promise<string> => {
  for (;;) {
    const d = await services.jobs.get(org, id);
    if (!['queued', 'running', 'paused'].includes(d.status)) return d.status;
    await sleep(200);
  }
};

const tenant = await services.tenants.create('bench');
await services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
const { orgId } = await services.connect(tenant.id, {
  kind: 'accessToken',
  instanceUrl: ready.instanceUrl,
  accessToken: ready.accessToken,
});
const org = await services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
console.log('full backup:', await waitJob(org, (await services.jobs.start(org, { by: 'bench' })).id));
await services.cdp.configure(org, { enabled: true, objects: ['Account'] }, 'bench');
const catchUp = (await services.cdp.status(org)).fallbacks.find((f) => f.reason === 'protection_on');
if (catchUp?.jobId) console.log('catch-up backup:', await waitJob(org, catchUp.jobId));
for (;;) {
  const cp = (await services.cdp.status(org)).checkpoint;
  if (cp?.caughtUpAt) break;
  await sleep(100);
}

// The bare client: the same channel, the delivery baseline.
const bare = await connectPubSub(ready.pubSubEndpoint, ready.accessToken, ready.instanceUrl.replace('http:', 'https:'));
const sub = collectPubSub((cb) => bare.subscribe('/data/ChangeEvents', cb));
await sub.until(() => sub.keepalives() > 0);

const storedEvents = async (): Promise<number> =>
  Number((await pool.query('SELECT events FROM cdp_checkpoints WHERE org_id = $1', [orgId])).rows[0]?.events ?? 0);
// The load creates its records first: one CREATE event each, before the timed updates.
const records = 200;
const base = (await storedEvents()) + records;
const bareBase = sub.events.length + records;
const total = RATE * seconds;
const durableAt: number[] = new Array(total);
let durable = 0;
let polling = true;
const poller = (async () => {
  while (polling) {
    const n = (await storedEvents()) - base;
    const now = Date.now();
    for (; durable < Math.min(n, total); durable++) durableAt[durable] = now;
    await sleep(10);
  }
})();

await admin('/cdc/load', { object: 'Account', records, rate: RATE, seconds });
let state: { running: boolean; sent: number; startedAt: number; finishedAt: number | null };
let ticks = 0;
do {
  await sleep(1000);
  state = await admin('/cdc/load');
  // Where a slow run falls behind: the emulator's pace, the bare client's delivery, the engine's storing.
  if (++ticks % 30 === 0) {
    console.log(`  ${ticks} s: sent ${state.sent}, bare received ${sub.events.length - bareBase}, durable ${durable}, load ${load()}`);
  }
} while (state.running);
const sentSeconds = (state.finishedAt! - state.startedAt) / 1000;
while (durable < total) await sleep(50);
polling = false;
await poller;
await sub.until(() => sub.events.length >= bareBase + total);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
// Both follow the same channel, so event i of the load is the same for the bare client and the engine.
const commits = sub.events.slice(bareBase, bareBase + total).map((e) => Number(e.payload.ChangeEventHeader.commitTimestamp));
// The client's callback times are performance.now(); commit times are wall-clock ms.
const clockOffset = Date.now() - performance.now();
const bareMs = commits.map((c, i) => sub.receivedAt[bareBase + i]! + clockOffset - c);
const engineMs = commits.map((c, i) => durableAt[i]! - c);
const row = (name: string, xs: number[]) =>
  `${name.padEnd(28)} p50 ${pct(xs, 50).toFixed(0).padStart(6)} ms   p99 ${pct(xs, 99).toFixed(0).padStart(6)} ms   max ${pct(xs, 100)
    .toFixed(0)
    .padStart(6)} ms`;
console.log(`${total} updates at ${RATE}/s over ${sentSeconds.toFixed(1)} s (paced inside the emulator process)`);
console.log(row('bare Pub/Sub delivery', bareMs));
console.log(row('commit → durable in store', engineMs));
console.log(
  `ratio p50 engine / bare: ${(pct(engineMs, 50) / Math.max(1, pct(bareMs, 50))).toFixed(2)}   ratio p99: ${(
    pct(engineMs, 99) / Math.max(1, pct(bareMs, 99))
  ).toFixed(2)}   target p99 < 2000 ms: ${pct(engineMs, 99) < 2000 ? 'met' : 'missed'}`,
);
console.log(`load average at end: ${load()} (1, 5, 15 min)`);

bare.close();
await engine.stop();
emuProcess.kill('SIGTERM');
