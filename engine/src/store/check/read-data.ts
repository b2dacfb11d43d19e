import type { Keyring } from '../keys/keyring.js';
import { type Fields, type PackRows, loadPack } from '../packs/reader.js';
import { DIGEST } from '../packs/batch.js';
import { CHECK_SAMPLE_PACKS } from '../sql.js';
import { type CheckProblem, type IndexEntry, type OrgCheck, packProblem, rows } from './problems.js';

/** A pack's row index as stored: row n of each array describes row n of the pack. */
interface StoredIndex {
  id: string;
  object: string;
  row_record_ids: string[];
  row_ms: number[];
  row_deleted: boolean[];
  row_hash: string[];
}

/** Row problems listed per pack and entry; the last one listed carries the count of all (a whole index shifted is one report, not thousands). */
const ROW_PROBLEMS = 20;

/**
 * Decrypts a share of the org's data packs and re-derives each row's index entries from the row
 * itself: its keyed hash and, in CSV packs, its record id, version time and deleted flag from
 * the columns they were read from. The store is not told which columns those are, so each is the
 * one that agrees with the index on the most rows; a swapped, changed or flipped entry then
 * disagrees with it. Packs already found damaged are counted as read but not read again.
 * Returns packs read.
 */
export async function readPacks(c: OrgCheck, keyring: Keyring, percent: number, damaged: ReadonlySet<string>): Promise<number> {
  const keys = await keyring.forOrg(c.orgId);
  const sample = await rows<StoredIndex>(c.pool, CHECK_SAMPLE_PACKS, [c.orgId, percent]);
  for (const ix of sample) {
    if (damaged.has(ix.id)) continue;
    const name = { packId: ix.id, object: ix.object, recordId: ix.row_record_ids[0] };
    let pack: PackRows;
    let fields: Fields[];
    try {
      pack = await loadPack(c.pool, keyring, c.orgId, ix.id);
      fields = Array.from({ length: pack.rowCount }, (_, i) => pack.fields(i));
    } catch (err) {
      c.problems.push(packProblem('pack-unreadable', c.orgId, name, `Pack ${ix.id} (${ix.object}): ${(err as Error).message}`));
      continue;
    }
    const keyed = keys.keyDigests(pack.digests());
    const derived: Partial<Record<IndexEntry, (i: number) => boolean>> = {
      hash: (i) => keyed.readBigInt64BE(i * DIGEST).toString() === ix.row_hash[i],
      // A JSON version's id, time and deleted flag are given beside its fields (e.g. a change event's commit time), not read from them.
      ...(pack.format === 'csv' ? deriveColumns(fields, ix) : {}),
    };
    for (const [entry, agrees] of Object.entries(derived) as Array<[IndexEntry, (i: number) => boolean]>)
      c.problems.push(...rowProblems(c.orgId, ix, entry, agrees));
  }
  return sample.length;
}

function rowProblems(orgId: string, ix: StoredIndex, entry: IndexEntry, agrees: (i: number) => boolean): CheckProblem[] {
  const out: CheckProblem[] = [];
  let wrong = 0;
  for (let i = 0; i < ix.row_record_ids.length; i++) {
    if (agrees(i)) continue;
    if (++wrong > ROW_PROBLEMS) continue;
    const recordId = ix.row_record_ids[i]!;
    out.push({
      ...packProblem('row-index-mismatch', orgId, { packId: ix.id, object: ix.object, recordId }, ''),
      row: i,
      entry,
      message: `Pack ${ix.id} (${ix.object}) row ${i}: the row index's ${entry} for record ${recordId} does not match the row`,
    });
  }
  if (wrong > ROW_PROBLEMS) out[out.length - 1]!.count = wrong;
  return out;
}

type Agreement = Pick<Record<IndexEntry, (i: number) => boolean>, 'recordId' | 'validFrom' | 'deleted'>;

/**
 * Per entry, whether row i's column agrees with the index, for a CSV pack: its id, version time
 * and deleted flag were read from columns of its rows when it was written. Undefined where no
 * column can be told to hold the entry.
 */
function deriveColumns(fields: Fields[], ix: StoredIndex): Partial<Agreement> {
  const names = fields.length > 0 ? Object.keys(fields[0]!) : [];
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  const idOf = (v: unknown) => text(v);
  const msOf = (v: unknown) => timeMs(text(v));
  const ids = new Set(ix.row_record_ids);
  const times = new Set(ix.row_ms.map(Math.floor));
  const out: Partial<Agreement> = {};
  const idField = bestField(
    fields,
    names,
    (f, i) => idOf(f) === ix.row_record_ids[i],
    (f) => ids.has(idOf(f) ?? ''),
  );
  if (idField) out.recordId = (i) => idOf(fields[i]![idField]) === ix.row_record_ids[i];
  // Only fields that hold a time in the first row are candidates: parsing every field of every row costs more than the rest.
  const timeNames = names.filter((n) => msOf(fields[0]![n]) !== undefined);
  const timeField = bestField(
    fields,
    timeNames,
    (f, i) => msOf(f) === Math.floor(ix.row_ms[i]!),
    (f) => times.has(msOf(f) ?? NaN),
  );
  if (timeField) out.validFrom = (i) => msOf(fields[i]![timeField]) === Math.floor(ix.row_ms[i]!);
  const flags = names.filter((n) => fields.every((f) => f[n] === null || f[n] === undefined || /^(true|false)$/i.test(String(f[n]))));
  const flagOf = (v: unknown) => String(v).toLowerCase() === 'true';
  const flagField = bestField(fields, flags, (f, i) => flagOf(f) === ix.row_deleted[i]);
  const agrees = flagField ? (i: number) => flagOf(fields[i]![flagField]) === ix.row_deleted[i] : (i: number) => !ix.row_deleted[i];
  // A page stored without a deleted column has every row not deleted, whatever other true/false
  // columns it has: an all-false index that no column matches is that, not damage.
  if (ix.row_deleted.includes(true) || fields.every((_, i) => agrees(i))) out.deleted = agrees;
  return out;
}

/**
 * The field that agrees with the index on the most rows: first by how many rows' values occur
 * anywhere in the index (a swap keeps those), then by how many sit at their own row. Undefined
 * when no field agrees anywhere.
 */
function bestField(
  fields: Fields[],
  names: string[],
  atRow: (value: unknown, i: number) => boolean,
  anywhere: (value: unknown) => boolean = () => false,
): string | undefined {
  let best: string | undefined;
  let bestScore = [0, 0];
  for (const name of names) {
    let inSet = 0;
    let inPlace = 0;
    fields.forEach((f, i) => {
      if (anywhere(f[name])) inSet++;
      if (atRow(f[name], i)) inPlace++;
    });
    if (inSet > bestScore[0]! || (inSet === bestScore[0] && inPlace > bestScore[1]!)) {
      best = name;
      bestScore = [inSet, inPlace];
    }
  }
  return best;
}

/** Milliseconds of an ISO-8601 time as Salesforce writes it (an offset without minutes included). */
function timeMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/[+-]\d{2}$/.test(value) ? `${value}:00` : value);
  return Number.isNaN(ms) ? undefined : ms;
}
