import type { PubSubSubscription } from './pubsub-subscription.js';
import type { OrgConnection } from './connection.js';

/** A change event as the subscribers decode it (bitmaps already turned into field names). */
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
  /** A batch of events in the order the server sent them; more are taken once this resolves (flow control). */
  onEvents(events: ChangeEvent[]): Promise<void>;
  /**
   * Nothing is outstanding on the server side up to `latestReplayId` (a Pub/Sub keepalive, a
   * CometD connect reply); null: nothing came since a subscription from the tip.
   */
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

/** What the consumer needs of either transport. */
export interface EventStream {
  start(replayId: number | null): Promise<void>;
  close(): Promise<void>;
  isExpired(err: Error): boolean;
}

/**
 * Batching shared by both transports: events are handed over in batches of whatever arrived
 * while the previous batch was being stored, in the order the server sent them, and an idle
 * signal only after every event before it is stored. Handlers run one at a time.
 */
export abstract class BatchingStream implements EventStream {
  #pending: ChangeEvent[] = [];
  /** Received and not yet stored (pending plus the batch being stored). */
  protected unstored = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  protected closed = false;

  constructor(
    protected readonly handlers: StreamHandlers,
    protected readonly lingerMs: number,
  ) {}

  abstract start(replayId: number | null): Promise<void>;
  /** Stops the transport's own client. */
  protected abstract disconnect(): void;
  /** Whether an error says the stored replay id is no longer retained. */
  abstract isExpired(err: Error): boolean;
  /** Called after each batch is stored. */
  protected stored(): void {}

  protected take(e: ChangeEvent): void {
    this.#pending.push(e);
    this.unstored++;
    this.#timer ??= setTimeout(() => this.#flush(), this.lingerMs);
  }

  protected idle(latest: number | null): void {
    this.#flush();
    this.#enqueue(() => this.handlers.onIdle(latest));
  }

  /** Queues a step that stores everything received by the time it runs. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#enqueue(async () => {
      const batch = this.#pending;
      this.#pending = [];
      if (batch.length === 0) return;
      await this.handlers.onEvents(batch);
      this.unstored -= batch.length;
      this.stored();
    });
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: Error) => this.fail(err));
  }

  protected fail(err: Error): void {
    if (this.closed) return;
    void this.close().then(() => this.handlers.onEnd(err, this.isExpired(err)));
  }

  /** Stops receiving; a batch being stored finishes first. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.#timer);
    this.disconnect();
    await this.#chain;
  }
}

const REPLAY_CORRUPTED = 'replayid.corrupted';

/**
 * One Pub/Sub API subscription to a change event channel, from a stored replay id or the tip.
 * Flow control: events are requested `batchSize` at a time, and the next request goes out at
 * once only while fewer than `maxBuffered` received events wait to be stored; past that it waits
 * until they are, so a slow store slows the stream instead of filling memory.
 */
export class ChangeStream extends BatchingStream {
  #sub: PubSubSubscription | undefined;
  /** A request held back until the buffer drains. */
  #owed = false;

  constructor(
    private readonly conn: OrgConnection,
    private readonly channel: string,
    private readonly options: StreamOptions,
    handlers: StreamHandlers,
  ) {
    super(handlers, options.lingerMs);
  }

  async start(replayId: number | null): Promise<void> {
    const session = await this.conn.tokens.session();
    // Loaded on first use: gRPC and Avro cost an engine that never streams ~40 MB.
    const { PubSubSubscription } = await import('./pubsub-subscription.js');
    const sub = new PubSubSubscription(
      { endpoint: this.options.endpoint, insecureTls: this.options.insecureTls, orgId: this.conn.identity.orgId, session },
      this.channel,
      {
        onEvent: (e) => this.take(toChangeEvent(e)),
        onRequestFilled: () => {
          this.#owed = true;
          this.#requestIfRoom();
        },
        onKeepalive: (latest) => this.idle(latest),
        onError: (err) => this.fail(err),
      },
    );
    this.#sub = sub;
    // Fails fast when the endpoint is unreachable or refuses the session, before any subscription.
    await sub.probe();
    sub.subscribe(replayId, this.options.batchSize);
  }

  protected override stored(): void {
    this.#requestIfRoom();
  }

  #requestIfRoom(): void {
    if (!this.#owed || this.closed || this.unstored + this.options.batchSize > this.options.maxBuffered) return;
    this.#owed = false;
    this.#sub?.request(this.options.batchSize);
  }

  protected disconnect(): void {
    this.#sub?.close();
  }

  isExpired(err: Error): boolean {
    const code = String((err as { metadata?: { get(k: string): unknown[] } }).metadata?.get?.('error-code')?.[0] ?? '');
    return code.includes(REPLAY_CORRUPTED) || /Replay ID validation failed/i.test(err.message);
  }
}

/** A decoded event of either transport (CometD sends no nulledFields: a nulled field is a changed field with a null value). */
export function toChangeEvent(raw: {
  replayId: number;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}): ChangeEvent {
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
