import { randomUUID } from 'node:crypto';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { type Pool, type Queryable, withTransaction } from '../../infra/db.js';
import { OrgVaultError, fromSystemError } from '../../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { storeError } from '../db-errors.js';
import { cursorBatches } from '../catalog/cursor.js';
import { integrityError } from '../keys/aead.js';
import { type BlobDigest, DecryptBlob, EncryptBlob } from './chunked.js';
import {
  ADD_BLOB_REF,
  BLOBS_SINCE,
  BLOB_RECORDED,
  BLOB_SIZE_AND_HASH,
  FORGET_BLOB,
  LOCK_BLOB,
  LOST_REFS,
  RECORD_BLOB,
  REFS_AT,
  REFS_OF,
} from '../sql.js';

/** Where a file belongs: the record field that held it, from when. */
export interface BlobRefInput {
  orgId: string;
  object: string;
  recordId: string;
  /** e.g. 'VersionData', 'Body'. */
  field: string;
  validFrom: Date | string;
  source: string;
  jobId?: string;
}

export interface PutBlobResult {
  /** Hex keyed hash of the plaintext: the blob's address within the org. */
  contentHash: string;
  size: number;
  storedSize: number;
  /** False when the same content was already stored (nothing was uploaded for good). */
  uploaded: boolean;
  /** False when the content was not the one expected, and so was not recorded. */
  recorded: boolean;
}

/** A recorded file the blob store no longer holds intact. */
/** Runs in the transaction that records a new file reference, with the stored bytes it added (0 when its content was stored already). */
export type WithRef = (tx: Queryable, added: { storedBytes: number }) => Promise<void>;

export interface LostFile {
  orgId: string;
  contentHash: string;
  /** A record that held it (the latest reference), to tell an operator which file it is. */
  object: string | null;
  recordId: string | null;
}

export interface BlobRef {
  object: string;
  recordId: string;
  field: string;
  validFrom: Date;
  contentHash: string;
  size: number;
  source: string;
  jobId: string | null;
}

export const blobName = (orgId: string, contentHash: string): string => `orgs/${orgId}/blobs/${contentHash}`;
export const blobPrefix = (orgId: string): string => `orgs/${orgId}/blobs/`;
const stagingName = (orgId: string): string => `orgs/${orgId}/staging/${randomUUID()}`;

/** A blob_refs row as the queries below select it. */
type RefRow = {
  record_id: string;
  field: string;
  valid_from: Date;
  content_hash: string;
  size: string;
  source: string;
  job_id: string | null;
};

const UPLOAD_BUFFER = 4 << 20;
const UPLOAD_CONCURRENCY = 2;
const COPY_POLL_MS = 100;

export function storageError(err: unknown, context: string): OrgVaultError {
  if (err instanceof OrgVaultError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('E') && code !== 'ECONNREFUSED' && code !== 'ECONNRESET')
    return fromSystemError(err, context);
  return new OrgVaultError('STORAGE_UNAVAILABLE', `${context}: ${(err as Error).message}`, { cause: err });
}

export class BlobStore {
  constructor(
    private readonly pool: Pool,
    private readonly container: ContainerClient,
    private readonly keyring: Keyring,
  ) {}

  /**
   * Streams content into Blob Storage encrypted, under a staging name while it is hashed; then
   * commits it to its content address unless that content is already stored there, and records the
   * reference. Memory stays at a few chunks whatever the size. With `expect`, only that content is
   * recorded: other bytes (the record's file changed since) are dropped and `recorded` is false.
   * `withRef` runs in the transaction that records a new reference (e.g. a caller's count of files).
   */
  async put(ref: BlobRefInput, content: Readable | AsyncIterable<Buffer>, expect?: string, withRef?: WithRef): Promise<PutBlobResult> {
    const keys = await this.keyring.forOrg(ref.orgId);
    const staging = this.container.getBlockBlobClient(stagingName(ref.orgId));
    const encrypt = new EncryptBlob(keys);
    const body = new PassThrough();
    try {
      await Promise.all([
        pipeline(content, encrypt, body),
        staging.uploadStream(body, UPLOAD_BUFFER, UPLOAD_CONCURRENCY, { blobHTTPHeaders: { blobContentType: 'application/octet-stream' } }),
      ]);
    } catch (err) {
      body.destroy();
      await staging.deleteIfExists().catch(() => undefined);
      throw storageError(err, `Uploading a file of ${ref.object} ${ref.recordId}`);
    }
    const digest = encrypt.digest!;
    const contentHash = digest.contentHash.toString('hex');
    const result = { contentHash, size: digest.size, storedSize: digest.storedSize };
    try {
      if (expect !== undefined && expect !== contentHash) return { ...result, uploaded: false, recorded: false };
      const uploaded = await this.commit(ref, digest, staging, withRef);
      return { ...result, uploaded, recorded: true };
    } finally {
      await staging.deleteIfExists().catch(() => undefined);
    }
  }

