/**
 * The Recycle Bin's rules, as Salesforce documents them:
 * - a deleted record stays 15 days, then it is gone (queryAll no longer sees it);
 * - records deleted with their master (master-detail and the cascading lookups) are not in the
 *   bin on their own: only undeleting the record whose delete took them brings them back, and
 *   undeleting one of them alone fails with UNDELETE_FAILED "Entity is not in the recycle bin";
 * - a detail record deleted before its master becomes hard deleted when the master is deleted
 *   (help article 000386040): it can no longer be undeleted;
 * - emptyRecycleBin hard-deletes records at once; queryAll still returns them for some time
 *   ("typically 24 hours"), undelete fails;
 * - lookups cleared because their target was deleted point at it again on undelete, where
 *   nothing else was set since.
 */
import { SfError } from '../errors.js';
import { normalizeId } from './ids.js';
import type { Org, TxWriter, WriteResult } from './org.js';
import { RowState } from './table.js';

const DAY = 86_400_000;
/** How long records stay in the Recycle Bin. */
export const RECYCLE_BIN_MS = 15 * DAY;
/** How long queryAll still returns records emptied from the bin. */
export const EMPTIED_VISIBLE_MS = DAY;
/** emptyRecycleBin() takes at most this many ids. */
export const MAX_EMPTY_IDS = 200;

const notInBin = () => new SfError('UNDELETE_FAILED', 'Entity is not in the recycle bin', 400);

export class RecycleBin {
  /** Id of a record deleted directly → the records its delete took along (deep). */
  private readonly cascaded = new Map<string, string[]>();
  /** Id of a record deleted with another → that record's id. */
  private readonly cascadedBy = new Map<string, string>();
  /** Lookups cleared because the record they pointed to was deleted: its id → where they were. */
  private readonly clearedLookups = new Map<string, Array<{ id: string; field: string }>>();
  /** Records hard deleted while queryAll still sees them → when. */
  private readonly emptied = new Map<string, number>();

  constructor(private readonly org: Org) {}

  /** Records that a record deleted directly took along; details deleted earlier become hard deleted. */
  deleted(root: string, children: string[], now: number): void {
    if (children.length) this.cascaded.set(root, children);
    for (const c of children) this.cascadedBy.set(c, root);
    for (const id of [root, ...children]) this.emptyEarlierDetails(id, now);
  }

  rememberCleared(id: string, cleared: Array<{ id: string; field: string }>): void {
    if (cleared.length) this.clearedLookups.set(id, cleared);
  }

  /** A record left the bin for good (hard delete, purge): nothing about it is kept. */
  forget(id: string): void {
    for (const c of this.cascaded.get(id) ?? []) this.cascadedBy.delete(c);
    this.cascaded.delete(id);
    this.cascadedBy.delete(id);
    this.clearedLookups.delete(id);
    this.emptied.delete(id);
  }

  /** Ends what the bin keeps past its time: 15 days in the bin, a day after emptying. */
  purge(now: number): void {
    for (const [id, at] of this.emptied) if (at < now - EMPTIED_VISIBLE_MS) this.gone(id);
    const cutoff = now - RECYCLE_BIN_MS;
    for (const t of this.org.allTables()) {
      for (const [row, at] of t.deletedAt) if (at < cutoff && t.rowState(row) === RowState.Deleted) this.gone(t.idOf(row));
    }
  }

  private gone(id: string): void {
    const loc = this.org.locate(id);
    if (loc && loc.state === RowState.Deleted) loc.table.setRowState(loc.row, RowState.Gone);
    this.forget(id);
  }

  /** Whether undelete of this record may go ahead; the check runs before any record of the call is written. */
  prepareUndelete(id: string, tx: TxWriter): () => WriteResult {
    this.purge(tx.now);
    const loc = this.org.locate(id);
    if (!loc || loc.state === RowState.Gone) throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 400);
    const id18 = loc.table.idOf(loc.row);
    const done = (): WriteResult => ({ id: id18, success: true, errors: [] });
    // Undeleting a master and records deleted with it in one call: the master brings them back.
    if (tx.undeleting.has(this.cascadedBy.get(id18) ?? '') || tx.restored.has(id18)) return done;
    if (loc.state === RowState.Live || this.emptied.has(id18) || this.cascadedBy.has(id18)) throw notInBin();
    if (!loc.table.def.undeletable)
      throw new SfError('INVALID_TYPE_FOR_OPERATION', `entity type ${loc.table.def.name} does not support undelete`, 400);
    return () => {
      if (!tx.restored.has(id18)) this.restore(id18, tx);
      return done();
    };
  }

  private restore(root: string, tx: TxWriter): void {
    const restored = [root, ...(this.cascaded.get(root) ?? [])];
    for (const id of restored) {
      const c = this.org.locate(id);
      if (c && c.state === RowState.Deleted) tx.undelete(c.table, c.row);
      tx.restored.add(id);
    }
    // Lookups the delete cleared point at the record again (where nothing else was set since).
    for (const id of restored) {
      for (const ref of this.clearedLookups.get(id) ?? []) {
        const c = this.org.locate(ref.id);
        if (c && c.state === RowState.Live && c.table.getStored(c.row, ref.field) === null)
          tx.update(c.table, c.row, new Map([[ref.field, id]]));
      }
      this.forget(id);
    }
  }

  /**
   * emptyRecycleBin(): hard-deletes records in the bin at once (with the records deleted along
   * with them). Salesforce answers an error for records that are not in the bin on their own;
   * its code is not documented (INVALID_ID_FIELD here, unconfirmed).
   */
  empty(ids: string[]): WriteResult[] {
    const now = this.org.now();
    this.purge(now);
    return ids.map((raw) => {
      const loc = normalizeId(raw) ? this.org.locate(raw) : null;
      if (!loc || loc.state === RowState.Gone)
        return failed(raw, new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 400));
      const id = loc.table.idOf(loc.row);
      if (loc.state === RowState.Live) return failed(id, new SfError('INVALID_ID_FIELD', 'Record is not in the recycle bin', 400));
      if (this.cascadedBy.has(id) && !this.emptied.has(id))
        return failed(
          id,
          new SfError('INVALID_ID_FIELD', 'Record was deleted with its parent: empty the parent from the recycle bin', 400),
        );
      this.markEmptied(id, now);
      return { id, success: true, errors: [] };
    });
  }

  private markEmptied(id: string, now: number): void {
    for (const c of [id, ...(this.cascaded.get(id) ?? [])]) {
      if (!this.emptied.has(c)) this.emptied.set(c, now);
      this.clearedLookups.delete(c);
    }
  }

  /** Master-detail children of a just-deleted record that were in the bin on their own are hard deleted. */
  private emptyEarlierDetails(id: string, now: number): void {
    const parent = this.org.locate(id)!.table.def;
    for (const rel of this.org.schema.childRelationships(parent.name)) {
      const child = this.org.table(rel.childSObject);
      if ((child.field(rel.field)?.relationshipOrder ?? null) === null) continue;
      for (const r of this.org.rowsReferencing(child, rel.field).get(id) ?? []) {
        const childId = child.idOf(r);
        if (child.rowState(r) === RowState.Deleted && !this.cascadedBy.has(childId) && child.getStored(r, rel.field) === id)
          this.markEmptied(childId, now);
      }
    }
  }
}

function failed(id: string, err: SfError): WriteResult {
  return { id: normalizeId(id) ?? null, success: false, errors: [err] };
}
