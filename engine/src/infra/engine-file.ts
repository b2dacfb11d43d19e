import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alive } from './pidfile.js';

/**
 * A running engine records where its API listens in its data directory, so `orgvault` on the same
 * data directory asks it instead of starting the embedded services again (the CLI's fast path).
 */
interface EngineFile {
  pid: number;
  url: string;
}

const file = (dataDir: string): string => path.join(dataDir, 'engine.json');

/** An address the engine listens on that this machine can call (a wildcard host is not one). */
export function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export function writeEngineFile(dataDir: string, url: string): void {
  writeFileSync(file(dataDir), JSON.stringify({ pid: process.pid, url } satisfies EngineFile), { mode: 0o600 });
}

/** The API of the engine running for this data directory, while its process lives. */
export function readEngineFile(dataDir: string): { url: string } | undefined {
  let engine: EngineFile;
  try {
    engine = JSON.parse(readFileSync(file(dataDir), 'utf8')) as EngineFile;
  } catch {
    return undefined;
  }
  return engine.pid !== process.pid && alive(engine.pid) ? { url: engine.url } : undefined;
}

/** Only our own: another engine on the same data directory may have written it since. */
export function removeEngineFile(dataDir: string): void {
  try {
    if ((JSON.parse(readFileSync(file(dataDir), 'utf8')) as EngineFile).pid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(file(dataDir), { force: true });
}
