import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromSystemError } from '../errors.js';
import { generateKey, MIN_KEY_LENGTH } from './keys.js';

/**
 * The local admin key: how `orgvault` on the engine's own machine reaches the engine's API. It
 * lives in the data directory (mode 600), next to the database and the key-encryption key, so it
 * gives whoever can read it nothing they could not already read; the engine accepts it from
 * loopback addresses only. It is made once and kept, so every engine process on the same data
 * directory (and every restart) accepts the same key.
 */
export const LOCAL_ADMIN_KEY_FILE = 'local-admin.key';

const file = (dataDir: string): string => path.join(dataDir, LOCAL_ADMIN_KEY_FILE);

/** The key of this data directory, if an engine has made one. */
export function readLocalAdminKey(dataDir: string): string | undefined {
  try {
    const key = readFileSync(file(dataDir), 'utf8').trim();
    return key.length >= MIN_KEY_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the key, or makes it (mode 600; `wx`: two engines starting at once keep the first). */
export function ensureLocalAdminKey(dataDir: string): string {
  const existing = readLocalAdminKey(dataDir);
  if (existing) return existing;
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file(dataDir), `${generateKey()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromSystemError(err, `Writing ${file(dataDir)}`);
  }
  return readLocalAdminKey(dataDir)!;
}

/** Compares digests, so the time taken says nothing about how much of the key was right. */
export function localAdminMatcher(key: string): (presented: string) => boolean {
  const digest = (v: string): Buffer => createHash('sha256').update(v, 'utf8').digest();
  const expected = digest(key);
  return (presented) => timingSafeEqual(digest(presented), expected);
}
