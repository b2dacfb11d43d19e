/**
 * The audit trail's service: append (hash-chained per tenant, one at a time per tenant), read
 * with filters, export, verify, prune past retention, forward to a SIEM. Any room may record
 * into it; it reaches into none (audit/ is a leaf).
 */
import { OrgVaultError } from '../errors.js';
import { withTransaction, type Pool, type Queryable } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import * as sql from './sql.js';
import { bodyAroundSeq, entryFields, entryOf, fieldsOf, GENESIS, misfit, toEntry, type EntryRow } from './chain.js';
import { exportHeader, exportLine } from './export.js';
import { AuditForwarder, DEFAULT_FORWARD_OPTIONS, type ForwardOptions } from './forward.js';
import type { AuditEntry, AuditFilter, AuditPage, AuditRecord, ExportFormat, VerifyReport } from './types.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, AUDIT_SOURCES, SCHEDULE_ACTOR } from './types.js';

export * from './types.js';

export interface AuditOptions {
  /** The time an entry is stamped with (tests move it back to make entries old). */
  now: () => Date;
  forward: ForwardOptions;
  /** How often this process prunes past retention and retries forwarding. */
  sweepMs: number;
}

const DEFAULTS: AuditOptions = { now: () => new Date(), forward: DEFAULT_FORWARD_OPTIONS, sweepMs: 6 * 3600_000 };
const PRINTABLE = /^[\x20-\x7e]{1,255}$/;
const MAX_DETAILS = 16_384;

function assertRecordable(r: AuditRecord): void {
  const bad = (field: string) => new OrgVaultError('VALIDATION_FAILED', `Audit entry: ${field} is not valid`, { details: { field } });
  if (!PRINTABLE.test(r.actor)) throw bad('actor');
  if (!(AUDIT_SOURCES as readonly string[]).includes(r.source)) throw bad('source');
  if (!(AUDIT_ACTIONS as readonly string[]).includes(r.action)) throw bad('action');
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(r.outcome)) throw bad('outcome');
  if (r.target != null && !PRINTABLE.test(r.target)) throw bad('target');
  if (r.requestId != null && !PRINTABLE.test(r.requestId)) throw bad('requestId');
  if (r.details && JSON.stringify(r.details).length > MAX_DETAILS) throw bad('details');
}

const filterParams = (f: AuditFilter) => [f.tenantId, f.orgId ?? null, f.actor ?? null, f.action ?? null, f.since ?? null, f.until ?? null];

