/**
 * Deleting an org's backups, in an order that never leaves something that reads as a backup but
 * is not one (restic's prune keeps the same rule: the index stops naming data before the data
 * goes). One PostgreSQL transaction removes the catalog and the packs together with the org's
 * data key, so the backups are either whole or gone, never a partial image a restore would take
 * for the org. Only after that commit are the org's files deleted from Blob Storage: a stop in
 * between leaves files that no catalog names and no key opens, and deleting again finishes.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { OrgVaultError } from '../errors.js';
import { type Pool, withTransaction } from '../infra/db.js';
import type { Keyring } from './keys/keyring.js';
import { DELETE_ORG_BLOB_REFS, DELETE_ORG_BLOBS, DELETE_ORG_KEY, DELETE_ORG_PACKS } from './sql.js';

export interface DeletedBackups {
  /** Packs and the record versions they held (PostgreSQL). */
  packs: number;
  versions: number;
  /** Files recorded in the catalog, and objects removed from Blob Storage (files and leftovers of unfinished uploads). */
  files: number;
  blobObjects: number;
}

/** Every object under the org's prefix in Blob Storage: its files and any staging leftovers. */
const orgPrefix = (orgId: string): string => `orgs/${orgId}/`;

export async function deleteOrgBackups(deps: { pool: Pool; container: ContainerClient; keyring: Keyring }, orgId: string) {
  const { packs, versions, files } = await withTransaction(deps.pool, async (tx) => {
    const p = (await tx.query<{ packs: number; versions: string }>(DELETE_ORG_PACKS, [orgId])).rows[0]!;
    await tx.query(DELETE_ORG_BLOB_REFS, [orgId]);
    const b = (await tx.query<{ files: number }>(DELETE_ORG_BLOBS, [orgId])).rows[0]!;
    await tx.query(DELETE_ORG_KEY, [orgId]);
    return { packs: p.packs, versions: Number(p.versions), files: b.files };
  });
  deps.keyring.forget(orgId);
  const blobObjects = await sweepOrgBlobs(deps.container, orgId);
  return { packs, versions, files, blobObjects } satisfies DeletedBackups;
}

async function sweepOrgBlobs(container: ContainerClient, orgId: string): Promise<number> {
  let deleted = 0;
  try {
    for await (const item of container.listBlobsFlat({ prefix: orgPrefix(orgId) })) {
      if (
        await container.deleteBlob(item.name, { deleteSnapshots: 'include' }).then(
          () => true,
          (err: { statusCode?: number }) => {
            if (err.statusCode === 404) return false;
            throw err;
          },
        )
      )
        deleted++;
    }
  } catch (err) {
    throw new OrgVaultError('STORAGE_UNAVAILABLE', "The org's files could not all be deleted from Blob Storage", {
      actions: [
        'Its backups are already unreadable (catalog and key are gone); delete again once Blob Storage answers to remove the rest.',
      ],
      cause: err,
    });
  }
  return deleted;
}
