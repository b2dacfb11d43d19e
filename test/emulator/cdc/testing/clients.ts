/**
 * The real clients the CDC suites subscribe with (salesforce-pubsub-api-client, jsforce
 * streaming with its replay extension), wrapped to collect what they receive.
 */
import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import PubSubApiClient from 'salesforce-pubsub-api-client';

export interface PubSubEvent {
  replayId: number;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

export interface CometdEvent {
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
  event: { replayId: number };
}

type Callback = Parameters<PubSubApiClient['subscribe']>[1];
type Disconnectable = { disconnect(): PromiseLike<void> | undefined };

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Resolves `until(done)` once done() holds, re-checked whenever `wake()` is called. */
function waiter() {
  let waiters: Array<() => void> = [];
  return {
    wake: () => {
      for (const w of waiters) w();
    },
    until: (done: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!done()) return;
          waiters = waiters.filter((w) => w !== check);
          resolve();
        };
        waiters.push(check);
        check();
      }),
  };
}

export async function connectPubSub(
  endpoint: string,
  accessToken: string,
  instanceUrl = 'https://emulator.test',
): Promise<PubSubApiClient> {
  const client = new PubSubApiClient(
    { authType: 'user-supplied', accessToken, instanceUrl, pubSubEndpoint: endpoint, rejectUnauthorizedSsl: false },
    quiet,
  );
  await client.connect();
  return client;
}

/** Starts a subscription through `start` and collects its events, errors and keepalives. */
export function collectPubSub(start: (callback: Callback) => void) {
  const events: PubSubEvent[] = [];
  /** performance.now() when each event came (benchmarks). */
  const receivedAt: number[] = [];
  const errors: unknown[] = [];
  const w = waiter();
  let keepalives = 0;
  start((_sub, type, data) => {
    if (type === 'event') {
      events.push(data as PubSubEvent);
      receivedAt.push(performance.now());
    } else if (type === 'error') errors.push(data);
    else if (type === 'grpcKeepAlive') keepalives++;
    w.wake();
  });
  return { events, receivedAt, errors, until: w.until, keepalives: () => keepalives };
}

export interface CometdSubscriber {
  client: Disconnectable;
  received: CometdEvent[];
  /** performance.now() when each event came (benchmarks). */
  receivedAt: number[];
  /** Messages AuthFailure reports (advice reconnect none). */
  failures: unknown[];
  /** Every unsuccessful Bayeux reply the client saw. */
  errors: Array<{ channel: string; error: string; advice?: { reconnect?: string } }>;
  until(done: () => boolean): Promise<void>;
  subscribed: Promise<void>;
}

/** jsforce streaming with the replay extension, as an engine subscribes. */
export function subscribeCometd(instanceUrl: string, accessToken: string, channel: string, replayId: number | null): CometdSubscriber {
  const conn = new jsforce.Connection({ instanceUrl, accessToken, version: '62.0' });
  const w = waiter();
  const received: CometdEvent[] = [];
  const receivedAt: number[] = [];
  const failures: unknown[] = [];
  const errors: CometdSubscriber['errors'] = [];
  const client = conn.streaming.createClient([
    new StreamingExtension.Replay(channel, replayId),
    new StreamingExtension.AuthFailure((m: unknown) => {
      failures.push(m);
      w.wake();
    }),
    {
      incoming(m: { channel: string; error?: string }, callback: (m: unknown) => void) {
        if (m.error) errors.push(m as CometdSubscriber['errors'][number]);
        callback(m);
      },
    },
  ]);
  const subscription = client.subscribe(channel, (data: CometdEvent) => {
    received.push(data);
    receivedAt.push(performance.now());
    w.wake();
  });
  return {
    client: client as unknown as Disconnectable,
    received,
    receivedAt,
    failures,
    errors,
    until: w.until,
    subscribed: Promise.resolve(subscription),
  };
}

/** The first record id of each event. */
export function recordIdsOf(events: Array<{ payload: { ChangeEventHeader: Record<string, unknown> } }>): string[] {
  return events.map((e) => (e.payload.ChangeEventHeader.recordIds as string[])[0] as string);
}
