/**
 * Retention's service: legal holds today (retention policies, prune scheduling and erasure join
 * it). Other domains ask it before they remove anything: `assertNotHeld` refuses with LEGAL_HOLD,
 * naming the hold, while an org or one of the records the action touches is held.
 */
import { randomUUID } from 'node:crypto';
import { OrgVaultError } from '../errors.js';
import { withTransaction, type Pool, type PoolClient } from '../infra/db.js';
import type { Org } from '../orgs/registry.js';
import * as sql from './sql.js';
import { toRecordIds18 } from './record-ids.js';
import { assertPolicy } from './tiers.js';
import { openRun, runPrune, toRun, type PruneStep, type PruneStore, type RunRow } from './prune.js';
import { Erasures, type ErasureStore } from './erasure.js';
import {
  MAX_HOLD_RECORDS,
  type ErasedFilter,
  type ErasureRequest,
  type NewErasure,
  type EffectivePolicy,
  type HeldAction,
  type HoldScope,
  type LegalHold,
  type NewLegalHold,
  type PruneRun,
  type RetentionPolicy,
} from './types.js';

export * from './types.js';
export { toRecordIds18 } from './record-ids.js';
export type { PruneStep, PruneStore } from './prune.js';
export type { ErasureStore } from './erasure.js';

export interface RetentionOptions {
  /** Kopia's rule: a file nothing refers to any more is deleted only once it has been so this long (default a day). */
  fileDelaySeconds: number;
  /** The time a new prune counts its policy back from (tests move it). */
  now: () => Date;
}

const DEFAULTS: RetentionOptions = { fileDelaySeconds: 86_400, now: () => new Date() };

interface PolicyRow {
  org_id: string | null;
  keep_all_days: number;
  daily_weeks: number;
  weekly_months: number;
  monthly_years: number;
  updated_by: string | null;
  updated_at: Date;
}

const toPolicy = (r: PolicyRow): RetentionPolicy => ({
  keepAllDays: r.keep_all_days,
  dailyWeeks: r.daily_weeks,
  weeklyMonths: r.weekly_months,
  monthlyYears: r.monthly_years,
});

type OrgRef = Pick<Org, 'id' | 'tenantId' | 'name'>;

interface HoldRow {
  id: string;
  org_id: string;
  name: string;
  scope: HoldScope;
  created_by: string | null;
  created_at: Date;
  released_by: string | null;
  released_at: Date | null;
}

const toHold = (r: HoldRow, recordIds: string[]): LegalHold => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  scope: r.scope,
  recordIds,
  createdBy: r.created_by,
  createdAt: r.created_at,
  releasedBy: r.released_by,
  releasedAt: r.released_at,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const holdNotFound = () => new OrgVaultError('NOT_FOUND', 'No such legal hold');

function validName(name: string): string {
  const trimmed = name.trim();
  if (!/^[^\p{Cc}]{1,200}$/u.test(trimmed))
    throw new OrgVaultError('VALIDATION_FAILED', 'A legal hold needs a name of 1 to 200 printable characters', {
      details: { issues: [{ path: 'body.name', message: '1 to 200 printable characters' }] },
    });
  return trimmed;
}

interface CoveringRow {
  id: string;
  name: string;
  scope: HoldScope;
  created_by: string | null;
  created_at: Date;
  matched: string[] | null;
}

function heldError(org: OrgRef, what: HeldAction, holds: CoveringRow[]): OrgVaultError {
  const named = holds.map(
    (h) =>
      `"${h.name}" (${h.scope === 'org' ? 'the whole org' : 'records'}, placed ${h.created_at.toISOString()}${h.created_by ? ` by ${h.created_by}` : ''}, id ${h.id})`,
  );
  return new OrgVaultError('LEGAL_HOLD', `${org.name} is under legal hold ${named.join(' and ')}: ${what.action} refused`, {
    actions: [
      'Nothing was changed. Release the hold when the matter allows it (`npx orgvault hold release --org ORG HOLD_ID`), then try again.',
    ],
    details: {
      action: what.action,
      holds: holds.map((h) => ({ id: h.id, name: h.name, scope: h.scope, ...(h.matched ? { records: h.matched } : {}) })),
    },
  });
}

export class RetentionService {
  private readonly options: RetentionOptions;
  private readonly erasures: Erasures;

  constructor(
    private readonly pool: Pool,
    private readonly store: PruneStore & ErasureStore,
    options: Partial<RetentionOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.erasures = new Erasures({ pool, store, assertNotHeld: (org, what, client) => this.assertNotHeld(org, what, client) });
  }

  // GDPR erasure (erasure.ts): request with its dry run, a second administrator approves, it runs.

  /** Records an erasure request with its dry run; VALIDATION_FAILED when nothing matches, LEGAL_HOLD while held. */
  requestErasure(org: OrgRef, input: NewErasure, by: string | null): Promise<ErasureRequest> {
    return this.erasures.request(org, input, by);
  }

