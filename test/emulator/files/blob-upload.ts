/**
 * Insert with blob data as a multipart message (REST API Developer Guide, "Insert or Update Blob
 * Data"): the first part is the record's fields as JSON (any part name, e.g. `entity_content`),
 * the second the file, in a part named for the blob field (`VersionData`, `Body`). Up to 2 GB for
 * ContentVersion and 500 MB for other objects; a JSON body is capped at 50 MB (see rest/http.ts),
 * which is what makes 37.5 MB the largest base64 file.
 */
import type { Request } from 'express';
import busboy from 'busboy';
import { SfError } from '../errors.js';
import { StoredBlob } from '../data/blobs.js';
import type { Table } from '../data/table.js';

export const MAX_CONTENT_VERSION_BYTES = 2 * 1024 ** 3;
export const MAX_OTHER_BLOB_BYTES = 500 * 1024 ** 2;

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
}

function maxBytes(table: Table): number {
  return table.def.name === 'ContentVersion' ? MAX_CONTENT_VERSION_BYTES : MAX_OTHER_BLOB_BYTES;
}

/** The record's fields, with the file as the blob field's value (held in the emulator's memory). */
export function readMultipartRecord(req: Request, table: Table): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes(table), files: 2 } });
    } catch (err) {
      reject(new SfError('INVALID_MULTIPART_REQUEST', (err as Error).message, 400));
      return;
    }
    let fields: Record<string, unknown> | undefined;
    let blob: { name: string; data: StoredBlob } | undefined;
    let failed: SfError | undefined;
    const fail = (e: SfError): void => {
      failed ??= e;
    };
    const readFields = (value: string): void => {
      try {
        const parsed: unknown = JSON.parse(value);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        fields = parsed as Record<string, unknown>;
      } catch (err) {
        fail(new SfError('JSON_PARSER_ERROR', `Unexpected character: ${(err as Error).message}`, 400));
      }
    };
    parser.on('field', (_name, value, info) => {
      if (/json/i.test(info.mimeType)) readFields(value);
    });
    // Clients that send the JSON part with a filename make it a "file" to busboy.
    parser.on('file', (name, stream, info) => {
      const f = table.field(name);
      const isFields = (!f || f.type !== 'base64') && /json/i.test(info.mimeType);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(
          new SfError(
            'FILE_SIZE_LIMIT_EXCEEDED',
            `The file is larger than ${maxBytes(table)} bytes, the most ${table.def.name} takes`,
            400,
          ),
        ),
      );
      stream.on('end', () => {
        if (isFields) readFields(Buffer.concat(chunks).toString('utf8'));
        else if (!f || f.type !== 'base64')
          fail(new SfError('INVALID_FIELD', `No such blob field '${name}' on sobject of type ${table.def.name}`, 400, [name]));
        else blob = { name: f.name, data: new StoredBlob(Buffer.concat(chunks)) };
      });
    });
    parser.on('error', (err: Error) => reject(new SfError('INVALID_MULTIPART_REQUEST', err.message, 400)));
    parser.on('close', () => {
      if (failed) return reject(failed);
      if (!fields) return reject(new SfError('INVALID_MULTIPART_REQUEST', 'The first part must hold the record as JSON', 400));
      if (blob) fields[blob.name] = blob.data;
      resolve(fields);
    });
    req.pipe(parser);
  });
}
