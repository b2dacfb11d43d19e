/**
 * GDPR erasure. A request names records (ids) and/or values to look for in chosen objects; its
 * dry run counts what would go (versions and files per object; record ids, never values); a
 * second administrator approves it (four eyes), which fixes the records found and writes the
 * ledger; then every stored version of those records goes (prune's pack rewrite: the new pack is
 * written, the index moves, the old pack goes, in one transaction), then their file references,
 * then the files only they referred to. Each step can be repeated, so a run killed at any point
 * is finished by approving again. Values are kept only as keyed hashes under the org's key.
 */
import { randomUUID } from 'node:crypto';
import { OrgVaultError } from '../errors.js';
import { withTransaction, type Pool, type PoolClient } from '../infra/db.js';
import type { Org } from '../orgs/registry.js';
import type { Store } from '../store/store.js';
import * as sql from './sql.js';
import { toRecordIds18 } from './record-ids.js';
import { matchValues, normalValue, recordKey, valueKey, type ValueMatches } from './erasure-match.js';
import type { PruneStep } from './prune.js';
import type { ErasedFilter, ErasureDryRun, ErasureObjectCount, ErasureRequest, HeldAction, NewErasure } from './types.js';

type OrgRef = Pick<Org, 'id' | 'tenantId' | 'name'>;

/** What an erasure needs of the store: finding (erasure), then prune's removal. */
export type ErasureStore = Pick<Store, 'erasure' | 'prunePack' | 'deleteFileRefs' | 'objectsHolding'>;

export interface ErasureDeps {
  pool: Pool;
  store: ErasureStore;
  assertNotHeld: (org: OrgRef, what: HeldAction, client?: PoolClient) => Promise<void>;
}

const MAX_VALUES = 100;
const MAX_IDS = 10_000;
const OBJECT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ErasureRow {
  id: string;
  org_id: string;
  reference: string;
  objects: string[];
  record_ids: string[];
  value_macs: Buffer[];
  value_lengths: number[];
  status: ErasureRequest['status'];
  phase: ErasureRequest['phase'];
  dry_run: (Omit<ErasureDryRun, 'at'> & { at: string }) | null;
  requested_by: string;
  requested_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  finished_at: Date | null;
  versions_removed: number;
  packs_rewritten: number;
  packs_deleted: number;
  refs_removed: number;
  files_deleted: number;
  file_bytes: number;
}

const toRequest = (r: ErasureRow): ErasureRequest => ({
  id: r.id,
  orgId: r.org_id,
  reference: r.reference,
  objects: r.objects,
  recordIdsNamed: r.record_ids.length,
  valuesNamed: r.value_macs.length,
  status: r.status,
  phase: r.phase,
  dryRun: r.dry_run ? { ...r.dry_run, at: new Date(r.dry_run.at) } : null,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  finishedAt: r.finished_at,
  versionsRemoved: r.versions_removed,
  packsRewritten: r.packs_rewritten,
  packsDeleted: r.packs_deleted,
  fileRefsRemoved: r.refs_removed,
  filesDeleted: r.files_deleted,
  fileBytes: r.file_bytes,
});

const invalid = (path: string, message: string, text: string) =>
  new OrgVaultError('VALIDATION_FAILED', text, { details: { issues: [{ path, message }] } });

/** The request's parts, checked: a reference, objects by API name, record ids (18 characters), values in normal form. */
function validated(input: NewErasure): { reference: string; objects: string[]; ids: string[]; values: string[] } {
  const reference = input.reference.trim();
  if (!/^[^\p{Cc}]{1,200}$/u.test(reference))
    throw invalid('body.reference', '1 to 200 printable characters', 'An erasure needs a reference of 1 to 200 printable characters');
  const objects = [...new Set(input.objects ?? [])];
  const bad = objects.findIndex((o) => !OBJECT_NAME.test(o));
  if (bad >= 0) throw invalid(`body.objects.${bad}`, 'not an object API name', `objects[${bad}] is not an object API name`);
  const ids = toRecordIds18(input.recordIds ?? []);
  if (ids.length > MAX_IDS) throw invalid('body.recordIds', `at most ${MAX_IDS}`, `An erasure names at most ${MAX_IDS} records`);
  const normals = (input.values ?? []).map(normalValue);
  const short = normals.findIndex((n) => n === null || n.length < 3);
  if (short >= 0) throw invalid(`body.values.${short}`, 'at least 3 characters', `values[${short}] is too short to match anything safely`);
  const values = [...new Set(normals as string[])];
  if (values.length > MAX_VALUES) throw invalid('body.values', `at most ${MAX_VALUES}`, `An erasure names at most ${MAX_VALUES} values`);
  if (ids.length === 0 && values.length === 0)
    throw invalid('body', 'recordIds or values', 'An erasure names records (recordIds) or values to find (values), or both');
  if (values.length > 0 && objects.length === 0)
    throw invalid(
      'body.objects',
      'required with values',
      'Values are looked for in the objects named: name at least one (e.g. Contact, Lead)',
    );
  return { reference, objects, ids, values };
}

