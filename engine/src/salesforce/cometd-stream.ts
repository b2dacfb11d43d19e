import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import type { OrgConnection } from './connection.js';
import { BatchingStream, toChangeEvent, type StreamHandlers, type StreamOptions } from './change-stream.js';

interface BayeuxReply {
  channel: string;
  successful?: boolean;
  error?: string;
}

interface CometdEvent {
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
  event: { replayId: number };
}

/** The part of faye's client used here (jsforce types it loosely). */
interface FayeClient {
  subscribe(
    channel: string,
    onMessage: (m: CometdEvent) => void,
  ): { callback(f: () => void): void; errback(f: (e: unknown) => void): void };
  on(event: 'transport:down', listener: () => void): void;
  disconnect(): void;
}

const EXPIRED = /replayId \{.*\} you provided was invalid/i;
const AUTH = /^40[13]::(Authentication invalid|Handshake denied)/i;

/**
 * The Streaming API (CometD, jsforce's faye client with its replay extension) on a change event
 * channel: the fall-back when the Pub/Sub API cannot be reached. Its replay ids are integers of
 * its own (`event.replayId`), checkpointed apart from Pub/Sub's. The subscription replays after a
 * stored id (-1, the tip, when there is none); a `403::Unknown client` makes faye handshake and
 * subscribe again, the replay extension naming the last event received. CometD has no flow
 * control of its own: the next long poll is held back while too many events wait to be stored.
 * There are no keepalives either: a
 * /meta/connect reply means the server has sent everything it had, so once the events that came
 * with it are stored the stream is idle (with Salesforce's 110 s long poll, at least that often).
 */
export class CometdStream extends BatchingStream {
  #client: FayeClient | undefined;
  #latest: number | null = null;
  /** A /meta/connect held back until the received events are stored. */
  #heldConnect: (() => void) | undefined;

  constructor(
    private readonly conn: OrgConnection,
    private readonly channel: string,
    handlers: StreamHandlers,
    private readonly options: Pick<StreamOptions, 'lingerMs' | 'maxBuffered'>,
  ) {
    super(handlers, options.lingerMs);
  }

  async start(replayId: number | null): Promise<void> {
    const js = await this.conn.jsforce();
    // The session may have been renewed since jsforce's connection was made.
    js.accessToken = (await this.conn.tokens.session()).accessToken;
    this.#latest = replayId;
    let started = false;
    let refuse: (err: Error) => void = () => undefined;
    const refused = new Promise<never>((_, reject) => (refuse = reject));
    // Until the subscription succeeds a failure fails start(); afterwards it ends the stream.
    const failure = (err: Error) => (started ? this.fail(err) : refuse(err));
    const client = js.streaming.createClient([
      new StreamingExtension.Replay(this.channel, replayId ?? -1),
      new StreamingExtension.AuthFailure((m: BayeuxReply) => failure(new Error(m.error ?? '401::Authentication invalid'))),
      {
        // Flow control: the next long poll goes out only while fewer than maxBuffered events wait to
        // be stored (Salesforce expects it within 40 s of a delivery, or the client handshakes again).
        outgoing: (m: BayeuxReply, callback: (m: BayeuxReply) => void) => {
          if (m.channel === '/meta/connect' && this.unstored >= this.options.maxBuffered && !this.closed)
            this.#heldConnect = () => callback(m);
          else callback(m);
        },
        incoming: (m: BayeuxReply, callback: (m: BayeuxReply) => void) => {
          if (m.channel === '/meta/connect' && m.successful) {
            // After the events delivered with this reply (faye hands them over in the same turn).
            setTimeout(() => !this.closed && this.idle(this.#latest), 0);
          } else if (m.channel === '/meta/subscribe' && m.successful === false) {
            failure(new Error(m.error ?? 'CometD subscription refused'));
          }
          callback(m);
        },
      },
    ]) as unknown as FayeClient;
    this.#client = client;
    client.on('transport:down', () => failure(new Error('The CometD connection is down')));
    const subscription = client.subscribe(this.channel, (m) => {
      this.#latest = m.event.replayId;
      this.take(toChangeEvent({ replayId: m.event.replayId, payload: m.payload }));
    });
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        subscription.callback(resolve);
        subscription.errback((e) => reject(new Error((e as { message?: string }).message ?? String(e))));
      }),
      refused,
    ]).catch((err: Error) => {
      this.closed = true;
      this.disconnect();
      throw err;
    });
    started = true;
  }

  protected override stored(): void {
    if (this.#heldConnect && this.unstored < this.options.maxBuffered) {
      const send = this.#heldConnect;
      this.#heldConnect = undefined;
      send();
    }
  }

  protected disconnect(): void {
    this.#client?.disconnect();
  }

  isExpired(err: Error): boolean {
    return EXPIRED.test(err.message);
  }

  isAuthFailure(err: Error): boolean {
    return AUTH.test(err.message);
  }
}
