/**
 * Files in a restore: records with a file are created with the file streamed from the store as a
 * multipart request (no base64, no buffering: memory holds a chunk whatever the size), and a
 * restored file gets back every ContentDocumentLink it had whose document and linked record exist
 * in the target — re-created (through the id map) or, in place, still there.
 */
import type { Store, StoredRecord } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { insertWithBlob, maxBlobBytes } from '../salesforce/blob-insert.js';
import { queryLinks } from '../salesforce/content-links.js';
import { describeGlobal } from '../salesforce/describe.js';
import { allRecords, recordsByIds } from '../salesforce/record-queries.js';
import { saveCollection, COLLECTION_SIZE } from '../salesforce/collections.js';
import { OrgVaultError } from '../errors.js';
import { LINK_OBJECT } from '../backup/content-links.js';
import type { ObjectPlan } from './types.js';
import type { RestoreLedger, ResultRow } from './ledger.js';

export { LINK_OBJECT };

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export interface StoredFile {
  hash: string;
  size: number;
}

/**
 * Creates one record with its file. Answers the new id, or Salesforce's refusal as text (a failed
 * row); other failures (budget, network) are thrown.
 */
export async function createWithFile(
  conn: OrgConnection,
  store: Store,
  sourceOrgId: string,
  object: string,
  fields: Record<string, unknown>,
  blobField: string,
  file: StoredFile,
): Promise<{ id: string } | { error: string }> {
  const max = maxBlobBytes(object);
  if (file.size > max) return { error: `${blobField} is ${file.size} bytes, over the ${max} bytes Salesforce takes for ${object}` };
  const name = String(fields.PathOnClient ?? fields.Name ?? 'file');
  try {
    return await insertWithBlob(conn, {
      sobject: object,
      fields,
      blobField,
      fileName: name,
      size: file.size,
      open: () => store.openBlob(sourceOrgId, file.hash),
    });
  } catch (err) {
    if (!OrgVaultError.is(err, 'ORG_API_ERROR')) throw err;
    return { error: err.message };
  }
}

/**
 * A re-created ContentVersion brings (or joins) a ContentDocument: maps each old document to the
 * document its re-created versions are in now — just created, settled after a crash, or re-made
 * after the document restored earlier was deleted again (the old mapping is then stale). One query
 * per ~440 mapped versions; none when no version was re-created.
 */
export async function mapDocuments(
  conn: OrgConnection,
  ledger: RestoreLedger,
  target: { targetOrgId: string; sourceOrgId: string; runId: string },
  idMap: Map<string, string>,
  versions: readonly StoredRecord[],
): Promise<void> {
  const pending = new Map<string, string>();
  for (const v of versions) {
    const oldDoc = text(v.fields.ContentDocumentId);
    const made = idMap.get(v.id);
    if (oldDoc && made) pending.set(made, oldDoc);
  }
  const pairs: [string, string][] = [];
  for (const r of await recordsByIds(conn, 'ContentVersion', ['ContentDocumentId'], [...pending.keys()])) {
    const oldDoc = pending.get(String(r.Id));
    const doc = text(r.ContentDocumentId);
    if (!oldDoc || !doc || idMap.get(oldDoc) === doc) continue;
    idMap.set(oldDoc, doc);
    pairs.push([oldDoc, doc]);
  }
  await ledger.mapIds(target, 'ContentDocument', pairs);
}

/**
 * The owner each of these backed-up documents had (ContentDocument.OwnerId, which may differ from
 * its first version's: ownership moves): a re-created document gets it back, and with it the
 * owner's link the backup holds rather than one to someone else.
 */
export async function documentOwners(store: Store, orgId: string, at: Date, oldDocs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!oldDocs.length) return out;
  for (const d of await store.readRecords({ orgId, object: 'ContentDocument', at, ids: oldDocs })) {
    const owner = text(d.fields.OwnerId);
    if (owner) out.set(d.id, owner);
  }
  return out;
}

/**
 * Per backed-up document (of `oldDocs`), the entities its links joined it to as of `at`; undefined
 * when the backup holds no links at all (then nothing is known of them).
 */
export async function backedUpLinks(
  store: Store,
  orgId: string,
  at: Date,
  oldDocs: ReadonlySet<string>,
): Promise<Map<string, Set<string>> | undefined> {
  if (!oldDocs.size || !(await store.objects(orgId)).includes(LINK_OBJECT)) return undefined;
  const out = new Map<string, Set<string>>();
  for await (const link of store.readAsOf({ orgId, object: LINK_OBJECT, at })) {
    const doc = String(link.fields.ContentDocumentId ?? '');
    if (!oldDocs.has(doc)) continue;
    out.set(doc, (out.get(doc) ?? new Set()).add(String(link.fields.LinkedEntityId ?? '')));
  }
  return out;
}

/**
 * The backed-up fields of the version that makes a re-created document, as it is sent. Salesforce
 * links a new document to its owner and to FirstPublishLocationId (left blank: the user who
 * publishes it), so the version carries the document's owner, and a first publish location the
 * backup holds no link to (one removed since) becomes the owner's own library: the document gets
 * no link the backup lacks.
 */
