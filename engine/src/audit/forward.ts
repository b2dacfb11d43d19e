import type { Pool } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import * as sql from './sql.js';
import { toEntry, type EntryRow } from './chain.js';
import { exportLine } from './export.js';

export interface ForwardOptions {
  /** Tries per batch before the batch waits for the next kick or sweep. */
  attempts: number;
  /** First pause between tries; doubled each time. */
  backoffMs: number;
  timeoutMs: number;
  batchSize: number;
}

export const DEFAULT_FORWARD_OPTIONS: ForwardOptions = { attempts: 3, backoffMs: 500, timeoutMs: 5_000, batchSize: 200 };

/**
 * Sends a tenant's new entries to its SIEM webhook as JSON Lines (the same lines as the export),
 * in order, from where the last delivery stopped. Runs beside the actions, never in their way:
 * a failing webhook costs the action nothing, and its entries wait for the next try.
 */
export class AuditForwarder {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly options: ForwardOptions = DEFAULT_FORWARD_OPTIONS,
  ) {}

  /** Starts a delivery for the tenant unless one runs in this process; never throws. */
  kick(tenantId: string): Promise<void> {
    const current = this.running.get(tenantId);
    if (current) return current;
    const run = this.deliver(tenantId)
      .catch((err: unknown) => this.log.warn({ err, tenantId }, 'audit forwarding failed'))
      .finally(() => this.running.delete(tenantId));
    this.running.set(tenantId, run);
    return run;
  }

  async sweep(): Promise<void> {
    const { rows } = await this.pool.query<{ tenant_id: string }>(sql.FORWARDED_TENANTS);
    await Promise.all(rows.map((r) => this.kick(r.tenant_id)));
  }

  /** Waits for the deliveries under way (tests, and an orderly stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private async deliver(tenantId: string): Promise<void> {
    const leaseSeconds = Math.ceil((this.options.attempts * (this.options.timeoutMs + this.options.backoffMs * 4)) / 1000) + 30;
    const { rows } = await this.pool.query<{ url: string; forwarded_seq: string }>(sql.LEASE_FORWARDING, [tenantId, leaseSeconds]);
    const lease = rows[0];
    if (!lease) return;
    try {
      let from = Number(lease.forwarded_seq);
      for (;;) {
        const batch = await this.pool.query<EntryRow>(sql.ENTRIES_FROM, [tenantId, from, this.options.batchSize]);
        if (batch.rows.length === 0) return;
        const body = batch.rows.map((r) => exportLine(toEntry(r), 'jsonl')).join('');
        const error = await this.post(lease.url, body);
        if (error) {
          await this.pool.query(sql.FORWARD_FAILED, [tenantId, error]);
          return;
        }
        from = Number(batch.rows.at(-1)!.seq);
        await this.pool.query(sql.FORWARDED, [tenantId, from]);
      }
    } finally {
      await this.pool.query(sql.RELEASE_FORWARDING, [tenantId]);
    }
  }

  /** Null when the webhook took the batch (2xx); otherwise the last reason, after bounded tries. */
  private async post(url: string, body: string): Promise<string | null> {
    let reason = '';
    for (let attempt = 0; attempt < this.options.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.options.backoffMs * 2 ** (attempt - 1)));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          redirect: 'error',
        });
        await res.arrayBuffer();
        if (res.ok) return null;
        reason = `HTTP ${res.status}`;
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    return reason.slice(0, 500);
  }
}