export class AuditService {
  private readonly options: AuditOptions;
  private readonly forwarder: AuditForwarder;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    options: Partial<AuditOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.forwarder = new AuditForwarder(pool, log, this.options.forward);
  }

  /**
   * Appends one entry to its tenant's chain and answers it, in one round trip (audit_append,
   * migration 0810). The tenant's head row stays locked until the entry commits, so concurrent
   * appends (any process) take their turn.
   */
  async record(r: AuditRecord): Promise<AuditEntry> {
    assertRecordable(r);
    const { entry, forwards } = await this.append(this.pool, r);
    if (forwards) void this.forwarder.kick(r.tenantId);
    return entry;
  }

  /**
   * The engine's own work (the schedule, sweeps, automatic actions): actor and source "schedule".
   * Any room records an action in one line: `await audit.recordSystem({ tenantId, orgId, action, target, outcome })`.
   */
  recordSystem(r: Omit<AuditRecord, 'actor' | 'source' | 'keyId' | 'requestId'>): Promise<AuditEntry> {
    return this.record({ ...r, actor: SCHEDULE_ACTOR, source: 'schedule' });
  }

  private async append(db: Queryable, r: AuditRecord): Promise<{ entry: AuditEntry; forwards: boolean }> {
    const fields = fieldsOf(r, 0, this.options.now());
    const [tenantId, , at, ...rest] = entryFields(fields);
    type Appended = { entry_seq: string; entry_prev: Buffer; entry_hash: Buffer; forwards: boolean };
    const row = (await db.query<Appended>(sql.APPEND, [tenantId, at, ...rest, ...bodyAroundSeq(fields)])).rows[0]!;
    return { entry: entryOf({ ...fields, seq: Number(row.entry_seq) }, row.entry_prev, row.entry_hash), forwards: row.forwards };
  }

  /** Newest first, `limit` at a time; `before` is the previous page's `nextBefore`. */
  async list(filter: AuditFilter, page: { limit: number; before?: number }): Promise<AuditPage> {
    const { rows } = await this.pool.query<EntryRow>(sql.LIST_ENTRIES, [...filterParams(filter), page.before ?? null, page.limit + 1]);
    const entries = rows.slice(0, page.limit).map(toEntry);
    return { entries, nextBefore: rows.length > page.limit ? entries.at(-1)!.seq : null };
  }

  /** Writes the filtered trail oldest first, a page at a time; answers how many entries. */
  async exportTo(filter: AuditFilter, format: ExportFormat, write: (chunk: string) => Promise<void> | void): Promise<number> {
    await write(exportHeader(format));
    let count = 0;
    let after = 0;
    for (;;) {
      const { rows } = await this.pool.query<EntryRow>(sql.EXPORT_ENTRIES, [...filterParams(filter), after, 1000]);
      for (const row of rows) await write(exportLine(toEntry(row), format));
      count += rows.length;
      if (rows.length < 1000) return count;
      after = Number(rows.at(-1)!.seq);
    }
  }

  /** Walks the tenant's chain from its anchor and names the first entry that does not fit. */
  async verify(tenantId: string): Promise<VerifyReport> {
    const { rows } = await this.pool.query<{ head_seq: string; head_hash: Buffer; anchor_seq: string; anchor_hash: Buffer }>(sql.CHAIN, [
      tenantId,
    ]);
    const chain = rows[0];
    if (!chain) return { tenantId, ok: true, checked: 0, firstBad: null };
    let seq = Number(chain.anchor_seq);
    let prev = chain.anchor_hash;
    let checked = 0;
    for (;;) {
      const batch = (await this.pool.query<EntryRow>(sql.ENTRIES_FROM, [tenantId, seq, 1000])).rows;
      for (const row of batch) {
        const why = misfit(row, seq + 1, prev);
        if (why) return { tenantId, ok: false, checked, firstBad: { seq: Number(row.seq), reason: why } };
        seq = Number(row.seq);
        prev = row.hash;
        checked++;
      }
      if (batch.length < 1000) break;
    }
    if (seq !== Number(chain.head_seq) || !prev.equals(chain.head_hash)) {
      const reason = `the chain ends at entry ${seq} but its head says ${chain.head_seq} (entries after it are missing)`;
      return { tenantId, ok: false, checked, firstBad: { seq: seq + 1, reason } };
    }
    return { tenantId, ok: true, checked, firstBad: null };
  }

  /** Every tenant with a trail. */
  async tenants(): Promise<string[]> {
    return (await this.pool.query<{ tenant_id: string }>(sql.ALL_CHAINS)).rows.map((r) => r.tenant_id);
  }

  async setRetention(tenantId: string, days: number, by: Pick<AuditRecord, 'actor' | 'source' | 'keyId' | 'requestId'>): Promise<void> {
    if (!Number.isInteger(days) || days < 1 || days > 36525)
      throw new OrgVaultError('VALIDATION_FAILED', 'Audit retention must be 1 to 36525 days', { details: { field: 'days' } });
    await withTransaction(this.pool, async (client) => {
      await client.query(sql.ENSURE_CHAIN, [tenantId, GENESIS]);
      const before = (await client.query<{ retention_days: number }>(sql.CHAIN, [tenantId])).rows[0]!.retention_days;
      await client.query(sql.SET_RETENTION, [tenantId, days]);
      const details = { before: { retentionDays: before }, after: { retentionDays: days } };
      await this.append(client, { ...by, tenantId, action: 'audit.settings.change', target: 'retention', outcome: 'succeeded', details });
    });
  }

  async retentionDays(tenantId: string): Promise<number> {
    const { rows } = await this.pool.query<{ retention_days: number }>(sql.CHAIN, [tenantId]);
    return rows[0]?.retention_days ?? 2557;
  }

  /**
   * Removes the tenant's entries past its retention. The chain's anchor keeps the last removed
   * entry's hash, so what is left still verifies, and the prune itself is the next entry.
   */
  async prune(tenantId: string): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      await client.query(sql.LOCK_HEAD, [tenantId]);
      const point = (await client.query<{ seq: string; hash: Buffer }>(sql.PRUNE_POINT, [tenantId])).rows[0];
      if (!point) return 0;
      await client.query(sql.MOVE_ANCHOR, [tenantId, point.seq, point.hash]);
      const removed = (await client.query(sql.DELETE_UP_TO_ANCHOR, [tenantId])).rowCount ?? 0;
      await this.append(client, {
        tenantId,
        actor: 'schedule',
        source: 'schedule',
        action: 'audit.prune',
        target: `entries up to ${point.seq}`,
        outcome: 'succeeded',
        details: { removed, anchorSeq: Number(point.seq) },
      });
      return removed;
    });
  }

  /** The SIEM webhook a tenant's trail is forwarded to (null: none); new entries go from now on. */
  async setForwarding(
    tenantId: string,
    url: string | null,
    by: Pick<AuditRecord, 'actor' | 'source' | 'keyId' | 'requestId'>,
  ): Promise<void> {
    if (url !== null) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new OrgVaultError('VALIDATION_FAILED', 'The forwarding URL is not a URL', { details: { field: 'url' } });
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        throw new OrgVaultError('VALIDATION_FAILED', 'The forwarding URL must be http(s)', { details: { field: 'url' } });
    }
    await withTransaction(this.pool, async (client) => {
      await client.query(sql.ENSURE_CHAIN, [tenantId, GENESIS]);
      await client.query(url === null ? sql.CLEAR_FORWARDING : sql.SET_FORWARDING, url === null ? [tenantId] : [tenantId, url]);
      // The URL may carry a token of the SIEM's: the entry says only whether forwarding is on.
      const details = { after: { forwarding: url !== null } };
      await this.append(client, { ...by, tenantId, action: 'audit.settings.change', target: 'forwarding', outcome: 'succeeded', details });
    });
  }

  async forwarding(tenantId: string): Promise<{ forwardedSeq: number; lastError: string | null; lastErrorAt: Date | null } | null> {
    const { rows } = await this.pool.query<{ forwarded_seq: string; last_error: string | null; last_error_at: Date | null }>(
      sql.FORWARDING_OF,
      [tenantId],
    );
    const r = rows[0];
    return r ? { forwardedSeq: Number(r.forwarded_seq), lastError: r.last_error, lastErrorAt: r.last_error_at } : null;
  }

  /** Waits for deliveries under way (tests). */
  forwardingIdle(): Promise<void> {
    return this.forwarder.idle();
  }

  /** Prunes every tenant past retention and retries forwarding now and every sweepMs. */
  start(): void {
    const sweep = async (): Promise<void> => {
      try {
        for (const tenantId of await this.tenants()) await this.prune(tenantId);
        await this.forwarder.sweep();
      } catch (err) {
        this.log.warn({ err }, 'audit sweep failed');
      }
    };
    void sweep();
    this.timer = setInterval(() => void sweep(), this.options.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.forwarder.idle();
  }
}
