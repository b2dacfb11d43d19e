import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '../../infra/db.js';

const SPECIAL = /[\\\n\r\t]/;

/** A value for COPY's text format. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!) : value;
}

/** Streams lines (each ending in \n) into `COPY table (columns) FROM STDIN`, in ~1 MB writes. */
export async function copyLines(client: PoolClient, table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  function* chunks(): Generator<string> {
    let parts: string[] = [];
    let size = 0;
    for (const line of lines) {
      parts.push(line);
      size += line.length;
      if (size >= 1 << 20) {
        yield parts.join('');
        parts = [];
        size = 0;
      }
    }
    if (parts.length > 0) yield parts.join('');
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}
