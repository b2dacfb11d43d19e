import type { Pool, PoolClient } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { ChangeStream, type ChangeEvent, type EventStream, type StreamHandlers, type StreamOptions } from '../salesforce/change-stream.js';
import { cdpLagSeconds } from '../infra/metrics.js';
import { EventApplier } from './apply.js';
import {
  readCheckpoint,
  restartCoverage,
  saveCheckpoint,
  switchTransport,
  type CdpSettings,
  type FallbackReason,
  type Transport,
} from './state.js';
import { RELEASE_CHANNEL_LOCK, TRY_CHANNEL_LOCK } from './sql.js';

export const CHANNEL = '/data/ChangeEvents';

export interface ConsumerOptions extends StreamOptions {
  /** A stream down longer than this is covered by an incremental backup instead. */
  streamDownMs: number;
  /** Wait before subscribing again after the stream ended. */
  retryMs: number;
  /** A keepalive says everything committed before its arrival is stored, less this margin. */
  keepaliveMarginMs: number;
  /** In auto mode, Pub/Sub subscriptions failing this many times in a row switch the org to CometD. */
  pubsubAttempts: number;
  /** While on CometD in auto mode, how often Pub/Sub is tried again. */
  pubsubProbeMs: number;
}

export interface ConsumerDeps {
  pool: Pool;
  store: Store;
  log: Logger;
  connect(orgId: string): Promise<OrgConnection>;
  /** The org's settings now (objects and transport may change while the stream runs). */
  settings(orgId: string): Promise<CdpSettings>;
  /** Logs and records a fall-back, opening an incremental backup of the objects unless `backup` is false. */
  fallback(orgId: string, reason: FallbackReason, objects: string[], detail: string, backup?: boolean): Promise<void>;
}

/**
 * Follows one org's change event channel in this process, over the Pub/Sub API or, when that
 * cannot be reached (or the org asks for it), the Streaming API (CometD). Only the holder of the
 * channel's advisory lock consumes it, so two engines never apply the same events; the lock lives
 * on a session of its own and goes with it when the process dies. Each transport checkpoints its
 * own replay ids, moved only after the events before them are stored, so a restart resumes
 * exactly there (the store skips versions it already has, should a batch be stored twice around
 * a crash). Switching transport resumes from the new transport's own checkpoint (events stored
 * meanwhile come again and are skipped); without one, from its tip, with a backup for the hole.
 */
export class OrgConsumer {
  #lease: PoolClient | undefined;
  #stream: EventStream | undefined;
  #conn: OrgConnection | undefined;
  #transport: Transport | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #probe: NodeJS.Timeout | undefined;
  #downSince: number | null = null;
  #downReported = false;
  /** Pub/Sub subscriptions that failed in a row. */
  #pubsubFailures = 0;
  #lastPubsubError = '';
  /** Subscribing and restarting run one at a time, so two streams never run side by side. */
  #ops: Promise<void> = Promise.resolve();
  #restart: Promise<void> | undefined;

  constructor(
    readonly orgId: string,
    private readonly deps: ConsumerDeps,
    private readonly options: ConsumerOptions,
  ) {}

