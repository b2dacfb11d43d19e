/**
 * What the platform does around a create: file metadata from a blob, and the ContentDocument /
 * ContentDocumentLink records that come with a new ContentVersion.
 */
import { SfError } from '../errors.js';
import { isBlob, md5Hex, type Blob } from './blobs.js';
import type { Org, TxWriter } from './org.js';
import { RowState, type Table } from './table.js';
import { defaultRecordType } from './record-types.js';

const FILE_TYPES: Record<string, string> = {
  pdf: 'PDF',
  png: 'PNG',
  jpg: 'JPG',
  jpeg: 'JPEG',
  gif: 'GIF',
  txt: 'TEXT',
  csv: 'CSV',
  doc: 'WORD',
  docx: 'WORD_X',
  xls: 'EXCEL',
  xlsx: 'EXCEL_X',
  zip: 'ZIP',
};

export function fileType(extension: string): string {
  return FILE_TYPES[extension.toLowerCase()] ?? 'UNKNOWN';
}

export function extensionOf(path: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return m ? m[1]!.toLowerCase() : '';
}

/**
 * Salesforce refuses a second link between one document and one entity (the owner's implicit
 * link included). The error code is our best reading of what Salesforce answers.
 */
function refuseDuplicateLink(org: Org, values: Map<string, unknown>): void {
  const doc = values.get('ContentDocumentId');
  const entity = values.get('LinkedEntityId');
  const links = org.table('ContentDocumentLink');
  const docs = links.getter(links.field('ContentDocumentId')!);
  const entities = links.getter(links.field('LinkedEntityId')!);
  for (let r = 0; r < links.size; r++) {
    if (links.rowState(r) === RowState.Live && docs(r) === doc && entities(r) === entity)
      throw new SfError(
        'DUPLICATE_VALUE',
        `Document with ID: ${String(doc)} is already linked with the entity with ID: ${String(entity)}`,
        400,
      );
  }
}

/** Fills the platform-computed fields of a record about to be created. */
export function beforeCreate(org: Org, table: Table, values: Map<string, unknown>): void {
  const name = table.def.name;
  if (table.field('RecordTypeId') && (values.get('RecordTypeId') ?? null) === null)
    values.set('RecordTypeId', defaultRecordType(org, name));
  if (name === 'ContentDocumentLink') refuseDuplicateLink(org, values);
  else if (name === 'ContentVersion') {
    const body = values.get('VersionData');
    const path = values.get('PathOnClient');
    const missing = [!isBlob(body) && 'VersionData', !path && 'PathOnClient'].filter((x): x is string => !!x);
    if (missing.length) throw new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, 400, missing);
    const blob = body as Blob;
    const ext = extensionOf(String(path));
    values.set('ContentSize', blob.size);
    values.set('Checksum', md5Hex(blob.bytes()));
    values.set('FileExtension', ext);
    values.set('FileType', fileType(ext));
    values.set('IsLatest', true);
    if (!values.get('Title')) values.set('Title', String(path).replace(/\.[^.]*$/, ''));
  } else if (name === 'Attachment' || name === 'Document') {
    const body = values.get('Body');
    if (isBlob(body)) values.set('BodyLength', body.size);
  }
}

/** Creates or updates the records that go with a new record (inside the same transaction). */
export function afterCreate(tx: TxWriter, table: Table, row: number): void {
  if (table.def.name !== 'ContentVersion') return;
  const docs = tx.org.table('ContentDocument');
  const versionId = table.idOf(row);
  const docId = table.getStored(row, 'ContentDocumentId') as string | null;
  const docValues = new Map<string, unknown>([
    ['Title', table.getStored(row, 'Title')],
    ['FileType', table.getStored(row, 'FileType')],
    ['FileExtension', table.getStored(row, 'FileExtension')],
    ['ContentSize', table.getStored(row, 'ContentSize')],
    ['LatestPublishedVersionId', versionId],
  ]);
  if (docId) {
    const doc = tx.org.locate(docId)!;
    const versions = table.getter(table.field('ContentDocumentId')!);
    let n = 0;
    for (let r = 0; r < table.size; r++) {
      if (r === row || versions(r) !== docId || table.rowState(r) !== RowState.Live) continue;
      n++;
      if (table.getStored(r, 'IsLatest') === true) tx.update(table, r, new Map([['IsLatest', false]]));
    }
    table.setStored(row, 'VersionNumber', String(n + 1));
    tx.update(docs, doc.row, docValues);
    return;
  }
  docValues.set('PublishStatus', 'P');
  docValues.set('OwnerId', table.getStored(row, 'OwnerId'));
  const docRow = tx.create(docs, docValues);
  table.setStored(row, 'ContentDocumentId', docs.idOf(docRow));
  tx.org.moveReference(table, 'ContentDocumentId', row, null, docs.idOf(docRow));
  table.setStored(row, 'VersionNumber', '1');
  const change = tx.changes.find((c) => c.id === versionId);
  if (change) {
    change.fields.ContentDocumentId = docs.idOf(docRow);
    change.fields.VersionNumber = '1';
  }
  // As in Salesforce: the owner's implicit link, and one to where the file was first published,
  // which left blank is the publishing user's own library (their id).
  const owner = table.getStored(row, 'OwnerId');
  let location = table.getStored(row, 'FirstPublishLocationId');
  if (!location) {
    location = tx.userId;
    table.setStored(row, 'FirstPublishLocationId', location);
    tx.org.moveReference(table, 'FirstPublishLocationId', row, null, location);
    if (change) change.fields.FirstPublishLocationId = location;
  }
  for (const entity of new Set([owner, location])) {
    if (!entity) continue;
    tx.create(
      tx.org.table('ContentDocumentLink'),
      new Map<string, unknown>([
        ['ContentDocumentId', docs.idOf(docRow)],
        ['LinkedEntityId', entity],
        ['ShareType', 'I'],
        ['Visibility', 'AllUsers'],
      ]),
    );
  }
}
