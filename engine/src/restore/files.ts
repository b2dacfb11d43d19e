/**
 * Files in a restore: records with a file are created with the file streamed from the store as a
 * multipart request (no base64, no buffering: memory holds a chunk whatever the size), and a
 * restored file gets back every ContentDocumentLink it had whose document and linked record exist
 * in the target — re-created (through the id map) or, in place, still there.
 */
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { insertWithBlob, maxBlobBytes } from '../salesforce/blob-insert.js';
import { inListBatches, queryLinks } from '../salesforce/content-links.js';
import { describeGlobal } from '../salesforce/describe.js';
import { queryRecords } from '../salesforce/rest-query.js';
import { saveCollection, COLLECTION_SIZE } from '../salesforce/collections.js';
import { OrgVaultError } from '../errors.js';
import { LINK_OBJECT } from '../backup/content-links.js';
import type { ObjectPlan } from './restore.js';
import type { RestoreLedger, ResultRow } from './ledger.js';

export { LINK_OBJECT };

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
}

/** A dry run's view of what the run would re-create: old record ids and old document ids. */
export interface PlannedCreates {
  records: Set<string>;
  documents: Set<string>;
}

interface Candidate {
  oldId: string;
  oldDoc: string;
  oldEntity: string;
  /** Ids in the target; undefined while the record is still to be re-created (dry run). */
  doc: string | undefined;
  entity: string | undefined;
  shareType: string | null;
  visibility: string | null;
}

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/**
 * The backed-up links whose document and entity exist in the target (or, in a dry run, will), with
 * no link between them yet. The owner's implicit link, which Salesforce makes with a new file, is
 * found present and skipped; a dry run, which cannot see it yet, leaves out User links of type I.
 */
async function missingLinks(ctx: LinkRestoreContext, planned?: PlannedCreates): Promise<{ backedUp: number; missing: Candidate[] }> {
  const target = (id: string): string | undefined => ctx.idMap.get(id) ?? (ctx.inPlace ? id : undefined);
  const wanted: Candidate[] = [];
  let backedUp = 0;
  for await (const link of ctx.store.readAsOf({ orgId: ctx.sourceOrgId, object: LINK_OBJECT, at: ctx.at })) {
    const oldDoc = String(link.fields.ContentDocumentId ?? '');
    const oldEntity = String(link.fields.LinkedEntityId ?? '');
    if (ctx.documents && !ctx.documents.has(oldDoc)) continue;
    backedUp++;
    const c: Candidate = {
      oldId: link.id,
      oldDoc,
      oldEntity,
      doc: planned?.documents.has(oldDoc) ? undefined : target(oldDoc),
      entity: planned?.records.has(oldEntity) ? undefined : target(oldEntity),
      shareType: text(link.fields.ShareType),
      visibility: text(link.fields.Visibility),
    };
    if ((c.doc || planned?.documents.has(oldDoc)) && (c.entity || planned?.records.has(oldEntity))) wanted.push(c);
  }
  if (!wanted.length) return { backedUp, missing: [] };

  // A document that exists has at least its owner's link; pairs already linked are skipped.
  const linked = new Set<string>();
  const docsThere = new Set<string>();
  const docs = [...new Set(wanted.flatMap((c) => (c.doc ? [c.doc] : [])))];
  for await (const page of queryLinks(ctx.conn, ['ContentDocumentId', 'LinkedEntityId'], 'ContentDocumentId', docs))
    for (const l of page) {
      docsThere.add(String(l.ContentDocumentId));
      linked.add(`${String(l.ContentDocumentId)}:${String(l.LinkedEntityId)}`);
    }
  const mapped = new Set(ctx.idMap.values());
  const entities = await existing(ctx, [...new Set(wanted.flatMap((c) => (c.entity && !mapped.has(c.entity) ? [c.entity] : [])))]);
  const missing = wanted.filter((c) => {
    const docOk = c.doc ? docsThere.has(c.doc) : true;
    const entityOk = c.entity ? mapped.has(c.entity) || entities.has(c.entity) : true;
    if (!c.doc && c.oldEntity.startsWith('005') && c.shareType === 'I') return false;
    return docOk && entityOk && !(c.doc && c.entity && linked.has(`${c.doc}:${c.entity}`));
  });
  return { backedUp, missing };
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
  for (const [object, group] of groups)
    for (const soql of inListBatches(`SELECT Id FROM ${object} WHERE Id IN (`, group))
      for (const r of await queryRecords(ctx.conn, soql)) found.add(String(r.Id));
  return found;
}

function planLine(backedUp: number, create: number): ObjectPlan {
  return {
    object: LINK_OBJECT,
    backedUp,
    create,
    update: 0,
    relink: 0,
    fieldsChanged: create ? { '(record)': create } : {},
    apiCalls: Math.ceil(create / COLLECTION_SIZE),
  };
}

/** The dry run's line for links: what would be created once the planned records exist. */
export async function planLinks(ctx: LinkRestoreContext, planned: PlannedCreates): Promise<ObjectPlan> {
  const { backedUp, missing } = await missingLinks(ctx, planned);
  return planLine(backedUp, missing.length);
}

/** Creates the missing links (sObject collections), results in the ledger; answers the plan line. */
export async function restoreLinks(ctx: LinkRestoreContext): Promise<ObjectPlan> {
  const { backedUp, missing } = await missingLinks(ctx);
  const target = { targetOrgId: ctx.targetOrgId, sourceOrgId: ctx.sourceOrgId, runId: ctx.runId };
  for (let i = 0; i < missing.length; i += COLLECTION_SIZE) {
    const part = missing.slice(i, i + COLLECTION_SIZE);
    ctx.conn.budget.assertMaySpend(1);
    const saved = await saveCollection(
      ctx.conn,
      'create',
      LINK_OBJECT,
      part.map((c) => ({
        ContentDocumentId: c.doc,
        LinkedEntityId: c.entity,
        ...(c.shareType ? { ShareType: c.shareType } : {}),
        ...(c.visibility ? { Visibility: c.visibility } : {}),
      })),
    );
    const rows: ResultRow[] = saved.map((s, k) => ({
      object: LINK_OBJECT,
      operation: 'create',
      oldId: part[k]!.oldId,
      newId: s.success ? s.id : null,
      success: s.success,
      error: s.success ? null : s.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '),
    }));
    await ctx.ledger.record(target, rows);
    for (const r of rows) if (r.success && r.newId) ctx.idMap.set(r.oldId, r.newId);
  }
  return planLine(backedUp, missing.length);
}
