import { OrgVaultError } from '../../errors.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Field kinds recorded by the scanner: how the field was written, which decides its value. */
const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPES = 2;

/**
 * An RFC 4180 row scanner over a Buffer that records where each field lies instead of building
 * strings: the backup path reads only the few columns the catalog needs and copies row bytes into
 * packs untouched. Fields that are not quoted may not
 * contain quotes; rows end at LF or CRLF; every row must have the header's number of fields.
 */
export class RowScanner {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly kinds: Uint8Array;
  /** Fields found in the last row. */
  count = 0;
  /** End of the last row's content (before its line ending), and where the next row starts. */
  rowEnd = 0;
  next = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly capacity: number,
  ) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
  }

  /** Scans the row starting at `pos`; false at the end of the buffer. `row` numbers errors (header = 0). */
  scan(pos: number, row: number): boolean {
    const buf = this.buf;
    const n = buf.length;
    if (pos >= n) return false;
    let p = pos;
    let f = 0;
    for (;;) {
      if (f >= this.capacity) throw malformed(row, pos, `more than ${this.capacity} fields`);
      if (buf[p] === QUOTE) {
        // A byte loop beats indexOf here: fields are short and each native call costs more than it saves.
        let q = p + 1;
        let kind = QUOTED;
        for (;;) {
          while (q < n && buf[q] !== QUOTE) q++;
          if (q >= n) throw malformed(row, pos, 'a quoted field is not closed');
          if (buf[q + 1] === QUOTE) {
            kind = QUOTED_ESCAPES;
            q += 2;
            continue;
          }
          this.starts[f] = p + 1;
          this.ends[f] = q;
          this.kinds[f] = kind;
          p = q + 1;
          break;
        }
      } else {
        let q = p;
        while (q < n) {
          const c = buf[q];
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) throw malformed(row, pos, 'a quote inside a field that is not quoted');
          q++;
        }
        this.starts[f] = p;
        this.ends[f] = q;
        this.kinds[f] = PLAIN;
        p = q;
      }
      f++;
      if (p >= n) {
        this.rowEnd = n;
        this.next = n;
        break;
      }
      const c = buf[p];
      if (c === COMMA) {
        p++;
        continue;
      }
      if (c === LF) {
        this.rowEnd = p;
        this.next = p + 1;
        break;
      }
      if (c === CR && buf[p + 1] === LF) {
        this.rowEnd = p;
        this.next = p + 2;
        break;
      }
      throw malformed(row, pos, 'text after a closing quote');
    }
    this.count = f;
    return true;
  }

  /** A field's value: an empty field that is not quoted is null (how Bulk API writes nulls). */
  value(f: number): string | null {
    const start = this.starts[f]!;
    const end = this.ends[f]!;
    const kind = this.kinds[f]!;
    if (kind === PLAIN && start === end) return null;
    const text = this.buf.toString('utf8', start, end);
    return kind === QUOTED_ESCAPES ? text.replaceAll('""', '"') : text;
  }
}

export function malformed(row: number, offset: number, why: string): OrgVaultError {
  const where = row === 0 ? 'the header line' : `data row ${row}`;
  return new OrgVaultError('MALFORMED_DATA', `CSV is malformed at ${where} (byte ${offset}): ${why}`, {
    actions: ['Nothing from this page was stored; the job will fetch it again. If it persists, report it with the job id.'],
    details: { row, offset },
  });
}

const MAX_COLUMNS = 4096;

export interface CsvHeader {
  columns: string[];
  /** The header line without its line ending. */
  line: Buffer;
  /** Offset of the first data row. */
  bodyStart: number;
}

export function readHeader(buf: Buffer): CsvHeader {
  const scanner = new RowScanner(buf, MAX_COLUMNS);
  if (!scanner.scan(0, 0)) throw malformed(0, 0, 'the CSV is empty');
  const columns: string[] = [];
  for (let f = 0; f < scanner.count; f++) columns.push(scanner.value(f) ?? '');
  return { columns, line: buf.subarray(0, scanner.rowEnd), bodyStart: scanner.next };
}

export function columnIndex(header: CsvHeader, name: string): number {
  const i = header.columns.indexOf(name);
  if (i < 0) throw malformed(0, 0, `no column named ${name}`);
  return i;
}

/** Every row of a CSV as field maps (read path: packs are small, clarity wins). */
export function* csvRecords(buf: Buffer): Generator<Record<string, string | null>> {
  const header = readHeader(buf);
  const scanner = new RowScanner(buf, header.columns.length);
  let pos = header.bodyStart;
  for (let row = 1; scanner.scan(pos, row); row++) {
    if (scanner.count !== header.columns.length) throw malformed(row, pos, `${scanner.count} fields, header has ${header.columns.length}`);
    const rec: Record<string, string | null> = {};
    for (let f = 0; f < scanner.count; f++) rec[header.columns[f]!] = scanner.value(f);
    yield rec;
    pos = scanner.next;
  }
}
