import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { OrgKeys } from '../keys/keyring.js';
import { NONCE_BYTES, TAG_BYTES, integrityError } from '../keys/aead.js';

/**
 * Blob encryption in independent chunks, so neither side ever holds more than a chunk: a header
 * (magic, random salt, chunk size), then per chunk nonce | AES-256-GCM ciphertext | tag. Each
 * chunk's associated data is the salt, its index and whether it is the last one, so chunks cannot
 * be reordered, moved between blobs, dropped or the blob cut short without a failed tag.
 */
const MAGIC = Buffer.from('OVB1');
const SALT_BYTES = 16;
const HEADER_BYTES = MAGIC.length + SALT_BYTES + 4;
export const CHUNK_BYTES = 1 << 20;

function chunkAad(salt: Buffer, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(SALT_BYTES + 9);
  salt.copy(aad);
  aad.writeBigUInt64BE(BigInt(index), SALT_BYTES);
  aad[SALT_BYTES + 8] = last ? 1 : 0;
  return aad;
}

/** Collects buffers and hands out exact-size pieces without repeated concatenation. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  take(n: number): Buffer {
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return head;
  }
}

/** What an encryption or decryption pass measured: the plaintext's keyed hash and sizes. */
export interface BlobDigest {
  contentHash: Buffer;
  size: number;
  storedSize: number;
  cipherHash: Buffer;
}

export class EncryptBlob extends Transform {
  private readonly salt = randomBytes(SALT_BYTES);
  private readonly pending = new ByteQueue();
  private readonly hasher;
  private readonly cipherHasher = createHash('sha256');
  private index = 0;
  private size = 0;
  private storedSize = 0;
  private started = false;
  digest?: BlobDigest;

  constructor(private readonly keys: OrgKeys) {
    super();
    this.hasher = keys.contentHasher();
  }

  private out(b: Buffer): void {
    this.cipherHasher.update(b);
    this.storedSize += b.length;
    this.push(b);
  }

  private header(): void {
    if (this.started) return;
    this.started = true;
    const size = Buffer.alloc(4);
    size.writeUInt32BE(CHUNK_BYTES);
    this.out(Buffer.concat([MAGIC, this.salt, size]));
  }

  private chunk(plain: Buffer, last: boolean): void {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.blobKey, nonce);
    cipher.setAAD(chunkAad(this.salt, this.index++, last));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    this.out(Buffer.concat([nonce, body, cipher.getAuthTag()]));
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.header();
    this.hasher.update(data);
    this.size += data.length;
    this.pending.push(data);
    // The last chunk is marked as such, so one chunk is always held back until more data shows.
    while (this.pending.length > CHUNK_BYTES) this.chunk(this.pending.take(CHUNK_BYTES), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.header();
    this.chunk(this.pending.take(this.pending.length), true);
    this.digest = {
      contentHash: this.hasher.digest(),
      size: this.size,
      storedSize: this.storedSize,
      cipherHash: this.cipherHasher.digest(),
    };
    done();
  }
}

/**
 * Decrypts and verifies as it streams; when `expected` is given, the end of the stream also checks
 * the plaintext's keyed hash and size. Any failure is an INTEGRITY_ERROR on the stream.
 */
export class DecryptBlob extends Transform {
  private readonly pending = new ByteQueue();
  private readonly hasher;
  private readonly cipherHasher = createHash('sha256');
  private salt?: Buffer;
  private frame = 0;
  private index = 0;
  private size = 0;
  private storedSize = 0;
  digest?: BlobDigest;

  constructor(
    private readonly keys: OrgKeys,
    private readonly what: string,
    private readonly expected?: { contentHash: Buffer; size: number },
  ) {
    super();
    this.hasher = keys.contentHasher();
  }

  private open(frame: Buffer, last: boolean): void {
    if (frame.length < NONCE_BYTES + TAG_BYTES) throw integrityError(this.what, 'a chunk is cut short');
    const decipher = createDecipheriv('aes-256-gcm', this.keys.blobKey, frame.subarray(0, NONCE_BYTES));
    decipher.setAAD(chunkAad(this.salt!, this.index++, last));
    decipher.setAuthTag(frame.subarray(frame.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(frame.subarray(NONCE_BYTES, frame.length - TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw integrityError(this.what, `chunk ${this.index - 1} does not authenticate`, err);
    }
    this.hasher.update(plain);
    this.size += plain.length;
    this.push(plain);
  }

  private drain(ending: boolean): void {
    if (!this.salt) {
      if (this.pending.length < HEADER_BYTES) {
        if (ending) throw integrityError(this.what, 'the header is missing');
        return;
      }
      const header = this.pending.take(HEADER_BYTES);
      if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw integrityError(this.what, 'not an OrgVault blob');
      this.salt = Buffer.from(header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
      this.frame = NONCE_BYTES + header.readUInt32BE(MAGIC.length + SALT_BYTES) + TAG_BYTES;
    }
    while (this.pending.length > this.frame) this.open(this.pending.take(this.frame), false);
    if (ending) this.open(this.pending.take(this.pending.length), true);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.cipherHasher.update(data);
    this.storedSize += data.length;
    this.pending.push(data);
    try {
      this.drain(false);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.drain(true);
      const contentHash = this.hasher.digest();
      this.digest = { contentHash, size: this.size, storedSize: this.storedSize, cipherHash: this.cipherHasher.digest() };
      if (this.expected && (!contentHash.equals(this.expected.contentHash) || this.size !== this.expected.size)) {
        throw integrityError(this.what, 'its content does not match its address');
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
