import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { alive } from './pidfile.js';

/**
 * The process that started the embedded services records where they listen. Another engine
 * process or a CLI command on the same data directory attaches to them while that owner lives,
 * rather than treating them as orphans to stop.
 */
interface Owner {
  pid: number;
  databaseUrl: string;
  storageConnectionString: string;
}

const file = (dataDir: string): string => path.join(dataDir, 'embedded.json');

export function readOwner(dataDir: string): Omit<Owner, 'pid'> | undefined {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(file(dataDir), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
  return owner.pid !== process.pid && alive(owner.pid) ? owner : undefined;
}

export function writeOwner(dataDir: string, where: Omit<Owner, 'pid'>): void {
  writeFileSync(file(dataDir), JSON.stringify({ pid: process.pid, ...where }), { mode: 0o600 });
}

export function removeOwner(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}
