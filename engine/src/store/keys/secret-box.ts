import { randomBytes } from 'node:crypto';
import { OrgVaultError } from '../../errors.js';
import { open, seal } from './aead.js';
import type { KeyEncryptionKey } from './kek.js';
import type { OrgKeys } from './keyring.js';

/** Seals short secrets (refresh tokens, private keys) into printable strings for storage. */
export interface SecretBox {
  seal(plain: string): Promise<string>;
  /** KEY_ERROR when the key in use did not seal it; INTEGRITY_ERROR when it was altered. */
  open(sealed: string): Promise<string>;
}

const KEK_PREFIX = 'ovs1.k.';
const ORG_PREFIX = 'ovs1.o.';

function malformed(): OrgVaultError {
  return new OrgVaultError('INTEGRITY_ERROR', 'A sealed secret is not in the expected format');
}

/**
 * Seals with the KEK by envelope (a fresh key per secret, wrapped by the KEK), so it works alike
 * for a local key file and for Key Vault, which only wraps keys.
 */
export function kekSecretBox(kek: KeyEncryptionKey, context = 'secret-box'): SecretBox {
  return {
    seal: async (plain) => {
      const key = randomBytes(32);
      const wrapped = await kek.wrap(key, context);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(wrapped.length);
      return KEK_PREFIX + Buffer.concat([len, wrapped, seal(key, Buffer.from(plain, 'utf8'), context)]).toString('base64url');
    },
    open: async (sealed) => {
      if (!sealed.startsWith(KEK_PREFIX)) throw malformed();
      const raw = Buffer.from(sealed.slice(KEK_PREFIX.length), 'base64url');
      if (raw.length < 2) throw malformed();
      const len = raw.readUInt16BE(0);
      const key = await kek.unwrap(raw.subarray(2, 2 + len), context);
      return open(key, raw.subarray(2 + len), context, 'Sealed secret').toString('utf8');
    },
  };
}

/** Seals with a key derived from the org's data key: the secret is readable only with that org's key. */
export function orgSecretBox(keys: OrgKeys): SecretBox {
  const aad = `secret:${keys.orgId}`;
  return {
    seal: async (plain) => ORG_PREFIX + seal(keys.secretKey, Buffer.from(plain, 'utf8'), aad).toString('base64url'),
    open: async (sealed) => {
      if (!sealed.startsWith(ORG_PREFIX)) throw malformed();
      return open(keys.secretKey, Buffer.from(sealed.slice(ORG_PREFIX.length), 'base64url'), aad, 'Sealed secret').toString('utf8');
    },
  };
}
