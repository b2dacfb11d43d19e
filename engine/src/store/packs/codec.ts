import { createHash } from 'node:crypto';
import { compress, decompress } from '@mongodb-js/zstd';
import type { OrgKeys } from '../keys/keyring.js';
import { integrityError, open, seal } from '../keys/aead.js';
import type { PackFormat } from './batch.js';

/**
 * zstd (native, in libuv's thread pool, so several packs compress at once). Level 6: on record
 * CSV it stores markedly less than level 3 for a modest cost (bench/store-packs.ts measures it).
 */
export const PACK_CODEC = 'zstd';
const LEVEL = 6;

/** What a pack is bound to: moving its bytes to another pack id, org or object fails to open. */
export interface PackIdentity {
  orgId: string;
  packId: string;
  object: string;
  format: PackFormat;
  rowCount: number;
}

function aad(p: PackIdentity): string {
  return `pack|${p.orgId}|${p.packId}|${p.object}|${p.format}|${p.rowCount}`;
}

export interface SealedPack {
  data: Buffer;
  plainHash: Buffer;
  cipherHash: Buffer;
}

export async function sealPack(keys: OrgKeys, id: PackIdentity, plain: Buffer): Promise<SealedPack> {
  const data = seal(keys.packKey, await compress(plain, LEVEL), aad(id));
  return { data, plainHash: keys.contentHash(plain), cipherHash: sha256(data) };
}

export interface StoredPack extends SealedPack {
  codec: string;
}

/** Verifies the stored bytes, then the AEAD tag, then the plaintext's keyed hash. */
export async function openPack(keys: OrgKeys, id: PackIdentity, stored: StoredPack): Promise<Buffer> {
  const what = `Pack ${id.packId}`;
  if (!sha256(stored.data).equals(stored.cipherHash)) throw integrityError(what, 'stored bytes do not match their hash');
  if (stored.codec !== PACK_CODEC) throw integrityError(what, `unknown codec ${stored.codec}`);
  const compressed = open(keys.packKey, stored.data, aad(id), what);
  let plain: Buffer;
  try {
    plain = await decompress(compressed);
  } catch (err) {
    throw integrityError(what, 'does not decompress', err);
  }
  if (!keys.contentHash(plain).equals(stored.plainHash)) throw integrityError(what, 'content does not match its hash');
  return plain;
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