/** What an erasure removes: the records found and, per object, their versions and sole files. */
interface Plan {
  records: Map<string, Set<string>>;
  values: ValueMatches['fields'];
  dryRun: ErasureDryRun;
}

export class Erasures {
  constructor(private readonly deps: ErasureDeps) {}

  /**
   * Records a request with its dry run. VALIDATION_FAILED when nothing stored matches (nothing is
   * recorded), LEGAL_HOLD when a hold covers the org or a record found.
   */
  async request(org: OrgRef, input: NewErasure, by: string | null): Promise<ErasureRequest> {
    if (!by) throw new OrgVaultError('FORBIDDEN', 'An erasure request needs a named administrator (the Salesforce user asking)');
    const v = validated(input);
    const mac = await this.deps.store.erasure.mac(org.id);
    const macs = v.values.map((x) => mac(valueKey(x)));
    const row = { objects: v.objects, record_ids: v.ids, value_macs: macs, value_lengths: v.values.map((x) => x.length) };
    const plan = await this.plan(org.id, row);
    if (plan.dryRun.recordIds.length === 0)
      throw new OrgVaultError('VALIDATION_FAILED', `Nothing in ${org.name}'s backups matches this erasure: no version to erase`, {
        actions: ['Check the record ids, the values and the objects named (values match whole field values: an email, a phone number).'],
        details: { recordIdsNamed: v.ids.length, valuesNamed: v.values.length, objects: v.objects },
      });
    await this.deps.assertNotHeld(org, { action: 'erase', recordIds: plan.dryRun.recordIds });
    const params = [org.id, randomUUID(), org.tenantId, v.reference, v.objects, v.ids, macs, row.value_lengths, plan.dryRun, by];
    return toRequest((await this.deps.pool.query<ErasureRow>(sql.INSERT_ERASURE, params)).rows[0]!);
  }

  /** The request's dry run again, from what is stored now (a pending request's is kept). */
  async dryRun(org: OrgRef, id: string): Promise<ErasureRequest> {
    const row = await this.get(org.id, id);
    if (row.status !== 'pending') return toRequest(row);
    const plan = await this.plan(org.id, row);
    return toRequest((await this.deps.pool.query<ErasureRow>(sql.SET_ERASURE_DRY_RUN, [org.id, id, plan.dryRun])).rows[0]!);
  }

  async status(org: Pick<Org, 'id'>, id: string): Promise<ErasureRequest> {
    return toRequest(await this.get(org.id, id));
  }

  async list(org: Pick<Org, 'id'>, limit = 50): Promise<ErasureRequest[]> {
    return (await this.deps.pool.query<ErasureRow>(sql.LIST_ERASURES, [org.id, limit])).rows.map(toRequest);
  }

  private async get(orgId: string, id: string): Promise<ErasureRow> {
    const row = UUID.test(id) ? (await this.deps.pool.query<ErasureRow>(sql.GET_ERASURE, [orgId, id])).rows[0] : undefined;
    if (!row) throw new OrgVaultError('NOT_FOUND', 'No such erasure request');
    return row;
  }