  /** A pending request's dry run again, from what is stored now. */
  erasureDryRun(org: OrgRef, id: string): Promise<ErasureRequest> {
    return this.erasures.dryRun(org, id);
  }

  /** Approves (another administrator than the requester) and runs it; approving a run cut short finishes it. */
  approveErasure(org: OrgRef, id: string, by: string | null, onStep?: PruneStep): Promise<ErasureRequest> {
    return this.erasures.approve(org, id, by, onStep);
  }

  erasure(org: Pick<Org, 'id'>, id: string): Promise<ErasureRequest> {
    return this.erasures.status(org, id);
  }

  /** The org's erasure requests, newest first. */
  erasureRequests(org: Pick<Org, 'id'>): Promise<ErasureRequest[]> {
    return this.erasures.list(org);
  }

  /** The erasure ledger as restore, compare and export consult it (null: nothing of the org was erased). */
  erasedFilter(orgId: string): Promise<ErasedFilter | null> {
    return this.erasures.erasedFilter(orgId);
  }

  /** The org's policy, else the tenant's default, else none: everything is kept. */
  async policy(org: Pick<Org, 'id' | 'tenantId'>): Promise<EffectivePolicy> {
    const { rows } = await this.pool.query<PolicyRow>(sql.POLICIES_OF, [org.tenantId, org.id]);
    const r = rows[0];
    if (!r) return { policy: null, source: 'default', updatedBy: null, updatedAt: null };
    return { policy: toPolicy(r), source: r.org_id ? 'org' : 'tenant', updatedBy: r.updated_by, updatedAt: r.updated_at };
  }

