import type { ContainerClient } from '@azure/storage-blob';
import { OrgVaultError } from '../../errors.js';
import { type BlobStore, blobName, blobPrefix } from '../blobs/blob-store.js';
import { CHECK_BLOBS, CHECK_REFS_WITHOUT_BLOB, CHECK_SAMPLE_BLOBS } from '../sql.js';
import { type CheckProblem, type FindingCode, type OrgCheck, rows } from './problems.js';

/** A recorded file and the first record that holds it. */
export interface RecordedBlob {
  content_hash: string;
  stored_size: string;
  object: string | null;
  record_id: string | null;
  field: string | null;
  /** References to it. */
  n: number | null;
}

function blobProblem(c: OrgCheck, code: FindingCode, b: Omit<RecordedBlob, 'stored_size'>, what: string): CheckProblem {
  const holder = b.object && b.record_id ? ` (${b.object} ${b.record_id}${b.field ? ` ${b.field}` : ''})` : '';
  return {
    code,
    orgId: c.orgId,
    contentHash: b.content_hash,
    ...(b.object ? { object: b.object } : {}),
    ...(b.record_id ? { recordId: b.record_id } : {}),
    ...(b.field ? { field: b.field } : {}),
    ...(b.n ? { count: b.n } : {}),
    message: `File ${b.content_hash}${holder} ${what}`,
  };
}

/**
 * One recorded file against blob storage: it is there with its recorded size, and, when asked
 * to read it, decrypts and matches its hashes. Undefined when it is sound.
 */
export async function verifyBlob(
  c: OrgCheck,
  blobs: BlobStore,
  b: RecordedBlob,
  storedSize: number | undefined,
  read: boolean,
): Promise<CheckProblem | undefined> {
  if (storedSize === undefined) return blobProblem(c, 'blob-missing', b, 'is recorded but not in blob storage');
  if (storedSize !== Number(b.stored_size))
    return blobProblem(c, 'blob-size-mismatch', b, `has ${storedSize} bytes in storage, ${b.stored_size} recorded`);
  if (!read) return undefined;
  try {
    await blobs.verify(c.orgId, b.content_hash);
    return undefined;
  } catch (err) {
    return blobProblem(c, 'blob-unreadable', b, `cannot be read back: ${(err as Error).message}`);
  }
}

/**
 * Every file reference points to a recorded file, every recorded file is in blob storage with
 * its size, and a share (percent) of them decrypts. Returns how many files were read.
 */
export async function checkBlobs(c: OrgCheck, container: ContainerClient, blobs: BlobStore, percent: number): Promise<number> {
  for (const r of await rows<RecordedBlob>(c.pool, CHECK_REFS_WITHOUT_BLOB, [c.orgId]))
    c.problems.push(blobProblem(c, 'blob-row-missing', r, `is referred to ${r.n} times but not recorded`));
  const present = await storedSizes(container, c.orgId);
  const recorded = await rows<RecordedBlob>(c.pool, CHECK_BLOBS, [c.orgId]);
  const toRead =
    percent > 0
      ? new Set((await rows<{ content_hash: string }>(c.pool, CHECK_SAMPLE_BLOBS, [c.orgId, percent])).map((r) => r.content_hash))
      : new Set();
  for (const b of recorded) {
    const found = await verifyBlob(c, blobs, b, present.get(blobName(c.orgId, b.content_hash)), toRead.has(b.content_hash));
    if (found) c.problems.push(found);
  }
  return toRead.size;
}

async function storedSizes(container: ContainerClient, orgId: string): Promise<Map<string, number>> {
  const present = new Map<string, number>();
  try {
    for await (const item of container.listBlobsFlat({ prefix: blobPrefix(orgId) }))
      present.set(item.name, item.properties.contentLength ?? -1);
  } catch (err) {
    throw new OrgVaultError('STORAGE_UNAVAILABLE', `Listing blob storage: ${(err as Error).message}`, { cause: err });
  }
  return present;
}