  /**
   * Approves a pending request and runs it; approving a running one (a run cut short) finishes
   * it. FORBIDDEN when the approver is the requester (four eyes) or unnamed; CONFLICT when done
   * or while a prune or another erasure of the org runs; LEGAL_HOLD while a hold covers it.
   */
  async approve(org: OrgRef, id: string, by: string | null, onStep?: PruneStep): Promise<ErasureRequest> {
    const row = await this.get(org.id, id);
    if (row.status === 'done') throw new OrgVaultError('CONFLICT', `Erasure "${row.reference}" is already done`);
    if (!by || by === row.requested_by)
      throw new OrgVaultError(
        'FORBIDDEN',
        `Erasure "${row.reference}" needs a second administrator: ${by ?? 'an unnamed caller'} asked for it`,
        {
          actions: ['Ask another administrator to approve it (four eyes): the one who asked for an erasure cannot approve it.'],
          details: { requestedBy: row.requested_by },
        },
      );
    const client = await this.deps.pool.connect();
    try {
      if (!(await client.query<{ locked: boolean }>(sql.TRY_LOCK_PRUNE, [org.id])).rows[0]!.locked)
        throw new OrgVaultError('CONFLICT', `A prune or an erasure of ${org.name} is running`, { actions: ['Wait for it to finish.'] });
      try {
        // As prune: the hold check's lock lasts the run, so a hold placed meanwhile waits for it.
        await client.query('BEGIN');
        const current = row.status === 'pending' ? await this.fix(org, row, by, client) : row;
        const records = await this.recordsOf(org.id, current.id);
        if (row.status === 'running')
          await this.deps.assertNotHeld(org, { action: 'erase', recordIds: [...records.values()].flatMap((s) => [...s]) }, client);
        const done = await this.run(org.id, current, records, onStep);
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

  /** Approval: the records found now are fixed as the ones to erase, and the ledger learns them (keyed hashes). */
  private async fix(org: OrgRef, row: ErasureRow, by: string, holdClient: PoolClient): Promise<ErasureRow> {
    const plan = await this.plan(org.id, row);
    await this.deps.assertNotHeld(org, { action: 'erase', recordIds: plan.dryRun.recordIds }, holdClient);
    const mac = await this.deps.store.erasure.mac(org.id);
    const pairs = [...plan.records].flatMap(([object, ids]) => [...ids].map((id) => [object, id] as const));
    const ledger: Array<[string, string, string, Buffer]> = pairs.map(([object, id]) => ['record', object, '', mac(recordKey(id))]);
    for (const [object, fields] of plan.values)
      for (const [field, hexes] of fields) for (const hex of hexes) ledger.push(['value', object, field, Buffer.from(hex, 'hex')]);
    return withTransaction(this.deps.pool, async (client) => {
      await client.query(sql.INSERT_ERASURE_RECORDS, [org.id, row.id, pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
      const columns = [0, 1, 2, 3].map((i) => ledger.map((l) => l[i]));
      await client.query(sql.INSERT_LEDGER, [org.id, row.id, ...columns]);
      const approved = (await client.query<ErasureRow>(sql.APPROVE_ERASURE, [org.id, row.id, by, plan.dryRun])).rows[0];
      if (!approved) throw new OrgVaultError('CONFLICT', `Erasure "${row.reference}" was approved meanwhile`);
      return approved;
    });
  }

  private async recordsOf(orgId: string, id: string): Promise<Map<string, Set<string>>> {
    const { rows } = await this.deps.pool.query<{ object: string; record_id: string }>(sql.ERASURE_RECORDS, [orgId, id]);
    const out = new Map<string, Set<string>>();
    for (const r of rows) out.set(r.object, (out.get(r.object) ?? new Set()).add(r.record_id));
    return out;
  }

  /** Phase one: every pack holding a version of the records, rewritten without it; their file references noted, then deleted. Phase two: the files. */
  private async run(orgId: string, row: ErasureRow, records: Map<string, Set<string>>, onStep?: PruneStep): Promise<ErasureRequest> {
    const { store, pool } = this.deps;
    if (row.phase === 'versions') {
      for (const [object, ids] of records) {
        const { rows } = await store.erasure.rowsOf(orgId, object, [...ids]);
        const packs = [...rows.keys()].sort((a, b) => Number(a) - Number(b));
        for (const [done, packId] of packs.entries()) {
          await onStep?.({ phase: 'versions', object, packs: packs.length, done });
          const r = await store.prunePack({ orgId, object, packId }, rows.get(packId)!);
          const counts = [r.removed, r.outcome === 'rewritten' ? 1 : 0, r.outcome === 'deleted' ? 1 : 0];
          await pool.query(sql.ADD_ERASURE_PACKS, [orgId, row.id, ...counts]);
        }
      }
      const refs = (await Promise.all([...records].map(([object, ids]) => store.erasure.refsOf(orgId, object, [...ids])))).flat();
      await pool.query(sql.INSERT_ERASURE_FILES, [orgId, row.id, [...new Set(refs.map((r) => r.contentHash))]]);
      await onStep?.({ phase: 'files', done: 0 });
      await store.deleteFileRefs(orgId, refs);
      await pool.query(sql.SET_ERASURE_FILES_PHASE, [orgId, row.id, refs.length]);
    }
    const hashes = (await pool.query<{ content_hash: string }>(sql.ERASURE_FILES, [orgId, row.id])).rows.map((r) => r.content_hash);
    await onStep?.({ phase: 'files', done: 1 });
    const files = await store.erasure.eraseFiles(orgId, hashes);
    return toRequest((await pool.query<ErasureRow>(sql.FINISH_ERASURE, [orgId, row.id, files.files, files.bytes])).rows[0]!);
  }

  /** The records the request names or whose versions hold its values, and what erasing them removes. */
  private async plan(orgId: string, row: Pick<ErasureRow, 'objects' | 'record_ids' | 'value_macs' | 'value_lengths'>): Promise<Plan> {
    const { store } = this.deps;
    const wanted = { macs: new Set(row.value_macs.map((m) => m.toString('hex'))), lengths: new Set(row.value_lengths) };
    const found = await matchValues(store, orgId, row.objects, wanted);
    const candidates = found.records;
    for (const id of row.record_ids)
      for (const object of await store.objectsHolding(orgId, id)) candidates.set(object, (candidates.get(object) ?? new Set()).add(id));
    const records = new Map<string, Set<string>>();
    const objects: ErasureObjectCount[] = [];
    const hashes = new Map<string, string[]>();
    for (const [object, ids] of [...candidates].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const at = await store.erasure.rowsOf(orgId, object, [...ids]);
      if (at.records.size === 0) continue;
      records.set(object, at.records);
      const refs = await store.erasure.refsOf(orgId, object, [...at.records]);
      hashes.set(object, [...new Set(refs.map((r) => r.contentHash))]);
      const versions = [...at.rows.values()].reduce((n, r) => n + r.length, 0);
      objects.push({ object, records: at.records.size, versions, files: 0 });
    }
    const pairs = [...records].flatMap(([object, ids]) => [...ids].map((recordId) => ({ object, recordId })));
    const sole = new Set(await store.erasure.soleFiles(orgId, [...new Set([...hashes.values()].flat())], pairs));
    const counted = new Set<string>();
    for (const o of objects)
      for (const h of hashes.get(o.object)!)
        if (sole.has(h) && !counted.has(h)) {
          counted.add(h);
          o.files++;
        }
    const recordIds = [...new Set(pairs.map((p) => p.recordId))].sort();
    const versions = objects.reduce((n, o) => n + o.versions, 0);
    return { records, values: found.fields, dryRun: { at: new Date(), recordIds, objects, versions, files: counted.size } };
  }

  /** The ledger as restore, compare and export consult it; null when nothing of the org was erased. */
  async erasedFilter(orgId: string): Promise<ErasedFilter | null> {
    const { rows } = await this.deps.pool.query<{ kind: string; object: string; field: string; mac: string }>(sql.LEDGER_OF, [orgId]);
    if (rows.length === 0) return null;
    const mac = await this.deps.store.erasure.mac(orgId);
    const byObject = new Map<string, { records: Set<string>; values: Map<string, Set<string>> }>();
    for (const r of rows) {
      const o = byObject.get(r.object) ?? { records: new Set<string>(), values: new Map<string, Set<string>>() };
      byObject.set(r.object, o);
      if (r.kind === 'record') o.records.add(r.mac);
      else o.values.set(r.field, (o.values.get(r.field) ?? new Set()).add(r.mac));
    }
    const hex = (s: string) => mac(s).toString('hex');
    return {
      erased: (object, record) => {
        const o = byObject.get(object);
        if (!o) return false;
        if (o.records.size > 0 && o.records.has(hex(recordKey(record.id)))) return true;
        for (const [field, macs] of o.values) {
          const normal = normalValue(record.fields?.[field]);
          if (normal !== null && macs.has(hex(valueKey(normal)))) return true;
        }
        return false;
      },
    };
  }
}
