import type PubSubApiClient from 'salesforce-pubsub-api-client';
import type { OrgConnection } from './connection.js';

/** A change event as the Pub/Sub client decodes it (bitmaps already turned into field names). */
export interface ChangeEvent {
  replayId: number;
  header: ChangeEventHeader;
  /** The body: every field of the entity's schema, null where the event carries no value. */
  body: Record<string, unknown>;
}

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  changedFields: string[];
  nulledFields: string[];
}

export interface StreamHandlers {
  /** A batch of events in replay order; the next batch is requested once this resolves (flow control). */
  onEvents(events: ChangeEvent[]): Promise<void>;
  /** Nothing is outstanding on the server side up to `latestReplayId` (a keepalive). */
  onIdle(latestReplayId: number | null): Promise<void>;
  /** The stream ended or failed; `replayExpired` when the server refused the stored replay id. */
  onEnd(err: Error | null, replayExpired: boolean): void;
}

export interface StreamOptions {
  endpoint: string;
  /** Accept a server certificate that does not verify (self-signed test servers only). */
  insecureTls: boolean;
  /** Events requested at a time (the Pub/Sub API allows at most 100). */
  batchSize: number;
  /** At most this many received events wait to be stored before the next request goes out. */
  maxBuffered: number;
  /** How long to wait for more events before handing over a partial batch. */
  lingerMs: number;
}

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };
const REPLAY_CORRUPTED = 'replayid.corrupted';

/**
 * One Pub/Sub API subscription to a change event channel, from a stored replay id or the tip.
 * Flow control: events are requested `batchSize` at a time, and the next request goes out at
 * once only while fewer than `maxBuffered` received events wait to be stored; past that it waits
 * until they are, so a slow store slows the stream instead of filling memory. Events are handed
 * over in batches of whatever arrived while the previous batch was being stored, in replay order
 * (the client may deliver out of order while it fetches a schema: we sort).
 */
export class ChangeStream {
  #client: PubSubApiClient | undefined;
  #pending: ChangeEvent[] = [];
  /** Received and not yet stored (pending plus the batch being stored). */
  #unstored = 0;
  /** A request held back until the buffer drains. */
  #owed = false;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly conn: OrgConnection,
    private readonly channel: string,
    private readonly options: StreamOptions,
    private readonly handlers: StreamHandlers,
  ) {}

  async start(replayId: number | null): Promise<void> {
    const session = await this.conn.tokens.session();
    // The client insists on https; the instance URL only names the org in the call metadata.
    const instanceUrl = session.instanceUrl.replace(/^http:/, 'https:');
    // Loaded on first use: the client and its gRPC/Avro stack cost an engine that never streams ~40 MB.
    const { default: Client } = await import('salesforce-pubsub-api-client');
    this.#client = new Client(
      {
        authType: 'user-supplied',
        accessToken: session.accessToken,
        instanceUrl,
        organizationId: this.conn.identity.orgId,
        pubSubEndpoint: this.options.endpoint,
        rejectUnauthorizedSsl: !this.options.insecureTls,
      },
      QUIET,
    );
    await this.#client.connect();
    const callback = (info: { lastReplayId: number | null }, type: string, data?: unknown): void => {
      if (this.#closed) return;
      if (type === 'event') this.#take(data as RawEvent);
      else if (type === 'lastEvent') {
        this.#owed = true;
        this.#requestIfRoom();
      } else if (type === 'grpcKeepAlive') {
        this.#flush();
        this.#enqueue(() => this.handlers.onIdle(info.lastReplayId));
      } else if (type === 'error') this.#fail(data as Error);
      else if (type === 'end') this.#fail(new Error('The Pub/Sub stream ended'));
    };
    if (replayId === null) this.#client.subscribe(this.channel, callback, this.options.batchSize);
    else this.#client.subscribeFromReplayId(this.channel, callback, this.options.batchSize, replayId);
  }

  #requestIfRoom(): void {
    if (!this.#owed || this.#closed || this.#unstored + this.options.batchSize > this.options.maxBuffered) return;
    this.#owed = false;
    this.#client?.requestAdditionalEvents(this.channel, this.options.batchSize);
  }

  #take(raw: RawEvent): void {
    this.#pending.push(toChangeEvent(raw));
    this.#unstored++;
    this.#timer ??= setTimeout(() => this.#flush(), this.options.lingerMs);
  }

  /** Queues a step that stores everything received by the time it runs. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#enqueue(async () => {
      const batch = this.#pending.sort((a, b) => a.replayId - b.replayId);
      this.#pending = [];
      if (batch.length === 0) return;
      await this.handlers.onEvents(batch);
      this.#unstored -= batch.length;
      this.#requestIfRoom();
    });
  }

  /** Handlers run one at a time, in arrival order. */
  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: Error) => this.#fail(err));
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    const code = String((err as { metadata?: { get(k: string): unknown[] } }).metadata?.get?.('error-code')?.[0] ?? '');
    const expired = code.includes(REPLAY_CORRUPTED) || /Replay ID validation failed/i.test(err.message);
    void this.close().then(() => this.handlers.onEnd(err, expired));
  }

  /** Stops receiving; a batch being stored finishes first. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#client?.close();
    await this.#chain;
  }
}

interface RawEvent {
  replayId: number;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

function toChangeEvent(raw: RawEvent): ChangeEvent {
  const { ChangeEventHeader: h, ...body } = raw.payload;
  return {
    replayId: Number(raw.replayId),
    header: {
      entityName: String(h.entityName),
      recordIds: (h.recordIds as string[] | null) ?? [],
      changeType: String(h.changeType),
      transactionKey: String(h.transactionKey ?? ''),
      sequenceNumber: Number(h.sequenceNumber ?? 0),
      commitTimestamp: Number(h.commitTimestamp),
      changedFields: (h.changedFields as string[] | null) ?? [],
      nulledFields: (h.nulledFields as string[] | null) ?? [],
    },
    body,
  };
}