  /** The tenant's default policy (null: keep everything). */
  async tenantPolicy(tenantId: string): Promise<RetentionPolicy | null> {
    const { rows } = await this.pool.query<PolicyRow>(sql.POLICIES_OF, [tenantId, null]);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  /**
   * Sets the org's policy (orgId null: the tenant's default); null removes it, so the org follows
   * the tenant's default (or keeps everything). VALIDATION_FAILED for one that would keep nothing.
   */
  async setPolicy(target: { tenantId: string; orgId: string | null }, policy: RetentionPolicy | null, by: string | null): Promise<void> {
    if (policy) assertPolicy(policy);
    await withTransaction(this.pool, async (client) => {
      await client.query(sql.DELETE_POLICY, [target.tenantId, target.orgId]);
      if (policy) {
        const tiers = [policy.keepAllDays, policy.dailyWeeks, policy.weeklyMonths, policy.monthlyYears];
        await client.query(sql.INSERT_POLICY, [target.tenantId, target.orgId, ...tiers, by]);
      }
    });
  }

  /**
   * Prunes the org to its policy (or finishes a run a killed process left, to that run's cutoff
   * and policy). Refuses with LEGAL_HOLD while the org is held (a records hold keeps every
   * version of its records instead), CONFLICT while another prune of the org runs, and
   * VALIDATION_FAILED when the org keeps everything. A hold placed meanwhile waits for the run.
   */
  async prune(org: OrgRef, by: string | null, onStep?: PruneStep): Promise<PruneRun> {
    const client = await this.pool.connect();
    try {
      if (!(await client.query<{ locked: boolean }>(sql.TRY_LOCK_PRUNE, [org.id])).rows[0]!.locked)
        throw new OrgVaultError('CONFLICT', `A prune of ${org.name} is running`, { actions: ['Wait for it to finish.'] });
      try {
        // The hold check's lock lasts the run (a hold placed meanwhile waits); the run's own rows commit as it goes.
        await client.query('BEGIN');
        // Only an org-wide hold refuses a prune: a records hold keeps its records' versions (heldRecords).
        await this.assertNotHeld(org, { action: 'prune', recordIds: [] }, client);
        const held = await this.heldRecords(org, client);
        const run = await openRun(this.pool, org, { cutoff: this.options.now(), policy: await this.policyToPrune(org), by });
        const { fileDelaySeconds } = this.options;
        const done = await runPrune({ store: this.store, db: this.pool, orgId: org.id, run, held, fileDelaySeconds, onStep });
        await client.query('COMMIT');
        return done;
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.query(sql.UNLOCK_PRUNE, [org.id]);
      }
    } finally {
      client.release();
    }
  }

  /** The org's prune runs, newest first. */
  async pruneRuns(org: Pick<Org, 'id'>, limit = 20): Promise<PruneRun[]> {
    return (await this.pool.query<RunRow>(sql.LIST_RUNS, [org.id, limit])).rows.map(toRun);
  }

  private async policyToPrune(org: Pick<Org, 'id' | 'tenantId' | 'name'>): Promise<RetentionPolicy> {
    const { policy } = await this.policy(org);
    if (!policy)
      throw new OrgVaultError('VALIDATION_FAILED', `${org.name} keeps everything: there is nothing to prune`, {
        actions: ['Set a retention policy for the org or a default for the tenant first (`npx orgvault retention policy`).'],
      });
    return policy;
  }

  /** Holds the whole org, or (recordIds) those records, from now until released. */
  async placeHold(org: OrgRef, input: NewLegalHold, by: string | null): Promise<LegalHold> {
    const name = validName(input.name);
    const recordIds = toRecordIds18(input.recordIds ?? []);
    if (recordIds.length > MAX_HOLD_RECORDS)
      throw new OrgVaultError('VALIDATION_FAILED', `A legal hold names at most ${MAX_HOLD_RECORDS} records`, {
        actions: ['Hold the whole org instead, or place several holds.'],
        details: { issues: [{ path: 'body.recordIds', message: `at most ${MAX_HOLD_RECORDS}` }] },
      });
    const scope: HoldScope = recordIds.length > 0 ? 'records' : 'org';
    return withTransaction(this.pool, async (client) => {
      await client.query(sql.LOCK_HOLDS_EXCLUSIVE, [org.id]);
      const id = randomUUID();
      const { rows } = await client.query<HoldRow>(sql.INSERT_HOLD, [org.id, id, org.tenantId, name, scope, by]);
      if (recordIds.length > 0) await client.query(sql.INSERT_HOLD_RECORDS, [org.id, id, recordIds]);
      return toHold(rows[0]!, [...recordIds].sort());
    });
  }

  /** The org's holds, newest first; released ones too when asked. */
  async holds(org: Pick<Org, 'id'>, options: { includeReleased?: boolean } = {}): Promise<LegalHold[]> {
    const { rows } = await this.pool.query<HoldRow>(sql.LIST_HOLDS, [org.id, options.includeReleased ?? false]);
    return this.withRecords(org.id, rows);
  }

  /** Ends a hold (it stays listed as released). NOT_FOUND for another org's id; CONFLICT when already released. */
  async releaseHold(org: Pick<Org, 'id'>, holdId: string, by: string | null): Promise<LegalHold> {
    if (!UUID.test(holdId)) throw holdNotFound();
    const released = await withTransaction(this.pool, async (client) => {
      await client.query(sql.LOCK_HOLDS_EXCLUSIVE, [org.id]);
      const { rows } = await client.query<HoldRow>(sql.RELEASE_HOLD, [org.id, holdId, by]);
      if (rows[0]) return rows[0];
      const existing = (await client.query<HoldRow>(sql.GET_HOLD, [org.id, holdId])).rows[0];
      if (!existing) throw holdNotFound();
      throw new OrgVaultError('CONFLICT', `Legal hold "${existing.name}" was already released`, {
        details: { releasedAt: existing.released_at?.toISOString(), releasedBy: existing.released_by },
      });
    });
    return (await this.withRecords(org.id, [released]))[0]!;
  }

  /**
   * Refuses with LEGAL_HOLD, naming every hold that covers it, when the org is held or (with
   * recordIds) one of those records is; without recordIds any active hold covers the action.
   * Given the caller's transaction, the check holds until it commits: a hold placed meanwhile waits.
   */
  async assertNotHeld(org: OrgRef, what: HeldAction, client?: PoolClient): Promise<void> {
    const ids = what.recordIds === undefined ? null : toRecordIds18(what.recordIds);
    const ask = async (c: Pool | PoolClient) => (await c.query<CoveringRow>(sql.COVERING_HOLDS, [org.id, ids])).rows;
    let holds: CoveringRow[];
    if (client) {
      await client.query(sql.LOCK_HOLDS_SHARED, [org.id]);
      holds = await ask(client);
    } else holds = await ask(this.pool);
    if (holds.length > 0) throw heldError(org, what, holds);
  }

  /** True when any active hold covers the action (the same rule as assertNotHeld). */
  async isHeld(org: Pick<Org, 'id'>, what: Omit<HeldAction, 'action'> = {}): Promise<boolean> {
    const ids = what.recordIds === undefined ? null : toRecordIds18(what.recordIds);
    return (await this.pool.query(sql.COVERING_HOLDS, [org.id, ids])).rows.length > 0;
  }

  /** Every record an active records hold keeps: a prune keeps each of their versions. */
  async heldRecords(org: Pick<Org, 'id'>, client?: PoolClient): Promise<Set<string>> {
    const { rows } = await (client ?? this.pool).query<{ record_id: string }>(sql.HELD_RECORDS, [org.id]);
    return new Set(rows.map((r) => r.record_id));
  }

  private async withRecords(orgId: string, rows: HoldRow[]): Promise<LegalHold[]> {
    const ids = rows.filter((r) => r.scope === 'records').map((r) => r.id);
    const byHold = new Map<string, string[]>();
    if (ids.length > 0) {
      const { rows: recs } = await this.pool.query<{ hold_id: string; record_id: string }>(sql.HOLD_RECORDS, [orgId, ids]);
      for (const r of recs) {
        const list = byHold.get(r.hold_id);
        if (list) list.push(r.record_id);
        else byHold.set(r.hold_id, [r.record_id]);
      }
    }
    return rows.map((r) => toHold(r, byHold.get(r.id) ?? []));
  }
}
