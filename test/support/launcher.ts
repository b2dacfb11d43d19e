/**
 * `npm start`'s launcher as a terminal runs it: in a process group of its own, so a test can send
 * Ctrl-C to the whole group as a terminal does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export interface Launch {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function launch(env: Record<string, string>, asUser?: string): Launch {
  let out = '';
  let err = '';
  const node = [process.execPath, '--import', 'tsx', 'scripts/start.ts'];
  const [cmd, ...args] = asUser ? ['runuser', '-u', asUser, '--', ...node] : node;
  const child = spawn(cmd!, args, {
    cwd: ROOT,
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

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const postmasterPid = (dataDir: string): number =>
  Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

export const azuritePid = (dataDir: string): number => Number(readFileSync(path.join(dataDir, 'azurite.pid'), 'utf8').trim());
