import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '../../infra/db.js';
import { copyInto } from '../sql.js';

const SPECIAL = /[\\\n\r\t]/;

/** A value for COPY's text format. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!) : value;
}

const ARRAY_SPECIAL = /[\\"]/;

/**
 * A PostgreSQL array literal, built here because the driver's own array encoding costs about a
 * second per 200,000 elements. Quoted elements may hold anything; unquoted ones must be plain
 * tokens (numbers, t/f).
 */
export function arrayLiteral(values: readonly string[], quote: boolean): string {
  if (!quote) return `{${values.join(',')}}`;
  const parts: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    parts[i] = ARRAY_SPECIAL.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
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
  await pipeline(Readable.from(chunks()), client.query(copyFrom(copyInto(table, columns))));
}
