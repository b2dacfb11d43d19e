import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';
import type { Logger } from './logger.js';
import { assertPortFree } from './ports.js';
import { stopStale, writePid, removePid } from './pidfile.js';
import { ownChild } from './shutdown.js';

export interface EmbeddedAzurite {
  connectionString: string;
  stop(): Promise<void>;
}

// Azurite's documented development account; it only ever listens on loopback.
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
}

/** Starts Azurite's blob service (loopback only, telemetry off) with its workspace under dataDir/azurite. */
export async function startAzurite(dataDir: string, port: number, log: Logger): Promise<EmbeddedAzurite> {
  const location = path.join(dataDir, 'azurite');
  mkdirSync(location, { recursive: true });
  const pidFile = path.join(dataDir, 'azurite.pid');
  await stopStale(pidFile, 'SIGTERM');
  await assertPortFree(port, '127.0.0.1', 'Azurite', 'ORGVAULT_AZURITE_PORT');

  const require = createRequire(import.meta.url);
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      location,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
    ],
    // Its own process group: a terminal's Ctrl-C reaches only the engine, which stops Azurite last.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  ownChild(child, 'SIGTERM');
  writePid(pidFile, child.pid ?? 0);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('successfully listens')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(
        new OrgVaultError('EMBEDDED_START_FAILED', `Azurite exited (code ${code}) before it was ready: ${output.trim().slice(-300)}`, {
          actions: ['Set AZURE_STORAGE_CONNECTION_STRING to use Azure Blob Storage instead.'],
        }),
      ),
    );
  });
  log.debug({ component: 'azurite', port }, 'azurite ready');
  return {
    connectionString: azuriteConnectionString(port),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          removePid(pidFile);
          resolve();
          return;
        }
        child.once('exit', () => {
          removePid(pidFile);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