  /**
   * Copies staged content to its address and records it. A recorded content is not trusted
   * blindly: its blob must still be there (a store that lost it, e.g. Azurite killed before it
   * saved, gets it again from this upload). Returns whether the content was copied.
   */
  private async commit(ref: BlobRefInput, digest: BlobDigest, staging: BlockBlobClient, withRef: WithRef | undefined): Promise<boolean> {
    const contentHash = digest.contentHash.toString('hex');
    return withTransaction(this.pool, async (client) => {
      // One committer per content at a time: the address and its row always describe the same bytes.
      await client.query(LOCK_BLOB, [ref.orgId, contentHash]);
      const { rowCount } = await client.query(BLOB_RECORDED, [ref.orgId, digest.contentHash]);
      const target = this.container.getBlockBlobClient(blobName(ref.orgId, contentHash));
      const recorded = rowCount !== 0;
      const copy = !recorded || !(await present(target));
      if (copy) {
        // A blob left at the address without a row (a crash after the copy) is simply replaced.
        // A copy within the account; large ones finish asynchronously (the SDK's default poll is 15 s).
        const poller = await target.beginCopyFromURL(staging.url, { intervalInMs: COPY_POLL_MS });
        await poller.pollUntilDone();
      }
      // Recorded once the copy is acknowledged: the time tells which files a store that lost its
      // latest writes may have dropped (see verifyRecorded).
      if (copy)
        // The same plaintext, encrypted afresh (new salt and nonces): the row describes the new bytes.
        await client.query(RECORD_BLOB, [ref.orgId, digest.contentHash, digest.size, digest.storedSize, digest.cipherHash]);
      const added = await client.query(ADD_BLOB_REF, [
        ref.orgId,
        ref.object,
        ref.recordId,
        ref.field,
        ref.validFrom,
        digest.contentHash,
        digest.size,
        ref.source,
        ref.jobId ?? null,
      ]);
      if (added.rowCount === 1) await withRef?.(client, { storedBytes: recorded ? 0 : digest.storedSize });
      return copy;
    }).catch((err: unknown) => {
      throw storeError(err, 'Recording a file');
    });
  }

  /**
   * The decrypted content as a stream. It is verified chunk by chunk and, at its end, against its
   * address: a consumer must treat a stream error (INTEGRITY_ERROR) as "this file is not intact".
   */
  async open(orgId: string, contentHash: string): Promise<Readable> {
    return (await this.decrypting(orgId, contentHash)).stream;
  }

  /** Reads a stored file through, checking its stored bytes, every chunk and its address. */
  async verify(orgId: string, contentHash: string): Promise<void> {
    const { stream, cipherHash } = await this.decrypting(orgId, contentHash);
    await pipeline(stream, new Writable({ write: (_c, _e, done) => done() }));
    if (!stream.digest!.cipherHash.equals(cipherHash))
      throw integrityError(`File ${contentHash}`, 'stored bytes do not match their recorded hash');
  }

