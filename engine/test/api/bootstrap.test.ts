import { describe, it, expect, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDb, testDatabaseUrl, testStorageConnectionString, type TestDb } from '../../../test/support/db.js';
import { createPool } from '../../src/infra/db.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/infra/logger.js';
import { startEngine } from '../../src/main.js';
import { ApiKeyService } from '../../src/tenants/keys.js';
import { bootstrapTenant, ensureBootstrapKey } from '../../src/tenants/tenants.js';
import { OrgVaultError } from '../../src/errors.js';
import { bossSchemaFor } from '../../src/schedule/boss.js';
import { connectEmulatorOrg } from './bodies.js';
import { startTestOrg } from '../salesforce/emulator/org.js';
import { EMULATOR_ORIGINS_SETTING } from '../../../test/support/origins.js';

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

  it('the engine started with ORGVAULT_BOOTSTRAP_KEY serves /api/v1 over the composed services, /metrics, /healthz and /readyz', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const key = newKey();
    const config = configSchema.parse({
      port: 0,
      logLevel: 'silent',
      databaseUrl: testDatabaseUrl(),
      databaseSchema: schema,
      azureStorageConnectionString: testStorageConnectionString(),
      keyFile: path.join(mkdtempSync(path.join(tmpdir(), 'orgvault-kek-')), 'kek.key'),
      bootstrapKey: key,
      metricsToken: 'scraper-token-0123456789',
      salesforceOrigins: EMULATOR_ORIGINS_SETTING,
      // Hosting for others: a tenant without a subscription gets Essentials' one job a day (self-hosted: test/e2e/self-hosted.test.ts).
      subscriptionLimits: 'true',
    });
    const engine = await startEngine(config);
    const scrape = () => fetch(`${engine.url}/metrics`, { headers: { Authorization: 'Bearer scraper-token-0123456789' } });
    const org = await startTestOrg({ records: 20 });
    try {
      const me = await fetch(`${engine.url}/api/v1/me`, { headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ tenant: { name: 'default' }, roles: ['administrator'] });
      const orgs = await fetch(`${engine.url}/api/v1/orgs`, { headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'viewer' } });
      expect(await orgs.json()).toEqual({ orgs: [] });
      expect((await fetch(`${engine.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${engine.url}/readyz`)).status).toBe(200);
      expect(await (await scrape()).text()).toContain('orgvault_http_requests_total');
      const unscraped = await fetch(`${engine.url}/metrics`, { headers: { Authorization: 'Bearer scraper-token-9876543210' } });
      expect([unscraped.status, ((await unscraped.json()) as { error: { code: string } }).error.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect((await fetch(`${engine.url}/metrics`)).status).toBe(401);
      const doc = (await (await fetch(`${engine.url}/api/v1/openapi.json`)).json()) as { openapi: string };
      expect(doc.openapi).toBe('3.1.0');

      // The composed services: connect (salesforce/, secrets sealed by the store's key), the
      // schedule's plan and settings, describe, the permission check, and the backup runner.
      const call = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(`${engine.url}/api/v1${p}`, {
          method,
          headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator', 'Content-Type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const connected = await call('POST', '/orgs', connectEmulatorOrg(org.emu));
      expect(connected.status).toBe(201);
      const orgId = connected.body.org.id as string;
      expect(Date.parse(connected.body.org.nextBackupAt)).toBeGreaterThan(Date.now());
      const pool = createPool(testDatabaseUrl(), schema, 1);
      const { rows } = await pool.query('SELECT sealed_secrets FROM org_connections WHERE org_id = $1', [orgId]);
      await pool.end();
      expect(rows[0].sealed_secrets).not.toContain(org.emu.refreshToken);
      expect((await call('GET', `/orgs/${orgId}/objects`)).body.objects).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'Account', inScope: true })]),
      );
      expect((await call('GET', `/orgs/${orgId}/backup-settings`)).body).toMatchObject({ enabled: true, maxJobsPerDay: 1 });
      expect((await call('POST', `/orgs/${orgId}/permission-check/runs`)).status).toBe(202);
      expect((await call('GET', `/orgs/${orgId}/permission-check/report`)).body.objectPermissions.length).toBeGreaterThan(0);
      // Back up now: the engine's own worker runs the job against the org.
      const start = await call('POST', `/orgs/${orgId}/jobs`);
      expect([start.status, start.body.status]).toEqual([202, 'queued']);
      let job = start.body;
      while (!['succeeded', 'partial', 'failed'].includes(job.status as string)) {
        await new Promise((r) => setTimeout(r, 200));
        job = (await call('GET', `/orgs/${orgId}/jobs/${start.body.id}`)).body;
      }
      expect(job.status).toBe('succeeded');
      expect(job.objectDetails.find((o: { name: string }) => o.name === 'Account')).toMatchObject({ status: 'succeeded' });
      const tile = (await call('GET', `/orgs/${orgId}`)).body;
      expect(tile.lastJob).toMatchObject({ id: start.body.id, status: 'succeeded' });
      expect(tile.currentJob).toBeNull();
      const metrics = await (await scrape()).text();
      expect(metrics).toMatch(/orgvault_jobs_total\{kind="full",status="succeeded"\} [1-9]/);
      expect(metrics).toMatch(/orgvault_records_total\{path="backup"\} [1-9]/);
      expect(metrics).toMatch(/orgvault_salesforce_api_calls_total\{api="bulk"\} [1-9]/);
      const again = await call('POST', `/orgs/${orgId}/jobs`);
      expect([again.status, again.body.error.code]).toEqual([429, 'DAILY_JOB_LIMIT']);
    } finally {
      await engine.stop();
      await org.stop();
      const pool = createPool(testDatabaseUrl(), 'public', 1);
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS ${bossSchemaFor(schema)} CASCADE`);
      await pool.end();
    }
  });
});
