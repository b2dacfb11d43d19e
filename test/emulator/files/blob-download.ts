/** Blob bodies (VersionData, Attachment.Body, Document.Body) as raw bytes, streamed in chunks. */
import type { Response } from 'express';
import { notFound } from '../errors.js';
import type { Org } from '../data/org.js';
import type { FieldDef } from '../data/model.js';
import type { Table } from '../data/table.js';
import { isBlob } from '../data/blobs.js';
import { FaultyWriter } from '../faults/stream.js';

const CHUNK = 64 * 1024;

export async function sendBlob(org: Org, res: Response, table: Table, row: number, f: FieldDef): Promise<void> {
  const blob = table.get(row, f.name);
  if (!isBlob(blob)) throw notFound();
  const bytes = blob.bytes();
  const contentType = table.field('ContentType') ? (table.get(row, 'ContentType') as string | null) : null;
  res.status(200);
  res.setHeader('Content-Type', contentType ?? 'application/octetstream');
  res.setHeader('Content-Length', String(bytes.length));
  const out = new FaultyWriter(res, org.faults, 'blob');
  for (let i = 0; i < bytes.length; i += CHUNK) if (!(await out.write(bytes.subarray(i, i + CHUNK)))) return;
  await out.end();
}
