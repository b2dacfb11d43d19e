import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';
import type { Logger } from './logger.js';
import { assertPortFree } from './ports.js';
import { stopStale, writePid, removePid } from './pidfile.js';
import { ownChild } from './shutdown.js';

export interface EmbeddedAzurite {
  connectionString: string;
  /**
   * Files recorded from this time on may be gone: Azurite keeps what it knows of its blobs in
   * memory and saves it every 5 s (its LokiJS autosave, not configurable), and on an orderly stop.
   * A kill before a save drops the writes it acknowledged since; this is when the last save, less
   * a margin for serialising before the file is written, began.
   */
  unprovenSince: Date;
  stop(): Promise<void>;
}

// Azurite's metadata databases (its DEFAULT_BLOB_LOKI_DB_PATH and DEFAULT_BLOB_EXTENT_LOKI_DB_PATH).
const LOKI_FILES = ['__azurite_db_blob__.json', '__azurite_db_blob_extent__.json'];
const SAVE_MARGIN_MS = 2000;

/** The older of the two metadata saves (each is written whole and renamed into place); epoch when one is absent. */
function lastSave(location: string): Date {
  let oldest = Infinity;
  for (const file of LOKI_FILES) {
    try {
      oldest = Math.min(oldest, statSync(path.join(location, file)).mtimeMs);
    } catch {
      return new Date(0);
    }
  }
  return new Date(oldest - SAVE_MARGIN_MS);
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
  // Read before this start loads (and later re-saves) the databases.
  const unprovenSince = lastSave(location);
  const child = spawnAzurite(location, port);
  writePid(pidFile, child.pid ?? 0);
  await untilListening(child);
  log.debug({ component: 'azurite', port }, 'azurite ready');
  return { connectionString: azuriteConnectionString(port), unprovenSince, stop: () => stopChild(child, pidFile) };
}

function spawnAzurite(location: string, port: number): ChildProcess {
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
  return child;
}

function untilListening(child: ChildProcess): Promise<void> {
  let output = '';
  return new Promise<void>((resolve, reject) => {
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
}

function stopChild(child: ChildProcess, pidFile: string): Promise<void> {
  return new Promise<void>((resolve) => {
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
  });
}
