import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { OrgVaultError, fromSystemError } from '../../errors.js';
import { open, seal } from './aead.js';

/**
 * The key-encryption key (KEK) wraps each org's data key. Data keys never leave the process
 * unwrapped; only the KEK's holder (a local file, or Azure Key Vault) can unwrap them.
 */
export interface KeyEncryptionKey {
  /** Names the key without revealing it; stored beside every key it wraps. */
  readonly id: string;
  /** `context` says what the key is for (e.g. the org id); where supported it is bound in. */
  wrap(key: Buffer, context: string): Promise<Buffer>;
  /** Fails with KEY_ERROR when this KEK did not wrap `wrapped` (or it was altered). */
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

const FILE_PREFIX = 'orgvault-kek-v1:';

/**
 * A KEK held in a local file: 32 random bytes, created on first use with mode 0600 in a 0700
 * directory. Losing the file loses every backup it protects; see docs/operations.md.
 */
export function localFileKek(file: string): KeyEncryptionKey {
  const key = loadOrCreateKeyFile(file);
  const id = `local:${createHash('sha256').update('orgvault-kek-id').update(key).digest('hex').slice(0, 16)}`;
  return {
    id,
    wrap: async (dataKey, context) => seal(key, dataKey, `kek:${context}`),
    unwrap: async (wrapped, context) => {
      try {
        return open(key, wrapped, `kek:${context}`, 'Wrapped key');
      } catch (err) {
        throw new OrgVaultError('KEY_ERROR', `The key file ${file} cannot unwrap this key (key id ${id})`, {
          actions: ['Point ORGVAULT_KEY_FILE at the key file that was in use when the data was stored.'],
          cause: err,
        });
      }
    },
  };
}

function loadOrCreateKeyFile(file: string): Buffer {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let fd: number;
    try {
      // 'wx' creates atomically: two processes starting at once cannot both write a key.
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKeyFile(file, readFileSync(file, 'utf8'));
      throw err;
    }
    const key = randomBytes(32);
    try {
      writeSync(fd, `${FILE_PREFIX}${key.toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
    return key;
  } catch (err) {
    if (err instanceof OrgVaultError) throw err;
    throw fromSystemError(err, `Key file ${file}`);
  }
}

function parseKeyFile(file: string, text: string): Buffer {
  const line = text.trim();
  const key = line.startsWith(FILE_PREFIX) ? Buffer.from(line.slice(FILE_PREFIX.length), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new OrgVaultError('KEY_ERROR', `The key file ${file} is not an OrgVault key file`, {
      actions: ['Restore the key file from your key backup; never edit it by hand.'],
    });
  }
  return key;
}
