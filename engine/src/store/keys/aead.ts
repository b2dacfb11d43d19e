import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { OrgVaultError } from '../../errors.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random nonce: nonce | ciphertext | tag. The associated data binds the
 * ciphertext to where it belongs (org, pack id, ...) so it cannot be moved elsewhere unnoticed.
 */
export function seal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = cipher.update(plain);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/** Opens what seal() made; a wrong key, wrong place or any flipped bit is an INTEGRITY_ERROR. */
export function open(key: Buffer, sealed: Buffer, aad: string, what: string): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw integrityError(what, 'too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw integrityError(what, 'authentication failed', err);
  }
}

export function integrityError(what: string, why: string, cause?: unknown): OrgVaultError {
  return new OrgVaultError('INTEGRITY_ERROR', `${what} failed verification: ${why}`, {
    actions: ['Run `orgvault check --read-data 100` to list every damaged item; restore the database or blob storage from its own backup.'],
    ...(cause === undefined ? {} : { cause }),
  });
}
