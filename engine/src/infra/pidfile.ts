import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A child we started may outlive us when we are killed with SIGKILL. On the next start we stop
 * that orphan (it holds our data directory and port) before starting a fresh one.
 */
export async function stopStale(pidFile: string, signal: NodeJS.Signals = 'SIGINT', waitMs = 15_000): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 1 && alive(pid)) {
    process.kill(pid, signal);
    const deadline = Date.now() + waitMs;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

export function writePid(pidFile: string, pid: number): void {
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePid(pidFile: string): void {
  rmSync(pidFile, { force: true });
}
