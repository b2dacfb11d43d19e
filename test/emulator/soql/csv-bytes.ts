/**
 * A growable byte buffer that CSV text is written into directly. ASCII (nearly all of a
 * result) is copied code unit by code unit, which outruns building strings and encoding them:
 * concatenating millions of small strings spends most of its time allocating and collecting.
 */
import { isoDay, MS_PER_DAY } from '../data/values.js';

const QUOTE = 34;
const ZERO = 48;

export class CsvBytes {
  buf: Buffer;
  pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 1024));
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Writes s as it is. */
  text(s: string): void {
    const n = s.length;
    if (this.pos + 3 * n > this.buf.length) this.grow(3 * n);
    const buf = this.buf;
    let p = this.pos;
    for (let j = 0; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c >= 128) {
        this.pos = p + buf.write(s.slice(j), p, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Writes s between quotes, with quotes inside doubled. */
  quoted(s: string): void {
    const n = s.length;
    // Worst case: every unit a 3-byte UTF-8 character or a doubled quote.
    if (this.pos + 3 * n + 2 > this.buf.length) this.grow(3 * n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    for (let j = 0; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c >= 128) {
        p += buf.write(s.slice(j).replaceAll('"', '""'), p, 'utf8');
        break;
      }
      if (c === QUOTE) buf[p++] = QUOTE;
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }

  /** Writes epoch milliseconds between quotes as isoDateTime does, without making the string. */
  dateTime(ms: number): void {
    const day = Math.floor(ms / MS_PER_DAY);
    const date = isoDay(day);
    if (this.pos + date.length + 15 > this.buf.length) this.grow(date.length + 15);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    for (let j = 0; j < date.length; j++) buf[p++] = date.charCodeAt(j);
    const t = ms - day * MS_PER_DAY;
    p = two(buf, p, Math.floor(t / 3_600_000));
    buf[p++] = 58; // :
    p = two(buf, p, Math.floor(t / 60_000) % 60);
    buf[p++] = 58;
    p = two(buf, p, Math.floor(t / 1000) % 60);
    buf[p++] = 46; // .
    buf[p++] = ZERO + Math.floor((t % 1000) / 100);
    p = two(buf, p, t % 100);
    buf[p++] = 90; // Z
    buf[p++] = QUOTE;
    this.pos = p;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.pos + need, 2 * this.buf.length));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

function two(buf: Buffer, p: number, n: number): number {
  const tens = Math.floor(n / 10);
  buf[p] = ZERO + tens;
  buf[p + 1] = ZERO + n - 10 * tens;
  return p + 2;
}
