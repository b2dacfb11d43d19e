/**
 * The engine works as a role that is neither a superuser nor the tables' owner: in the embedded
 * default (the cluster's owner migrates, the engine's pool is `orgvault_engine`), and with
 * DATABASE_URL beside DATABASE_OWNER_URL. As that role the audit trail's rows cannot be changed
 * or deleted, and the trail's triggers cannot be switched off; a superuser's edit is named by verify.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { startInfra, type Infra } from '../../src/infra/stack.js';
import { createLogger } from '../../src/infra/logger.js';
import { AuditService } from '../../src/audit/index.js';
import { testDatabaseUrl, testStorageConnectionString } from '../../../test/support/db.js';
import { freePort } from '../../../test/support/ports.js';

const log = createLogger('silent');

/** What the engine's own pool may and may not do to the trail. */
async function expectTrailProtected(infra: Infra, schema: string, role: string): Promise<void> {
  const { rows } = await infra.pool.query<{ role: string; rolsuper: boolean }>(
    'SELECT current_user AS role, rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  expect(rows).toEqual([{ role, rolsuper: false }]);
  const audit = new AuditService(infra.pool, log);
  const tenantId = randomUUID();
  for (let i = 0; i < 3; i++)
    await audit.record({ tenantId, actor: 'ann@example.com', source: 'api', action: 'backup.run', outcome: 'succeeded' });
  const q = (text: string) => infra.pool.query(text, text.includes('$1') ? [tenantId] : []);
  await expect(q("UPDATE audit_entries SET actor = 'mallory' WHERE tenant_id = $1 AND seq = 2")).rejects.toThrow(/append-only/);
  await expect(q('DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = 2')).rejects.toThrow(/append-only/);
  await expect(q('TRUNCATE audit_entries')).rejects.toThrow(/permission denied/);
  await expect(q('UPDATE audit_chains SET head_seq = 1 WHERE tenant_id = $1')).rejects.toThrow(/never goes back/);
  // Nor can it switch the refusals off, as an owner or a superuser could.
  await expect(q('ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only')).rejects.toThrow(/must be owner/);
  await expect(q('SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
  expect(await audit.verify(tenantId)).toMatchObject({ ok: true, checked: 3 });

  // The owner (a superuser here) can, deliberately; verify names the entry it changed.
  const owner = new pg.Client({ connectionString: infra.databaseUrl, options: `-c search_path=${schema}` });
  await owner.connect();
  try {
    await owner.query('SET session_replication_role = replica');
    await owner.query("UPDATE audit_entries SET actor = 'mallory' WHERE tenant_id = $1 AND seq = 2", [tenantId]);
  } finally {
    await owner.end();
  }
  expect(await audit.verify(tenantId)).toMatchObject({ ok: false, firstBad: { seq: 2, reason: expect.stringMatching(/changed/) } });
}

describe("the engine's database role", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('embedded: migrations as the owner, the engine as orgvault_engine, also for a second process', async () => {
    const dataDir = mkdtempSync(path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), 'engine-role-'));
    dirs.push(dataDir);
    // Embedded PostgreSQL runs as 'postgres' when we are root: it must be able to enter the folder.
    chmodSync(dataDir, 0o755);
    const config = loadConfig(
      {
        ORGVAULT_DATA_DIR: dataDir,
        ORGVAULT_EMBEDDED_PG_PORT: String(await freePort()),
        AZURE_STORAGE_CONNECTION_STRING: testStorageConnectionString(),
        ORGVAULT_BLOB_CONTAINER: `role-${randomBytes(4).toString('hex')}`,
      },
      dataDir,
    );
    const infra = await startInfra(config, log);
    try {
      await expectTrailProtected(infra, config.databaseSchema, 'orgvault_engine');
      // A CLI command beside the running engine shares its PostgreSQL, as the same role.
      const second = await startInfra(config, log);
      try {
        expect((await second.pool.query('SELECT current_user AS role')).rows).toEqual([{ role: 'orgvault_engine' }]);
      } finally {
        await second.stop();
      }
    } finally {
      await infra.stop();
    }
  });

  it('DATABASE_URL with DATABASE_OWNER_URL: the owner migrates, DATABASE_URL only reads and writes', async () => {
    const role = `ov_engine_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    const engineUrl = new URL(testDatabaseUrl());
    engineUrl.username = role;
    engineUrl.password = password;
    const config = loadConfig(
      {
        DATABASE_URL: engineUrl.toString(),
        DATABASE_OWNER_URL: testDatabaseUrl(),
        ORGVAULT_DB_SCHEMA: schema,
        AZURE_STORAGE_CONNECTION_STRING: testStorageConnectionString(),
        ORGVAULT_BLOB_CONTAINER: `role-${randomBytes(4).toString('hex')}`,
        ORGVAULT_KEY_FILE: path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), `kek-${role}.key`),
      },
      process.env.ORGVAULT_TEST_TMP ?? tmpdir(),
    );
    const infra = await startInfra(config, log);
    try {
      expect(infra.databaseUrl).toBe(testDatabaseUrl());
      await expectTrailProtected(infra, schema, role);
    } finally {
      await infra.stop();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });
});
