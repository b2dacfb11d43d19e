import { createHash } from 'node:crypto';
import { Decoder, Encoder } from '@toondepauw/node-zstd';
import type { OrgKeys } from '../keys/keyring.js';
import { integrityError, open, seal } from '../keys/aead.js';
import type { PackFormat } from './batch.js';

/**
 * zstd (native, off the main thread, so several packs compress at once). The level is chosen by
 * bench/store-packs.ts, which measures every candidate against gzip on record CSV.
 */
export const PACK_CODEC = 'zstd';
export const PACK_LEVEL = 1;
const encoder = new Encoder(PACK_LEVEL);
const decoder = new Decoder();

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
  const data = seal(keys.packKey, await encoder.encode(plain), aad(id));
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
    plain = await decoder.decode(compressed);
  } catch (err) {
    throw integrityError(what, 'does not decompress', err);
  }
  if (!keys.contentHash(plain).equals(stored.plainHash)) throw integrityError(what, 'content does not match its hash');
  return plain;
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
