import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OrgConnection } from './connection.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** A base64 field of one record: ContentVersion.VersionData, Attachment.Body, Document.Body, ... */
export interface BlobRef {
  sobject: string;
  id: string;
  field: string;
}

export interface BlobStream {
  /** The raw bytes, streamed: nothing is held in memory beyond the stream's buffer. */
  stream: Readable;
  contentLength: number | undefined;
  contentType: string | undefined;
}

/** Opens one download (a single attempt; failures are the caller's). */
export async function openBlob(conn: OrgConnection, ref: BlobRef, signal?: AbortSignal): Promise<BlobStream> {
  const res = await conn.http.once({
    path: `sobjects/${encodeURIComponent(ref.sobject)}/${encodeURIComponent(ref.id)}/${encodeURIComponent(ref.field)}`,
    headers: { Accept: '*/*' },
    what: `download ${ref.sobject}.${ref.field} ${ref.id}`,
    ...(signal ? { signal } : {}),
  });
  const length = res.headers.get('content-length');
  return {
    stream: res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]),
    contentLength: length === null ? undefined : Number(length),
    contentType: res.headers.get('content-type') ?? undefined,
  };
}

/**
 * Downloads a blob into `consume` (which must read the stream to its end and reject if the stream
 * fails). A transient failure, such as a connection reset halfway, starts the download over with a
 * fresh stream: `consume` is called again and must discard what the failed attempt wrote.
 */
export async function downloadBlob<T>(
  conn: OrgConnection,
  ref: BlobRef,
  consume: (blob: BlobStream, attempt: number) => Promise<T>,
  options: { retry?: RetryPolicy; signal?: AbortSignal } = {},
): Promise<T> {
  return withRetry(
    options.retry ?? conn.http.options.retry,
    async (attempt) => consume(await openBlob(conn, ref, options.signal), attempt),
    options.signal,
  );
}
