import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from './harness.js';
import { attachSchedule } from './real-services.js';
import { connectEmulatorOrg } from './bodies.js';
import { startTestOrg, type TestOrg } from '../salesforce/emulator/org.js';
import { SalesforceAdapter } from '../../src/api/adapters/salesforce.js';
import { BackupScope } from '../../src/backup/scope.js';
import { BackupJobsAdapter } from '../../src/api/adapters/backup-jobs.js';
import { BackupJobs } from '../../src/backup/service.js';
import { ConnectionRepository, connectOrg, openStoredConnection, type SecretBox } from '../../src/salesforce/connection-repository.js';
import { EMULATOR_ORIGINS } from '../../../test/support/origins.js';

// Stands in for the store's key (not on main yet): reversible, so the stored secrets can be read back.
const box: SecretBox = {
  seal: (s) => `sealed:${Buffer.from(s).toString('base64')}`,
  open: async (s) => Buffer.from(s.slice('sealed:'.length), 'base64').toString(),
};

type ErrorBody = { error: { code: string; details?: { unknown?: string[] } } };

describe('connect and describe through the salesforce layer, against the org emulator', () => {
  let org: TestOrg;
  let api: TestApi;
  let key: string;
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;

  beforeAll(async () => {
    org = await startTestOrg({ records: 50 });
    api = await startTestApi(({ pool, orgs }) => {
      const connections = new ConnectionRepository(pool, box);
      const sf = new SalesforceAdapter({
        orgs,
        connect: (tenantId, credentials) => connectOrg(pool, box, { tenantId, credentials, options: { origins: EMULATOR_ORIGINS } }),
        scope: new BackupScope({
          scopeOptions: async () => ({}),
          open: (orgId) => openStoredConnection(connections, orgId, { origins: EMULATOR_ORIGINS }),
        }),
      });
      return {
        connect: sf,
        scope: sf,
        jobs: new BackupJobsAdapter(new BackupJobs(pool, { launch: async () => undefined })),
      };
    });
    schedule = await attachSchedule(api);
    ({ key } = await api.newTenant('Acme'));
  });
  afterAll(async () => {
    await schedule.stop();
    await api.stop();
    await org.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { key, roles: ['administrator'], ...(body === undefined ? {} : { body }) });

  it('connects with a refresh token: the tile carries the org identity and an org key for the Named Credential', async () => {
    const r = await admin('POST', '/orgs', connectEmulatorOrg(org.emu));
    expect(r.status).toBe(201);
    const body = r.body as { org: { id: string; sfOrgId: string; instanceUrl: string }; orgKey: { key: string } };
    expect(body.org.sfOrgId).toBe(org.emu.orgId);
    const orgKey = body.orgKey.key;
    const tiles = await api.call('GET', '/orgs', { key: orgKey, roles: ['viewer'] });
    expect((tiles.body as { orgs: Array<{ id: string }> }).orgs.map((o) => o.id)).toEqual([body.org.id]);
    const { rows } = await api.db.pool.query('SELECT sealed_secrets FROM org_connections WHERE org_id = $1', [body.org.id]);
    expect(rows[0].sealed_secrets).toMatch(/^sealed:/);
  });

  it('a refused credential is ORG_AUTH_FAILED and records nothing', async () => {
    const before = await api.db.pool.query('SELECT count(*)::int AS n FROM orgs');
    const r = await admin('POST', '/orgs', {
      method: 'refresh_token',
      loginUrl: org.emu.instanceUrl,
      clientId: 'orgvault-test',
      refreshToken: 'not-a-token',
    });
    expect([r.status, (r.body as ErrorBody).error.code]).toEqual([502, 'ORG_AUTH_FAILED']);
    expect((await api.db.pool.query('SELECT count(*)::int AS n FROM orgs')).rows[0].n).toBe(before.rows[0].n);
  });

  it('lists the objects with their scope, and checks names against describe before anything runs', async () => {
    const orgId = ((await admin('GET', '/orgs')).body as { orgs: Array<{ id: string }> }).orgs[0]!.id;
    const objects = (await admin('GET', `/orgs/${orgId}/objects`)).body as { objects: Array<{ name: string; inScope: boolean }> };
    expect(objects.objects.find((o) => o.name === 'Account')).toMatchObject({ inScope: true });

    const unknown = await admin('POST', `/orgs/${orgId}/jobs`, { objects: ['Account', 'NoSuch__c'] });
    expect([unknown.status, (unknown.body as ErrorBody).error.details?.unknown]).toEqual([400, ['NoSuch__c']]);
    // Known (in any case): the describe lets it through, and the cycle rule answers.
    const known = await admin('POST', `/orgs/${orgId}/jobs`, { objects: ['account'] });
    expect((known.body as ErrorBody).error.code).toBe('FULL_BACKUP_REQUIRED');

    const fields = await admin('PUT', `/orgs/${orgId}/backup-settings`, {
      enabled: true,
      includeFeedAndShare: false,
      excludedObjects: ['Contact'],
      excludedFields: ['Account.Name', 'Account.NoField__c', 'Nope.Name'],
      jobsPerDay: 1,
      startTime: null,
    });
    expect((fields.body as ErrorBody).error.details?.unknown).toEqual(['Nope.Name', 'Account.NoField__c']);
    const { rows } = await api.db.pool.query('SELECT count(*)::int AS n FROM backup_jobs');
    expect(rows[0].n).toBe(0);
  });
});
