import type { Pool, PoolClient } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { ChangeStream, type ChangeEvent, type StreamOptions } from '../salesforce/change-stream.js';
import { cdpLagSeconds } from '../infra/metrics.js';
import { EventApplier } from './apply.js';
import { readCheckpoint, saveCheckpoint, type FallbackReason } from './state.js';

export const CHANNEL = '/data/ChangeEvents';

export interface ConsumerOptions extends StreamOptions {
  /** A stream down longer than this is covered by an incremental backup instead. */
  streamDownMs: number;
  /** Wait before subscribing again after the stream ended. */
  retryMs: number;
  /** A keepalive says everything committed before its arrival is stored, less this margin. */
  keepaliveMarginMs: number;
}

export interface ConsumerDeps {
  pool: Pool;
  store: Store;
  log: Logger;
  connect(orgId: string): Promise<OrgConnection>;
  /** The objects protected now (settings may change while the stream runs). */
  objects(orgId: string): Promise<string[]>;
  /** Opens an incremental backup of objects whose events cannot be trusted; returns its job id. */
  fallback(orgId: string, reason: FallbackReason, objects: string[], detail: string): Promise<void>;
}

/**
 * Follows one org's change event channel in this process. Only the holder of the channel's
 * advisory lock consumes it, so two engines never apply the same events; the lock lives on a
 * session of its own and goes with it when the process dies. The checkpoint moves only after the
 * events before it are stored, so a restart resumes exactly there (the store skips versions it
 * already has, should a batch be stored twice around a crash).
 */
export class OrgConsumer {
  #lease: PoolClient | undefined;
  #stream: ChangeStream | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #downSince: number | null = null;
  #downReported = false;

  constructor(
    readonly orgId: string,
    private readonly deps: ConsumerDeps,
    private readonly options: ConsumerOptions,
  ) {}

  /** Takes the channel's lease; false when another process holds it. */
  async acquire(): Promise<boolean> {
    const client = await this.deps.pool.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext('orgvault_cdp'), hashtext($1)) AS ok", [
      this.orgId + CHANNEL,
    ]);
    if (!rows[0]!.ok) {
      client.release();
      return false;
    }
    this.#lease = client;
    void this.#subscribe();
    return true;
  }

  async #subscribe(): Promise<void> {
    if (this.#stopped) return;
    const log = this.deps.log.child({ orgId: this.orgId, channel: CHANNEL });
    try {
      const conn = await this.deps.connect(this.orgId);
      const applier = new EventApplier(this.deps.store, conn, this.orgId);
      const cp = await readCheckpoint(this.deps.pool, this.orgId, CHANNEL);
      let lastReplay = cp?.replayId ?? null;
      const stream = new ChangeStream(conn, CHANNEL, this.options, {
        onEvents: async (events: ChangeEvent[]) => {
          const objects = new Set(await this.deps.objects(this.orgId));
          const outcome = await applier.apply(events, objects);
          const last = events.at(-1)!;
          const lastCommit = new Date(Math.max(...events.map((e) => e.header.commitTimestamp)));
          await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, {
            replayId: last.replayId,
            lastCommitAt: lastCommit,
            events: events.length,
          });
          lastReplay = last.replayId;
          cdpLagSeconds.set({ org: this.orgId }, Math.max(0, Date.now() - lastCommit.getTime()) / 1000);
          for (const object of outcome.overflow) {
            await this.deps.fallback(this.orgId, 'gap_overflow', [object], `GAP_OVERFLOW at replay id ${last.replayId}`);
          }
        },
        onIdle: async (latest) => {
          const arrived = Date.now();
          if (latest === null) return;
          // From the tip: nothing before the subscription is ours to apply.
          if (lastReplay === null) {
            await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, { replayId: latest, events: 0 });
            lastReplay = latest;
          }
          if (latest <= lastReplay) {
            await saveCheckpoint(this.deps.pool, this.orgId, CHANNEL, {
              caughtUpAt: new Date(arrived - this.options.keepaliveMarginMs),
              events: 0,
            });
            cdpLagSeconds.set({ org: this.orgId }, 0);
          }
        },
        onEnd: (err, expired) => void this.#ended(err, expired),
      });
      this.#stream = stream;
      await stream.start(lastReplay);
      this.#downSince = null;
      this.#downReported = false;
      log.info({ from: lastReplay }, 'change event stream subscribed');
    } catch (err) {
      await this.#ended(err as Error, false);
    }
  }

  async #ended(err: Error | null, expired: boolean): Promise<void> {
    if (this.#stopped) return;
    const log = this.deps.log.child({ orgId: this.orgId, channel: CHANNEL });
    log.warn({ err: err?.message, expired }, 'change event stream ended');
    this.#downSince ??= Date.now();
    try {
      const objects = await this.deps.objects(this.orgId);
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
    this.#retry = setTimeout(() => void this.#subscribe(), this.options.retryMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#stream?.close();
    if (this.#lease) {
      await this.#lease
        .query("SELECT pg_advisory_unlock(hashtext('orgvault_cdp'), hashtext($1))", [this.orgId + CHANNEL])
        .catch(() => undefined);
      this.#lease.release();
    }
  }
}
