/**
 * `npm start`'s launcher as a terminal runs it: in a process group of its own, so a test can send
 * Ctrl-C to the whole group as a terminal does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import { freePort } from './ports.js';
export { alive } from '../../engine/src/infra/pidfile.js';

export interface Launch {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function launch(env: Record<string, string>, asUser?: string, cwd = ROOT): Launch {
  let out = '';
  let err = '';
  const node = [process.execPath, '--import', 'tsx', 'scripts/start.ts'];
  const [cmd, ...args] = asUser ? ['runuser', '-u', asUser, '--', ...node] : node;
  const child = spawn(cmd!, args, {
    cwd,
    env: { ...process.env, ORGVAULT_DEMO: 'false', LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function waitFor(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Ports and a data directory of their own for one launcher run, in a folder the `postgres` user may enter. */
export async function launcherEnv(prefix: string): Promise<{ dataDir: string; pgUrl: string; env: Record<string, string> }> {
  const base = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(base, 0o755);
  const dataDir = path.join(base, 'data');
  const pgPort = await freePort();
  return {
    dataDir,
    pgUrl: `postgresql://orgvault:orgvault-local@127.0.0.1:${pgPort}/orgvault`,
    env: {
      ORGVAULT_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      ORGVAULT_EMBEDDED_PG_PORT: String(pgPort),
      ORGVAULT_AZURITE_PORT: String(await freePort()),
    },
  };
}

export const postmasterPid = (dataDir: string): number =>
  Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

export const azuritePid = (dataDir: string): number => Number(readFileSync(path.join(dataDir, 'azurite.pid'), 'utf8').trim());