  /** Takes the channel's lease; false when another process holds it. */
  async acquire(): Promise<boolean> {
    const client = await this.deps.pool.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ ok: boolean }>(TRY_CHANNEL_LOCK, [this.orgId + CHANNEL]);
    if (!rows[0]!.ok) {
      client.release();
      return false;
    }
    this.#lease = client;
    void this.#exclusive(() => this.#subscribe());
    return true;
  }

  #log(): Logger {
    return this.deps.log.child({ orgId: this.orgId, channel: CHANNEL });
  }

  /** The transport the org should be on now. */
  #wanted(settings: CdpSettings): { transport: Transport; why: string } {
    if (settings.transport !== 'auto') return { transport: settings.transport, why: `the org's setting is ${settings.transport}` };
    if (this.#pubsubFailures >= this.options.pubsubAttempts) {
      return {
        transport: 'cometd',
        why: `the Pub/Sub API failed ${this.#pubsubFailures} times in a row (${this.#lastPubsubError}); following over CometD`,
      };
    }
    return { transport: 'pubsub', why: 'the Pub/Sub API is reachable' };
  }

  async #subscribe(): Promise<void> {
    // Stopped, or a stream runs already (a retry queued behind a restart).
    if (this.#stopped || this.#stream) return;
    const log = this.#log();
    let stream: EventStream | undefined;
    try {
      const settings = await this.deps.settings(this.orgId);
      const want = this.#wanted(settings);
      const transport = want.transport;
      const cp = await readCheckpoint(this.deps.pool, this.orgId, CHANNEL);
      // Replay ids differ between transports: each resumes from its own, or from its tip with a backup for the hole.
      const own = (transport === 'pubsub' ? cp?.replayId : cp?.cometdReplayId) ?? null;
      const hole = !!cp && own === null && (cp.replayId !== null || cp.cometdReplayId !== null);
      let pendingFallback: (() => Promise<void>) | undefined;
      if (cp && (cp.transport !== transport || hole)) {
        await switchTransport(this.deps.pool, this.orgId, CHANNEL, transport, want.why, hole);
        const switched = cp.transport !== transport;
        const detail = `${switched ? `${cp.transport} → ${transport}: ${want.why}` : `${transport} subscribes again`}${
          hole ? `; ${transport} has no replay id of its own yet, so it starts at the tip and a backup covers the changes between` : ''
        }`;
        pendingFallback = () =>
          this.deps.fallback(this.orgId, switched ? 'transport_switch' : 'stream_down', settings.objects, detail, hole);
      }
      const from = own;
      const conn = await this.deps.connect(this.orgId);
      this.#conn = conn;
      const handlers = this.#handlers(conn, transport, from, cp?.lastCommitAt?.getTime() ?? null, (err, expired) => {
        // The end of a stream already replaced is no news.
        if (!stream || this.#stream !== stream) return;
        this.#stream = undefined;
        void this.#ended(err, expired, !!err && stream.isAuthFailure(err));
      });
      if (transport === 'pubsub') stream = new ChangeStream(conn, CHANNEL, this.options, handlers);
      else {
        // The fall-back's client (faye) is loaded only when an org needs it.
        const { CometdStream } = await import('../salesforce/cometd-stream.js');
        stream = new CometdStream(conn, CHANNEL, handlers, this.options);
      }
      this.#stream = stream;
      this.#transport = transport;
      await stream.start(from);
      // Coverage restarts, and the backup for the hole is asked for, only once the stream listens at
      // its tip: a backup read before then would miss the changes made between its read and the tip.
      if (hole) await restartCoverage(this.deps.pool, this.orgId, CHANNEL);
      await pendingFallback?.();
      if (transport === 'pubsub') this.#pubsubFailures = 0;
      else if (settings.transport === 'auto') this.#scheduleProbe(conn);
      this.#downSince = null;
      this.#downReported = false;
      log.info({ from, transport }, 'change event stream subscribed');
    } catch (err) {
      if (this.#stream === stream) this.#stream = undefined;
      await stream?.close();
      await this.#ended(err as Error, stream?.isExpired(err as Error) ?? false, stream?.isAuthFailure(err as Error) ?? false);
    }
  }

  /** `storedUpTo`: the last commit stored before this subscription; events up to it may come again. */
  #handlers(
    conn: OrgConnection,
    transport: Transport,
    from: number | null,
    storedUpTo: number | null,
    onEnd: StreamHandlers['onEnd'],
  ): StreamHandlers {
    const applier = new EventApplier(this.deps.store, conn, this.orgId);
    let lastReplay = from;
    const caughtUp = async (arrived: number) => {
      await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, {
        caughtUpAt: new Date(arrived - this.options.keepaliveMarginMs),
        events: 0,
      });
      cdpLagSeconds.set({ org: this.orgId }, 0);
    };
    return {
      onEvents: async (events: ChangeEvent[]) => {
        const { objects } = await this.deps.settings(this.orgId);
        const outcome = await applier.apply(events, new Set(objects), storedUpTo);
        const last = events.at(-1)!;
        const lastCommit = new Date(Math.max(...events.map((e) => e.header.commitTimestamp)));
        await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, {
          replayId: last.replayId,
          transport,
          lastCommitAt: lastCommit,
          events: events.length,
        });
        lastReplay = last.replayId;
        cdpLagSeconds.set({ org: this.orgId }, Math.max(0, Date.now() - lastCommit.getTime()) / 1000);
        for (const object of outcome.overflow) {
          await this.deps.fallback(this.orgId, 'gap_overflow', [object], `GAP_OVERFLOW at ${transport} replay id ${last.replayId}`);
        }
      },
      onIdle: async (latest) => {
        const arrived = Date.now();
        // The org's transport setting may have changed in another process: follow it once idle.
        if (this.#wanted(await this.deps.settings(this.orgId)).transport !== transport) void this.reconsider();
        // CometD from the tip: nothing has come since the subscription, and nothing was outstanding.
        if (latest === null) return transport === 'cometd' ? caughtUp(arrived) : undefined;
        // From the tip: nothing before the subscription is ours to apply.
        if (lastReplay === null) {
          await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, { replayId: latest, transport, events: 0 });
          lastReplay = latest;
        }
        if (latest <= lastReplay) await caughtUp(arrived);
      },
      onEnd,
    };
  }

  /** While on CometD because Pub/Sub failed: try Pub/Sub now and then, and go back once it answers. */
  #scheduleProbe(conn: OrgConnection): void {
    clearTimeout(this.#probe);
    this.#probe = setTimeout(() => {
      void (async () => {
        if (this.#stopped || this.#transport !== 'cometd') return;
        const { PubSubSubscription } = await import('../salesforce/pubsub-subscription.js');
        const probe = new PubSubSubscription(
          {
            endpoint: this.options.endpoint,
            insecureTls: this.options.insecureTls,
            orgId: conn.identity.orgId,
            session: await conn.tokens.session(),
          },
          CHANNEL,
          { onEvent: () => undefined, onRequestFilled: () => undefined, onKeepalive: () => undefined, onError: () => undefined },
        );
        try {
          await probe.probe();
          this.#pubsubFailures = 0;
          this.#log().info('the Pub/Sub API answers again: leaving CometD');
          await this.reconsider();
        } catch {
          this.#scheduleProbe(conn);
        } finally {
          probe.close();
        }
      })();
    }, this.options.pubsubProbeMs);
  }

  #exclusive(op: () => Promise<void>): Promise<void> {
    this.#ops = this.#ops.then(op, op);
    return this.#ops;
  }

  /** Ends the running stream and subscribes again, on the transport the org should be on now. */
  reconsider(): Promise<void> {
    // A restart already waiting covers this request too.
    this.#restart ??= this.#exclusive(async () => {
      this.#restart = undefined;
      if (this.#stopped) return;
      clearTimeout(this.#probe);
      clearTimeout(this.#retry);
      const stream = this.#stream;
      this.#stream = undefined;
      await stream?.close();
      await this.#subscribe();
    });
    return this.#restart;
  }

  async #ended(err: Error | null, expired: boolean, authFailure: boolean): Promise<void> {
    if (this.#stopped) return;
    const log = this.#log();
    log.warn({ err: err?.message, expired, authFailure, transport: this.#transport }, 'change event stream ended');
    if (authFailure && this.#conn) {
      // The session expired or was revoked: the next subscription needs a new one (not a Pub/Sub failure either).
      const conn = this.#conn;
      await conn.tokens
        .session()
        .then((s) => conn.tokens.refresh(s.accessToken))
        .catch((e: Error) => log.warn({ err: e.message }, 'could not renew the session for the change event stream'));
    } else if (this.#transport === 'pubsub' && !expired) {
      this.#pubsubFailures++;
      this.#lastPubsubError = err?.message ?? 'stream ended';
    }
    this.#downSince ??= Date.now();
    try {
      const { objects } = await this.deps.settings(this.orgId);
      if (expired) {
        // The events since the checkpoint are gone: start again from the tip, a backup covers the hole.
        await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, { reset: true, events: 0 });
        await this.deps.fallback(this.orgId, 'replay_expired', objects, err?.message ?? 'replay id expired');
      } else if (!this.#downReported && Date.now() - this.#downSince >= this.options.streamDownMs) {
        this.#downReported = true;
        await this.deps.fallback(this.orgId, 'stream_down', objects, `stream down since ${new Date(this.#downSince).toISOString()}`);
      }
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'change event fall-back failed');
    }
    this.#retry = setTimeout(() => void this.#exclusive(() => this.#subscribe()), this.options.retryMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#probe);
    await this.#stream?.close();
    if (this.#lease) {
      await this.#lease.query(RELEASE_CHANNEL_LOCK, [this.orgId + CHANNEL]).catch(() => undefined);
      this.#lease.release();
    }
  }
}
