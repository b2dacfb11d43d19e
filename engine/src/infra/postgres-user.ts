import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';

/** The OS user PostgreSQL runs as when we are root (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

const USER = 'postgres';

export const isRoot = (): boolean => process.getuid?.() === 0;

function ids(): RunAs | undefined {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** As root: the `postgres` user (made when missing), owning the cluster directory. Otherwise none. */
export function postgresUser(databaseDir: string): RunAs | undefined {
  if (!isRoot()) return undefined;
  let user = ids();
  if (!user) {
    try {
      if (spawnSync('getent', ['group', USER]).status !== 0) execFileSync('groupadd', ['--system', USER], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--no-create-home', '--gid', USER, USER], { stdio: 'pipe' });
    } catch (err) {
      throw new OrgVaultError('EMBEDDED_START_FAILED', `Could not create the '${USER}' OS user embedded PostgreSQL runs as`, {
        actions: [`Create it (useradd --system ${USER}), run OrgVault as another user, or set DATABASE_URL.`],
        cause: err,
      });
    }
    user = ids();
    if (!user) throw new OrgVaultError('EMBEDDED_START_FAILED', `The '${USER}' OS user cannot be found after creating it`);
  }
  chownSync(databaseDir, user.uid, user.gid);
  return user;
}

/** Whether `user` may enter this folder (search permission), asked of the system itself. */
function mayEnter(user: RunAs, dir: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * PostgreSQL, run as `postgres`, must reach its programs and its cluster directory. A checkout or
 * data directory under a folder only root may enter (/root, a mktemp -d folder) fails deep inside
 * initdb with EACCES; this names the folder and the fixes before anything starts.
 */
export function assertReachable(user: RunAs, paths: string[]): void {
  for (const target of paths) {
    const chain: string[] = [];
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      chain.unshift(dir);
      if (path.dirname(dir) === dir) break;
    }
    const blocked = chain.find((dir) => !mayEnter(user, dir));
    if (blocked === undefined) continue;
    throw new OrgVaultError(
      'EMBEDDED_START_FAILED',
      `Embedded PostgreSQL cannot start: it runs as the '${USER}' user (PostgreSQL refuses root), which may not enter ${blocked} (needed to reach ${target})`,
      {
        actions: [
          `Run OrgVault as a user other than root, or give others search permission on the folder: chmod o+x ${blocked}`,
          'Or set DATABASE_URL to use a PostgreSQL of your own.',
        ],
        details: { folder: blocked, path: target },
      },
    );
  }
}
