/**
 * Continuous data protection latency: from commit in the emulator to durable in the store (the
 * checkpoint that names the event is committed, which happens only after its version is stored).
 * Account updates are paced at RATE per second for `seconds`; a poll of the checkpoint every
 * 10 ms dates each event's durability (so times are up to 10 ms late).
 * Baseline from the same run: a bare Pub/Sub client (salesforce-pubsub-api-client) on the same
 * channel, commit → callback, so the ratio is what storing costs over delivery itself.
 * The engine runs with its own embedded PostgreSQL and Azurite, as `npm start` does.
 *
 *   nice -n 10 npx tsx bench/cdp-latency.ts [seconds=60] [rate=500]
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '../test/emulator/server.js';
import { collectPubSub, connectPubSub } from '../test/emulator/cdc/testing/clients.js';
import { loadConfig } from '../engine/src/config/load.js';
import { createLogger } from '../engine/src/infra/logger.js';
import { startEngine } from '../engine/src/main.js';

const seconds = Number(process.argv[2] ?? 60);
const RATE = Number(process.argv[3] ?? 500);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const emu = await startEmulator({ records: 2000, seed: 5, cdc: { entities: [], keepaliveMs: 1000 } });
const endpoint = String(emu.ready.pubSubEndpoint);
const dir = mkdtempSync(path.join(tmpdir(), 'orgvault-bench-cdp-'));
// The embedded PostgreSQL runs as its own OS user when we are root: it must reach the directory.
chmodSync(dir, 0o755);
const config = loadConfig(
  { PORT: '0', ORGVAULT_DATA_DIR: dir, ORGVAULT_PUBSUB_ENDPOINT: endpoint, ORGVAULT_PUBSUB_INSECURE_TLS: 'true', LOG_LEVEL: 'warn' },
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
const { orgId } = await services.connect(tenant.id, { kind: 'accessToken', instanceUrl: emu.instanceUrl, accessToken: emu.accessToken });
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
const bare = await connectPubSub(endpoint, emu.accessToken, emu.instanceUrl.replace('http:', 'https:'));
const sub = collectPubSub((cb) => bare.subscribe('/data/ChangeEvents', cb));
await sub.until(() => sub.keepalives() > 0);

const accounts: string[] = [];
for (let i = 0; i < 200; i++) accounts.push(emu.org.create('Account', { Name: `bench ${i}` }));
await sleep(3000);

const storedEvents = async (): Promise<number> =>
  Number((await pool.query('SELECT events FROM cdp_checkpoints WHERE org_id = $1', [orgId])).rows[0]?.events ?? 0);
const base = await storedEvents();
const bareBase = sub.events.length;
const total = RATE * seconds;
const committedAt: number[] = [];
const durableAt: number[] = new Array(total);
let durable = 0;
let polling = true;
const poller = (async () => {
  while (polling) {
    const n = (await storedEvents()) - base;
    const now = Date.now();
    for (; durable < Math.min(n, committedAt.length); durable++) durableAt[durable] = now;
    await sleep(10);
  }
})();

const start = Date.now();
for (let done = 0; done < total;) {
  const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE) + 1);
  for (; done < due; done++) {
    committedAt.push(Date.now());
    emu.org.update(accounts[done % accounts.length]!, { Description: `change ${done}` });
  }
  await sleep(1);
}
const sentSeconds = (Date.now() - start) / 1000;
while (durable < total) await sleep(50);
polling = false;
await poller;
await sub.until(() => sub.events.length >= bareBase + total);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const engineLat = committedAt.map((c, i) => durableAt[i]! - c);
// The client's callback times are performance.now(); commit times are wall-clock ms.
const clockOffset = Date.now() - performance.now();
const bareMs = sub.events
  .slice(bareBase, bareBase + total)
  .map((e, i) => sub.receivedAt[bareBase + i]! + clockOffset - Number(e.payload.ChangeEventHeader.commitTimestamp));
const row = (name: string, xs: number[]) =>
  `${name.padEnd(28)} p50 ${pct(xs, 50).toFixed(0).padStart(6)} ms   p99 ${pct(xs, 99).toFixed(0).padStart(6)} ms`;
console.log(`${total} updates at ${RATE}/s over ${sentSeconds.toFixed(1)} s`);
console.log(row('bare Pub/Sub delivery', bareMs));
console.log(row('commit → durable in store', engineLat));
console.log(
  `ratio p99 engine / bare: ${(pct(engineLat, 99) / Math.max(1, pct(bareMs, 99))).toFixed(2)}   target p99 < 2000 ms: ${pct(engineLat, 99) < 2000 ? 'met' : 'missed'}`,
);

bare.close();
await engine.stop();
await emu.stop();
