import { mkdirSync, accessSync, constants, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';

/** Creates the data directory (and sub-directory) and proves it is writable before anything starts. */
export function ensureWritableDir(dir: string, setting = 'ORGVAULT_DATA_DIR'): string {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OrgVaultError('DATA_DIR_UNWRITABLE', `Data directory ${dir} cannot be written (${e.code ?? e.message})`, {
      actions: [`Make ${dir} writable by this user, or set ${setting} to a directory that is.`],
      cause: err,
    });
  }
  return dir;
}