export function firstVersionFields(
  fields: Record<string, unknown>,
  owner: string | undefined,
  linked: Map<string, Set<string>> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = owner ? { ...fields, OwnerId: owner } : { ...fields };
  const location = text(fields.FirstPublishLocationId);
  if (linked && !(location && linked.get(String(fields.ContentDocumentId ?? ''))?.has(location)))
    out.FirstPublishLocationId = text(out.OwnerId);
  return out;
}

export interface LinkRestoreContext {
  store: Store;
  ledger: RestoreLedger;
  conn: OrgConnection;
  sourceOrgId: string;
  targetOrgId: string;
  runId: string;
  at: Date;
  inPlace: boolean;
  /** Old id → id in the target (records re-created by this or earlier restores). */
  idMap: Map<string, string>;
  /** Only the links of these (backed-up) documents; all documents when absent. */
  documents?: Set<string>;
  /** The backed-up ContentVersions restored: their documents are mapped before links are made. */
  versions?: readonly StoredRecord[];
}

/** A dry run's view of what the run would re-create. */
export interface PlannedCreates {
  /** Old ids of the records the run re-creates. */
  records: Set<string>;
  /** Old ids of the documents it re-creates → the old entities Salesforce links them to by itself (owner, FirstPublishLocationId). */
  documents: Map<string, Set<string>>;
}

interface Candidate {
  oldId: string;
  /** Ids in the target; undefined while the record is still to be re-created (dry run). */
  doc: string | undefined;
  entity: string | undefined;
  shareType: string | null;
  visibility: string | null;
}

interface LinkWork {
  backedUp: number;
  create: Candidate[];
  /** Links that exist (made by Salesforce with the file, or left alone) with another ShareType or Visibility. */
  update: Array<{ oldId: string; id: string; values: Record<string, string> }>;
  /** Backed-up links found in the target under another id (the ones Salesforce made): old id → id there. */
  found: Array<[string, string]>;
}

/**
 * The backed-up links whose document and entity exist in the target (or, in a dry run, will): to
 * create where no link joins them yet, to update where one does with another ShareType or
 * Visibility. The owner's implicit link and the one to FirstPublishLocationId, which Salesforce
 * makes with a new file, are found present; a dry run, which cannot see them yet, leaves them out.
 */
async function linkWork(ctx: LinkRestoreContext, planned?: PlannedCreates): Promise<LinkWork> {
  const target = (id: string): string | undefined => ctx.idMap.get(id) ?? (ctx.inPlace ? id : undefined);
  const wanted: Candidate[] = [];
  let backedUp = 0;
  for await (const link of ctx.store.readAsOf({ orgId: ctx.sourceOrgId, object: LINK_OBJECT, at: ctx.at })) {
    const oldDoc = String(link.fields.ContentDocumentId ?? '');
    const oldEntity = String(link.fields.LinkedEntityId ?? '');
    if (ctx.documents && !ctx.documents.has(oldDoc)) continue;
    backedUp++;
    const made = planned?.documents.get(oldDoc);
    const shareType = text(link.fields.ShareType);
    // Salesforce links a new file to its owner and to the record it was published on.
    if (made?.has(oldEntity)) continue;
    const c: Candidate = {
      oldId: link.id,
      doc: made ? undefined : target(oldDoc),
      entity: planned?.records.has(oldEntity) ? undefined : target(oldEntity),
      shareType,
      visibility: text(link.fields.Visibility),
    };
    if ((c.doc || made) && (c.entity || planned?.records.has(oldEntity))) wanted.push(c);
  }
  const work: LinkWork = { backedUp, create: [], update: [], found: [] };
  if (!wanted.length) return work;

  // A document that exists has at least its owner's link.
  const there = new Map<string, { id: string; shareType: string | null; visibility: string | null }>();
  const docsThere = new Set<string>();
  const docs = [...new Set(wanted.flatMap((c) => (c.doc ? [c.doc] : [])))];
  for await (const page of queryLinks(
    ctx.conn,
    ['Id', 'ContentDocumentId', 'LinkedEntityId', 'ShareType', 'Visibility'],
    'ContentDocumentId',
    docs,
  ))
    for (const l of page) {
      docsThere.add(String(l.ContentDocumentId));
      there.set(`${String(l.ContentDocumentId)}:${String(l.LinkedEntityId)}`, {
        id: String(l.Id),
        shareType: text(l.ShareType),
        visibility: text(l.Visibility),
      });
    }
  const mapped = new Set(ctx.idMap.values());
  const entities = await existing(ctx, [...new Set(wanted.flatMap((c) => (c.entity && !mapped.has(c.entity) ? [c.entity] : [])))]);
  for (const c of wanted) {
    if ((c.doc && !docsThere.has(c.doc)) || (c.entity && !mapped.has(c.entity) && !entities.has(c.entity))) continue;
    const have = c.doc && c.entity ? there.get(`${c.doc}:${c.entity}`) : undefined;
    if (!have) {
      work.create.push(c);
      continue;
    }
    if (have.id !== c.oldId && ctx.idMap.get(c.oldId) !== have.id) work.found.push([c.oldId, have.id]);
    const values: Record<string, string> = {};
    if (c.shareType && c.shareType !== have.shareType) values.ShareType = c.shareType;
    if (c.visibility && c.visibility !== have.visibility) values.Visibility = c.visibility;
    if (Object.keys(values).length) work.update.push({ oldId: c.oldId, id: have.id, values });
  }
  return work;
}