  private async decrypting(orgId: string, contentHash: string): Promise<{ stream: DecryptBlob; cipherHash: Buffer }> {
    const hash = Buffer.from(contentHash, 'hex');
    const { rows } = await this.pool
      .query<{ size: string; cipher_hash: Buffer }>(BLOB_SIZE_AND_HASH, [orgId, hash])
      .catch((err: unknown) => {
        throw storeError(err, 'Reading a file');
      });
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', `No stored file ${contentHash} for org ${orgId}`);
    const keys = await this.keyring.forOrg(orgId);
    const decrypt = new DecryptBlob(keys, `File ${contentHash}`, { contentHash: hash, size: Number(rows[0].size) });
    let download;
    try {
      download = await this.container.getBlockBlobClient(blobName(orgId, contentHash)).download();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404)
        throw integrityError(`File ${contentHash}`, 'it is missing from blob storage');
      throw storageError(err, 'Reading a file');
    }
    const source = download.readableStreamBody as Readable;
    source.on('error', (err) => decrypt.destroy(storageError(err, 'Reading a file')));
    return { stream: source.pipe(decrypt), cipherHash: rows[0].cipher_hash };
  }

  /**
   * Reads back whole every file recorded at or after `since` (a blob store that may have dropped
   * its latest acknowledged writes, such as Azurite killed before it saved) and forgets the row of
   * each one missing or damaged: its references then show as lost (lostRefs), the next backup
   * fetches them again, and `check` names the ones it could not.
   */
  async verifyRecorded(since: Date): Promise<{ verified: number; lost: LostFile[] }> {
    const { rows } = await this.pool.query<{ org_id: string; content_hash: string }>(BLOBS_SINCE, [since]).catch((err: unknown) => {
      throw storeError(err, 'Listing recent files');
    });
    const lost: LostFile[] = [];
    for (const { org_id: orgId, content_hash: contentHash } of rows) {
      const gone = (await this.intact(orgId, contentHash)) ? undefined : await this.forget(orgId, contentHash);
      if (gone) lost.push({ orgId, contentHash, ...gone });
    }
    return { verified: rows.length, lost };
  }

  /** Whether a recorded file reads back whole; false only for a missing or damaged blob, not an unreachable store. */
  private intact(orgId: string, contentHash: string): Promise<boolean> {
    return this.verify(orgId, contentHash).then(
      () => true,
      (err: unknown) => {
        if (OrgVaultError.is(err, 'INTEGRITY_ERROR')) return false;
        throw err;
      },
    );
  }

  /** Drops a lost file's row; undefined when a backup put it back meanwhile (or another process dropped it). */
  private forget(orgId: string, contentHash: string): Promise<Pick<LostFile, 'object' | 'recordId'> | undefined> {
    return withTransaction(this.pool, async (client) => {
      await client.query(LOCK_BLOB, [orgId, contentHash]);
      // A damaged blob at the address is replaced by the next copy.
      if (await this.intact(orgId, contentHash)) return undefined;
      const { rows } = await client.query<{ object: string | null; record_id: string | null }>(FORGET_BLOB, [
        orgId,
        Buffer.from(contentHash, 'hex'),
      ]);
      return rows[0] ? { object: rows[0].object, recordId: rows[0].record_id } : undefined;
    }).catch((err: unknown) => {
      throw storeError(err, 'Forgetting a lost file');
    });
  }

  /** References of an object whose content is not recorded (found lost), newest first per record. */
  async lostRefs(orgId: string, object: string): Promise<BlobRef[]> {
    const { rows } = await this.pool.query<RefRow>(LOST_REFS, [orgId, object]).catch((err: unknown) => {
      throw storeError(err, 'Listing lost files');
    });
    return rows.map((r) => toRef(object, r.record_id, r));
  }

  /** Per record and field, the file it held at `at` (latest reference with valid_from <= at), in id order. */
  async *refsAt(orgId: string, object: string, at: Date): AsyncGenerator<BlobRef> {
    for await (const { rows } of cursorBatches<RefRow>(this.pool, REFS_AT, [orgId, object, at])) {
      for (const r of rows) yield toRef(object, r.record_id, r);
    }
  }

  /**
   * Every file reference of one record, oldest first, leaving out those whose content was found
   * lost (verifyRecorded): a backup that asks before fetching a file then fetches it again.
   */
  async refsOf(orgId: string, object: string, recordId: string): Promise<BlobRef[]> {
    const { rows } = await this.pool
      .query<{ field: string; valid_from: Date; content_hash: string; size: string; source: string; job_id: string | null }>(REFS_OF, [
        orgId,
        object,
        recordId,
      ])
      .catch((err: unknown) => {
        throw storeError(err, 'Reading file references');
      });
    return rows.map((r) => toRef(object, recordId, r));
  }
}

async function present(blob: BlockBlobClient): Promise<boolean> {
  try {
    return await blob.exists();
  } catch (err) {
    throw storageError(err, 'Finding a file');
  }
}

function toRef(
  object: string,
  recordId: string,
  r: { field: string; valid_from: Date; content_hash: string; size: string; source: string; job_id: string | null },
): BlobRef {
  return {
    object,
    recordId,
    field: r.field,
    validFrom: r.valid_from,
    contentHash: r.content_hash,
    size: Number(r.size),
    source: r.source,
    jobId: r.job_id,
  };
}
