import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import type { KeyEncryptionKey } from './kek.js';
import { INSERT_ORG_KEY, ORG_KEY, OTHER_KEK } from '../sql.js';

/**
 * The keys of one org, all derived (HKDF-SHA256) from its data key so that each purpose has a key
 * of its own and a weakness in one use cannot spill into another.
 */
export interface OrgKeys {
  readonly orgId: string;
  /** AES-256-GCM key for packs. */
  readonly packKey: Buffer;
  /** AES-256-GCM key for blob chunks. */
  readonly blobKey: Buffer;
  /** AES-256-GCM key for the org's secret box. */
  readonly secretKey: Buffer;
  /** HMAC-SHA256 of a whole plaintext (pack content hash, blob content address). */
  contentHash(data: Buffer): Buffer;
  /** Incremental form of contentHash, for streams. */
  contentHasher(): { update(data: Buffer): void; digest(): Buffer };
  /**
   * Keys a batch of 16-byte digests at once (AES-256 as a pseudo-random function, one block per
   * digest): per-row HMACs cost a native call each, this costs one per batch.
   */
  keyDigests(digests: Buffer): Buffer;
  /** HMAC-SHA256 binding a pack's row index to the pack (see catalog/index-auth.ts). */
  indexMac(data: string | Buffer): Buffer;
  /** HMAC-SHA256 of what an erasure removed (record ids, matched values): the ledger keeps these, never the plaintext. */
  erasureMac(data: string): Buffer;
}

function derive(dataKey: Buffer, orgId: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.from(orgId), `orgvault ${purpose} v1`, 32));
}

export function deriveOrgKeys(orgId: string, dataKey: Buffer): OrgKeys {
  const hmacKey = derive(dataKey, orgId, 'content-hmac');
  const rowKey = derive(dataKey, orgId, 'row-hash');
  const indexKey = derive(dataKey, orgId, 'row-index-mac');
  const erasureKey = derive(dataKey, orgId, 'erasure-ledger');
  return {
    orgId,
    packKey: derive(dataKey, orgId, 'pack'),
    blobKey: derive(dataKey, orgId, 'blob'),
    secretKey: derive(dataKey, orgId, 'secret-box'),
    contentHash: (data) => createHmac('sha256', hmacKey).update(data).digest(),
    contentHasher: () => {
      const h = createHmac('sha256', hmacKey);
      return { update: (d) => void h.update(d), digest: () => h.digest() };
    },
    keyDigests: (digests) => {
      const ecb = createCipheriv('aes-256-ecb', rowKey, null).setAutoPadding(false);
      return Buffer.concat([ecb.update(digests), ecb.final()]);
    },
    indexMac: (data) => createHmac('sha256', indexKey).update(data).digest(),
    erasureMac: (data) => createHmac('sha256', erasureKey).update(data).digest(),
  };
}

/**
 * Per-org data keys: created on first use, stored wrapped by the KEK in org_keys, kept unwrapped
 * only in this process's memory.
 */
export class Keyring {
  private readonly cache = new Map<string, Promise<OrgKeys>>();

  constructor(
    private readonly pool: Pool,
    readonly kek: KeyEncryptionKey,
  ) {}

  forOrg(orgId: string): Promise<OrgKeys> {
    let keys = this.cache.get(orgId);
    if (!keys) {
      keys = this.load(orgId);
      this.cache.set(orgId, keys);
      keys.catch(() => this.cache.delete(orgId));
    }
    return keys;
  }

  /** The org's key was deleted with its backups: this process must not keep using it. */
  forget(orgId: string): void {
    this.cache.delete(orgId);
  }

  private async load(orgId: string): Promise<OrgKeys> {
    const existing = await this.read(orgId);
    if (existing) return existing;
    await this.assertOneKek();
    const wrapped = await this.kek.wrap(randomBytes(32), orgId);
    // Two processes may create a key at once: the first insert wins and both use its key.
    await this.pool.query(INSERT_ORG_KEY, [orgId, this.kek.id, wrapped]);
    const created = await this.read(orgId);
    if (!created) throw new OrgVaultError('INTERNAL', `The data key of org ${orgId} vanished after it was created`);
    return created;
  }

  /**
   * A new org key goes under the KEK the others are under: a key file path mistyped or moved
   * without its file would otherwise create a fresh KEK and split the orgs between two keys, and
   * pointing back at the right file would then strand the orgs connected meanwhile.
   */
  private async assertOneKek(): Promise<void> {
    const { rows } = await this.pool.query<{ kek_id: string }>(OTHER_KEK, [this.kek.id]);
    const other = rows[0]?.kek_id;
    if (other === undefined) return;
    throw new OrgVaultError('KEY_ERROR', `Org data keys are wrapped by key ${other}, not by the configured ${this.kek.id}`, {
      actions: [
        'Configure the key-encryption key in use (ORGVAULT_KEY_FILE or AZURE_KEY_VAULT_KEY_ID); a missing key file is restored from its backup, never recreated.',
      ],
    });
  }

  private async read(orgId: string): Promise<OrgKeys | undefined> {
    const { rows } = await this.pool.query<{ kek_id: string; wrapped_key: Buffer }>(ORG_KEY, [orgId]);
    const row = rows[0];
    if (!row) return undefined;
    if (row.kek_id !== this.kek.id) {
      throw new OrgVaultError(
        'KEY_ERROR',
        `The data key of org ${orgId} was wrapped by key ${row.kek_id}, not by the configured ${this.kek.id}`,
        {
          actions: [
            'Configure the key-encryption key that was in use when this org was first backed up (ORGVAULT_KEY_FILE or AZURE_KEY_VAULT_KEY_ID).',
          ],
        },
      );
    }
    return deriveOrgKeys(orgId, await this.kek.unwrap(row.wrapped_key, orgId));
  }
}