/** Which of these ids (of any objects) are live records in the target: one query per object and batch. */
async function existing(ctx: LinkRestoreContext, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (!ids.length) return found;
  const byPrefix = new Map<string, string>();
  for (const o of (await describeGlobal(ctx.conn)).sobjects) if (o.keyPrefix && o.queryable) byPrefix.set(o.keyPrefix, o.name);
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const object = byPrefix.get(id.slice(0, 3));
    if (object) groups.set(object, [...(groups.get(object) ?? []), id]);
  }
  for (const [object, group] of groups) for (const r of await recordsByIds(ctx.conn, object, [], group)) found.add(String(r.Id));
  return found;
}

function planLine(work: LinkWork): ObjectPlan {
  const changed: Record<string, number> = {};
  if (work.create.length) changed['(record)'] = work.create.length;
  for (const u of work.update) for (const f of Object.keys(u.values)) changed[f] = (changed[f] ?? 0) + 1;
  return {
    object: LINK_OBJECT,
    backedUp: work.backedUp,
    erased: 0,
    undelete: 0,
    create: work.create.length,
    update: work.update.length,
    relink: 0,
    fieldsChanged: changed,
    conflicts: {},
    apiCalls: Math.ceil(work.create.length / COLLECTION_SIZE) + Math.ceil(work.update.length / COLLECTION_SIZE),
  };
}

/** Every live link of the org: by its documents, as Salesforce allows no other way (compare's live side). */
export async function liveLinks(conn: OrgConnection, fields: readonly string[]): Promise<Record<string, unknown>[]> {
  const docs = (await allRecords(conn, 'ContentDocument', [])).map((r) => String(r.Id));
  const out: Record<string, unknown>[] = [];
  for await (const page of queryLinks(conn, ['Id', ...fields.filter((f) => f !== 'Id')], 'ContentDocumentId', docs)) out.push(...page);
  return out;
}

/** The dry run's line for links: what would be written once the planned records exist. */
export async function planLinks(ctx: LinkRestoreContext, planned: PlannedCreates): Promise<ObjectPlan> {
  return planLine(await linkWork(ctx, planned));
}

/** Creates the missing links and corrects the others' sharing (sObject collections), results in the ledger. */
export async function restoreLinks(ctx: LinkRestoreContext): Promise<ObjectPlan> {
  const target = { targetOrgId: ctx.targetOrgId, sourceOrgId: ctx.sourceOrgId, runId: ctx.runId };
  await mapDocuments(ctx.conn, ctx.ledger, target, ctx.idMap, ctx.versions ?? []);
  const work = await linkWork(ctx);
  // Mapped like re-created records, so that compare and later restores see them as the same links.
  await ctx.ledger.mapIds(target, LINK_OBJECT, work.found);
  for (const [oldId, id] of work.found) ctx.idMap.set(oldId, id);
  const write = async (
    operation: 'create' | 'update',
    items: Array<{ oldId: string; id?: string; body: Record<string, unknown> }>,
  ): Promise<void> => {
    for (let i = 0; i < items.length; i += COLLECTION_SIZE) {
      const part = items.slice(i, i + COLLECTION_SIZE);
      ctx.conn.budget.assertMaySpend(1);
      const saved = await saveCollection(
        ctx.conn,
        operation,
        LINK_OBJECT,
        part.map((p) => p.body),
      );
      const rows: ResultRow[] = saved.map((s, k) => ({
        object: LINK_OBJECT,
        operation,
        oldId: part[k]!.oldId,
        newId: s.success ? (part[k]!.id ?? s.id) : (part[k]!.id ?? null),
        success: s.success,
        error: s.success ? null : s.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '),
      }));
      await ctx.ledger.record(target, rows);
      if (operation === 'create') for (const r of rows) if (r.success && r.newId) ctx.idMap.set(r.oldId, r.newId);
    }
  };
  await write(
    'create',
    work.create.map((c) => ({
      oldId: c.oldId,
      body: {
        ContentDocumentId: c.doc,
        LinkedEntityId: c.entity,
        ...(c.shareType ? { ShareType: c.shareType } : {}),
        ...(c.visibility ? { Visibility: c.visibility } : {}),
      },
    })),
  );
  await write(
    'update',
    work.update.map((u) => ({ oldId: u.oldId, id: u.id, body: { Id: u.id, ...u.values } })),
  );
  return planLine(work);
}
