import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeSObject } from '../salesforce/describe.js';
import type { DescribeField } from '../salesforce/scope.js';
import { allRecords } from '../salesforce/record-queries.js';
import { LINK_OBJECT, liveLinks } from './files.js';
import type { RestoreLedger } from './ledger.js';
import { normalValue, writableFields } from './values.js';

/** A side of a comparison: the backup as of a time (a job's or recovery point's finishedAt), or the live org. */
export type CompareSide = { at: Date } | { live: true; orgId?: string };

export interface CompareRequest {
  orgId: string;
  from: CompareSide;
  to: CompareSide;
  objects: string[];
  /** Field-level differences for these records (default: the first `detailLimit` changed ones). */
  recordIds?: string[];
  detailLimit?: number;
}

export interface FieldDiff {
  field: string;
  from: string | null;
  to: string | null;
}

export interface ObjectComparison {
  object: string;
  added: string[];
  deleted: string[];
  changed: string[];
  /** Per field, on how many records it differs. */
  fieldCounts: Record<string, number>;
  details: { id: string; fields: FieldDiff[] }[];
}

type Side = Map<string, Record<string, string | null>>;

/** A lookup, in a comparison with another org, to a record that was not restored there. */
const UNMAPPED = '\u0000unmapped';

/**
 * Compare: two backups of an org, or a backup and a live org, per object — records added, deleted
 * and changed, over the fields a restore writes (so platform-set fields do not count). Records a
 * restore re-created under new ids are read back through the id map, so an org restored from a
 * backup compares equal to it.
 */
export class CompareService {
  constructor(private readonly deps: { store: Store; ledger: RestoreLedger; connectionTo: (orgId: string) => Promise<OrgConnection> }) {}

  async compare(req: CompareRequest): Promise<ObjectComparison[]> {
    const liveOrg = (s: CompareSide): string | undefined => ('live' in s ? (s.orgId ?? req.orgId) : undefined);
    const conn = await this.deps.connectionTo(liveOrg(req.to) ?? liveOrg(req.from) ?? req.orgId);
    // Against another org, a lookup to a record not restored there cannot be expected to match.
    const other = [liveOrg(req.from), liveOrg(req.to)].find((o) => o !== undefined && o !== req.orgId);
    const crossMap = other ? await this.deps.ledger.idMap(other, req.orgId) : undefined;
    const out: ObjectComparison[] = [];
    for (const object of req.objects) {
      const fields = writableFields((await describeSObject(conn, object)).fields);
      const a = await this.side(req, req.from, object, fields, crossMap);
      const b = await this.side(req, req.to, object, fields, crossMap);
      out.push(this.diff(req, object, fields, a, b));
    }
    return out;
  }

  private async side(
    req: CompareRequest,
    side: CompareSide,
    object: string,
    fields: DescribeField[],
    crossMap?: Map<string, string>,
  ): Promise<Side> {
    const out: Side = new Map();
    if ('at' in side) {
      for await (const r of this.deps.store.readAsOf({ orgId: req.orgId, object, at: side.at })) {
        const row: Record<string, string | null> = {};
        for (const f of fields) {
          if (!(f.name in r.fields)) continue;
          const v = normalValue(f.type, r.fields[f.name]);
          row[f.name] = crossMap && f.type === 'reference' && v !== null && !crossMap.has(v) ? UNMAPPED : v;
        }
        out.set(r.id, row);
      }
      return out;
    }
    const target = side.orgId ?? req.orgId;
    const conn = await this.deps.connectionTo(target);
    const back = new Map([...(await this.deps.ledger.idMap(target, req.orgId))].map(([o, n]) => [n, o]));
    const crossOrg = target !== req.orgId;
    const records =
      object === LINK_OBJECT
        ? await liveLinks(
            conn,
            fields.map((f) => f.name),
          )
        : await allRecords(
            conn,
            object,
            fields.map((f) => f.name),
          );
    for (const r of records) {
      const row: Record<string, string | null> = {};
      for (const f of fields) {
        let v = normalValue(f.type, r[f.name]);
        if (f.type === 'reference' && v !== null) v = back.get(v) ?? (crossOrg ? UNMAPPED : v);
        row[f.name] = v;
      }
      const id = String(r.Id);
      out.set(back.get(id) ?? id, row);
    }
    return out;
  }

  private diff(req: CompareRequest, object: string, fields: DescribeField[], a: Side, b: Side): ObjectComparison {
    const result: ObjectComparison = { object, added: [], deleted: [], changed: [], fieldCounts: {}, details: [] };
    const wanted = req.recordIds ? new Set(req.recordIds) : undefined;
    const limit = req.detailLimit ?? 50;
    for (const id of a.keys()) if (!b.has(id)) result.deleted.push(id);
    for (const [id, after] of b) {
      const before = a.get(id);
      if (!before) {
        result.added.push(id);
        continue;
      }
      const diffs: FieldDiff[] = [];
      for (const f of fields) {
        if (!(f.name in before) || !(f.name in after)) continue;
        if (before[f.name] === UNMAPPED || after[f.name] === UNMAPPED) continue;
        if (before[f.name] !== after[f.name]) diffs.push({ field: f.name, from: before[f.name] ?? null, to: after[f.name] ?? null });
      }
      if (!diffs.length) continue;
      result.changed.push(id);
      for (const d of diffs) result.fieldCounts[d.field] = (result.fieldCounts[d.field] ?? 0) + 1;
      if (wanted ? wanted.has(id) : result.details.length < limit) result.details.push({ id, fields: diffs });
    }
    for (const list of [result.added, result.deleted, result.changed]) list.sort();
    return result;
  }
}
