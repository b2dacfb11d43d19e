/**
 * Binary field values (ContentVersion.VersionData, Attachment.Body, Document.Body). Generated
 * files keep only a seed and a size and produce the same bytes on every read, so a large org
 * costs no memory for file contents; uploaded files keep their bytes.
 */
import { createHash } from 'node:crypto';

export interface Blob {
  readonly size: number;
  bytes(): Buffer;
}

export class StoredBlob implements Blob {
  constructor(private readonly data: Buffer) {}
  get size(): number {
    return this.data.length;
  }
  bytes(): Buffer {
    return this.data;
  }
}

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** Text-like deterministic content: the same seed and size give the same bytes. */
export class GeneratedBlob implements Blob {
  constructor(
    readonly seed: number,
    readonly size: number,
  ) {}
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    let s = this.seed >>> 0 || 1;
    let i = 0;
    while (i < this.size) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const w = `${WORDS[s % WORDS.length]}${s % 11 === 0 ? '.\n' : ' '}`;
      i += out.write(w, i, 'latin1');
    }
    return out;
  }
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export function isBlob(v: unknown): v is Blob {
  return v instanceof StoredBlob || v instanceof GeneratedBlob;
}
