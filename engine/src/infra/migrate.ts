import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrgVaultError } from '../errors.js';
import type { Pool, PoolClient } from './db.js';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

const SRC_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Each domain keeps its SQL beside its code in a `migrations/` folder; versions are global (see
 * docs/architecture.md for the number range each domain owns) so one ordered list results.
 */
export function discoverMigrations(root = SRC_ROOT): Migration[] {
  const found: Migration[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (!statSync(full).isDirectory()) continue;
      if (entry === 'migrations') {
        for (const file of readdirSync(full)) {
          const m = FILE_RE.exec(file);
          if (!m) continue;
          const sql = readFileSync(path.join(full, file), 'utf8');
          found.push({
            version: Number(m[1]),
            name: m[2]!,
            file: path.relative(root, path.join(full, file)),
            sql,
            checksum: createHash('sha256').update(sql).digest('hex'),
          });
        }
      } else walk(full);
    }
  };
  walk(root);
  found.sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.version === found[i - 1]!.version) {
      throw new OrgVaultError(
        'MIGRATION_FAILED',
        `Two migrations share version ${found[i]!.version}: ${found[i - 1]!.file} and ${found[i]!.file}`,
      );
    }
  }
  return found;
}

/**
 * Lets the engine's role read and write every table of the schema, at each start (so tables of new
 * migrations too), and nothing more: it owns nothing, so it cannot alter a table, switch its
 * triggers off or TRUNCATE, and what a table's trigger refuses (the audit trail's UPDATE and
 * DELETE) stays refused for it.
 */
async function grantEngineRole(client: PoolClient, schema: string, role: string): Promise<void> {
  const r = `"${role.replaceAll('"', '""')}"`;
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${r}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${r}`);
  await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${r}`);
}

/**
 * Applies pending migrations under a session advisory lock, so concurrent engine processes
 * serialise here and the later ones find nothing left to do. Each migration runs in its own
 * transaction together with its bookkeeping row.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  migrations = discoverMigrations(),
  options: { grantTo?: string } = {},
): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`orgvault-migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path = ${schema}, public`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
      const done = new Map(rows.map((r) => [r.version, r.checksum]));
      for (const m of migrations) {
        const previous = done.get(m.version);
        if (previous !== undefined) {
          if (previous !== m.checksum) {
            throw new OrgVaultError('MIGRATION_FAILED', `Migration ${m.file} changed after it was applied`, {
              actions: ['Never edit an applied migration; add a new one with a higher version.'],
            });
          }
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            m.checksum,
          ]);
          await client.query('COMMIT');
          applied.push(m.version);
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new OrgVaultError('MIGRATION_FAILED', `Migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
        }
      }
      if (options.grantTo) await grantEngineRole(client, schema, options.grantTo);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`orgvault-migrate:${schema}`]).catch(() => undefined);
      await client.query('RESET search_path').catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}
