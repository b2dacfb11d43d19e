/**
 * CDC benchmark: change events from mutation to delivery through the real clients, per channel
 * (Pub/Sub API with salesforce-pubsub-api-client, CometD with jsforce streaming).
 *   1. sustained rate: N one-record update transactions written as fast as the org takes them
 *      (yielding to I/O every 50), timed until the last event reaches the subscriber;
 *   2. latency p50/p99 (mutation → client callback) with changes paced at 1,000 per second.
 * Baseline from the same run: the same mutations with the events only produced onto the bus
 * (no channel), so each channel's ratio is its cost over event production itself.
 *
 *   nice -n 10 npx tsx bench/emulator-cdc.ts [updates] [pacedSeconds]
 */
import { startEmulator } from '../test/emulator/server.js';
import { cdcExtension } from '../test/emulator/cdc/extension.js';
import { collectPubSub, connectPubSub, subscribeCometd } from '../test/emulator/cdc/testing/clients.js';

const updates = Number(process.argv[2] ?? 20_000);
const pacedSeconds = Number(process.argv[3] ?? 5);
const RATE = 1000;

const cdc = cdcExtension({ entities: ['Account'], keepaliveMs: 1000 });
const emu = await startEmulator({ records: 1000, seed: 7, cdc: false, extensions: [cdc] });
const ids = Array.from({ length: 100 }, (_, i) => emu.org.create('Account', { Name: `bench ${i}` }));
let seq = 0;
const sentAt = new Map<number, number>();
const mutate = (): void => {
  const n = ++seq;
  sentAt.set(n, performance.now());
  emu.org.update(ids[n % ids.length] as string, { Description: String(n) });
};

interface Channel {
  count(): number;
  until(done: () => boolean): Promise<void>;
  /** Mutation → delivery latencies of the events from index `from` on. */
  latencies(from: number): number[];
}

/** Writes `count` updates, yielding to I/O every 50, until the last is delivered: events/s. */
async function sustained(ch: Channel, count: number): Promise<number> {
  const target = ch.count() + count;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    mutate();
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await ch.until(() => ch.count() >= target);
  return count / ((performance.now() - start) / 1000);
}

/** Paces updates at RATE per second for pacedSeconds: latencies of those events. */
async function paced(ch: Channel): Promise<number[]> {
  const total = RATE * pacedSeconds;
  const from = ch.count();
  const start = performance.now();
  for (let done = 0; done < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
    for (; done < due; done++) mutate();
    await new Promise((r) => setTimeout(r, 1));
  }
  await ch.until(() => ch.count() >= from + total);
  return ch.latencies(from).sort((a, b) => a - b);
}

const latencyOf = (descriptions: unknown[], receivedAt: number[], from: number): number[] =>
  descriptions.slice(from).map((d, i) => (receivedAt[from + i] as number) - (sentAt.get(Number(d)) as number));

// Baseline: production onto the bus only (no subscriber yet).
const bus = cdc.cdc!.bus;
const before = bus.latestReplayId();
const t0 = performance.now();
for (let i = 0; i < updates; i++) mutate();
const baseRate = updates / ((performance.now() - t0) / 1000);
if (bus.latestReplayId() - before !== updates) throw new Error('baseline: events missing');

const client = await connectPubSub(emu.ready.pubSubEndpoint as string, emu.accessToken);
const grpc = collectPubSub((cb) => client.subscribe('/data/AccountChangeEvent', cb));
await grpc.until(() => grpc.keepalives() > 0);
const pubsubChannel: Channel = {
  count: () => grpc.events.length,
  until: grpc.until,
  latencies: (from) =>
    latencyOf(
      grpc.events.map((e) => e.payload.Description),
      grpc.receivedAt,
      from,
    ),
};
const grpcRate = await sustained(pubsubChannel, updates);
const grpcLatency = await paced(pubsubChannel);
client.close();

const streaming = subscribeCometd(emu.instanceUrl, emu.accessToken, '/data/AccountChangeEvent', -1);
await streaming.subscribed;
const cometdChannel: Channel = {
  count: () => streaming.received.length,
  until: streaming.until,
  latencies: (from) =>
    latencyOf(
      streaming.received.map((e) => e.payload.Description),
      streaming.receivedAt,
      from,
    ),
};
const cometdRate = await sustained(cometdChannel, updates);
const cometdLatency = await paced(cometdChannel);
await streaming.client.disconnect();
await emu.stop();

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const q = (xs: number[], p: number): string => (xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN).toFixed(1);
console.log(`events produced onto the bus (baseline): ${fmt(baseRate)}/s`);
console.log(`Pub/Sub API sustained: ${fmt(grpcRate)} events/s (${(grpcRate / baseRate).toFixed(3)}× baseline)`);
console.log(`CometD sustained:      ${fmt(cometdRate)} events/s (${(cometdRate / baseRate).toFixed(3)}× baseline)`);
console.log(`at ${RATE} changes/s, Pub/Sub: p50 ${q(grpcLatency, 0.5)} ms, p99 ${q(grpcLatency, 0.99)} ms (${grpcLatency.length} events)`);
console.log(
  `at ${RATE} changes/s, CometD:  p50 ${q(cometdLatency, 0.5)} ms, p99 ${q(cometdLatency, 0.99)} ms (${cometdLatency.length} events)`,
);
