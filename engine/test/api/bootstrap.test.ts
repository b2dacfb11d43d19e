import { describe, it, expect, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createTestDb, testDatabaseUrl, testStorageConnectionString, type TestDb } from '../../../test/support/db.js';
import { createPool } from '../../src/infra/db.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/infra/logger.js';
import { startEngine } from '../../src/main.js';
import { ApiKeyService } from '../../src/tenants/keys.js';
import { bootstrapTenant, ensureBootstrapKey } from '../../src/tenants/tenants.js';
import { OrgVaultError } from '../../src/errors.js';

const newKey = (): string => `ovk_${randomBytes(32).toString('base64url')}`;

describe('bootstrap: the first tenant and key', () => {
  let db: TestDb | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it('bootstrapTenant makes a tenant and a working key; ORGVAULT_BOOTSTRAP_KEY is idempotent and stays revoked', async () => {
    db = await createTestDb();
    const log = createLogger('silent');
    const made = await bootstrapTenant(db.pool, { name: 'Scripted' });
    const keys = new ApiKeyService(db.pool);
    expect(await keys.authenticate(made.key)).toMatchObject({ tenantId: made.tenant.id, orgId: null });

    const fixed = newKey();
    await Promise.all([ensureBootstrapKey(db.pool, fixed, 'Env', log), ensureBootstrapKey(db.pool, fixed, 'Env', log)]);
    await ensureBootstrapKey(db.pool, fixed, 'Env', log);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM tenants WHERE name = 'Env'");
    expect(rows[0].n).toBe(1);
    const principal = (await keys.authenticate(fixed))!;
    await keys.revoke(principal.tenantId, principal.keyId);
    await ensureBootstrapKey(db.pool, fixed, 'Env', log);
    expect(await keys.authenticate(fixed)).toBeNull();

    await expect(bootstrapTenant(db.pool, { name: 'Weak', key: 'short' })).rejects.toThrow(OrgVaultError);
    const { rows: weak } = await db.pool.query("SELECT count(*)::int AS n FROM tenants WHERE name = 'Weak'");
    expect(weak[0].n).toBe(0); // the tenant is rolled back with its key
  });

  it('the engine started with ORGVAULT_BOOTSTRAP_KEY serves /api/v1, /metrics, /healthz and /readyz', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const key = newKey();
    const config = configSchema.parse({
      port: 0,
      logLevel: 'silent',
      databaseUrl: testDatabaseUrl(),
      databaseSchema: schema,
      azureStorageConnectionString: testStorageConnectionString(),
      keyFile: '/nonexistent/kek.key',
      bootstrapKey: key,
    });
    const engine = await startEngine(config);
    try {
      const me = await fetch(`${engine.url}/api/v1/me`, { headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ tenant: { name: 'default' }, roles: ['administrator'] });
      const orgs = await fetch(`${engine.url}/api/v1/orgs`, { headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'viewer' } });
      expect(await orgs.json()).toEqual({ orgs: [] });
      expect((await fetch(`${engine.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${engine.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${engine.url}/metrics`)).text()).toContain('orgvault_http_requests_total');
      const doc = (await (await fetch(`${engine.url}/api/v1/openapi.json`)).json()) as { openapi: string };
      expect(doc.openapi).toBe('3.1.0');
    } finally {
      await engine.stop();
      const pool = createPool(testDatabaseUrl(), 'public', 1);
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    }
  });
});
