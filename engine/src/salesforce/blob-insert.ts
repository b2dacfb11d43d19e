import { randomBytes } from 'node:crypto';
import type { OrgConnection } from './connection.js';

/**
 * Salesforce's largest blobs per record (REST API Developer Guide, "Insert or Update Blob Data"):
 * 2 GB for ContentVersion, 500 MB for other objects, sent as a multipart message. A JSON body
 * holds 50 MB, which caps a base64 file at 37.5 MB; multipart has no such cap and needs no base64.
 */
export const MAX_CONTENT_VERSION_BYTES = 2 * 1024 ** 3;
export const MAX_OTHER_BLOB_BYTES = 500 * 1024 ** 2;

export function maxBlobBytes(sobject: string): number {
  return sobject === 'ContentVersion' ? MAX_CONTENT_VERSION_BYTES : MAX_OTHER_BLOB_BYTES;
}

export interface BlobInsert {
  sobject: string;
  /** The record's other fields. */
  fields: Record<string, unknown>;
  /** The base64 field the file goes into (VersionData, Body). */
  blobField: string;
  fileName: string;
  /** The file's exact size: it makes the Content-Length, so nothing has to be buffered to count it. */
  size: number;
  /** Opens the file's bytes; called once per send. */
  open: () => Promise<AsyncIterable<Uint8Array>>;
}

/**
 * Creates a record with its file in one multipart request, the file streamed from `open` into the
 * request body: memory holds a chunk at a time whatever the file's size. Not retried (a create).
 */
export async function insertWithBlob(conn: OrgConnection, insert: BlobInsert): Promise<{ id: string }> {
  const boundary = `orgvault_${randomBytes(12).toString('hex')}`;
  const name = insert.fileName.replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="entity_${insert.sobject.toLowerCase()}"\r\n` +
      `Content-Type: application/json\r\n\r\n${JSON.stringify(insert.fields)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="${insert.blobField}"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncIterable<Uint8Array> {
    yield head;
    yield* await insert.open();
    yield tail;
  }
  return conn.http.json<{ id: string }>({
    method: 'POST',
    path: `sobjects/${encodeURIComponent(insert.sobject)}`,
    headers: {
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(head.length + insert.size + tail.length),
    },
    body,
    what: `create ${insert.sobject} with its file`,
  });
}
