import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { ConnectionRepository, type SecretBox } from '../../src/salesforce/connection-repository.js';
import type { OrgCredentials } from '../../src/salesforce/credentials.js';

/** Stands in for the store's key-file box: reversible, and visibly not the plain text. */
const box: SecretBox = {
  seal: (s) => `sealed:${Buffer.from(s).toString('base64')}`,
  open: async (s) => Buffer.from(s.slice('sealed:'.length), 'base64').toString(),
};

describe('ConnectionRepository', () => {
  let db: TestDb;
  let orgId: string;
  beforeAll(async () => {
    db = await createTestDb();
    const tenantId = randomUUID();
    orgId = randomUUID();
    await db.pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 't']);
    await db.pool.query('INSERT INTO orgs (id, tenant_id, sf_org_id, name, instance_url) VALUES ($1, $2, $3, $4, $5)', [
      orgId,
      tenantId,
      '00D000000000001EAA',
      'Acme',
      'https://acme.my.salesforce.com',
    ]);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores each kind of credentials with its secrets sealed, and opens them again', async () => {
    const repo = new ConnectionRepository(db.pool, box);
    const kinds: OrgCredentials[] = [
      {
        kind: 'refreshToken',
        loginUrl: 'https://login.salesforce.com',
        clientId: 'CID',
        clientSecret: 'CSECRET',
        refreshToken: 'RT-SECRET',
      },
      {
        kind: 'jwt',
        loginUrl: 'https://test.salesforce.com',
        clientId: 'CID',
        privateKey: '-----BEGIN PRIVATE KEY-----X',
        username: 'u@x.com',
      },
      { kind: 'accessToken', accessToken: '00D!SECRET', instanceUrl: 'https://acme.my.salesforce.com' },
      { kind: 'sfCli', usernameOrAlias: 'acme' },
    ];
    for (const credentials of kinds) {
      await repo.save(orgId, credentials, { apiVersion: '62.0', sfUserId: '005000000000001AAA', username: 'u@x.com' });
      const stored = await repo.load(orgId);
      expect(stored).toMatchObject({ credentials, apiVersion: '62.0', budgetPercent: 50, status: 'connected' });
      const { rows } = await db.pool.query('SELECT row_to_json(c)::text AS t FROM org_connections c WHERE org_id = $1', [orgId]);
      for (const secret of ['CSECRET', 'RT-SECRET', 'BEGIN PRIVATE KEY', '00D!SECRET']) expect(rows[0].t).not.toContain(secret);
    }
  });

  it('keeps the budget share across saves, replaces rotated secrets, records refusals', async () => {
    const repo = new ConnectionRepository(db.pool, box);
    const c: OrgCredentials = { kind: 'refreshToken', loginUrl: 'https://login.salesforce.com', clientId: 'CID', refreshToken: 'RT1' };
    await repo.save(orgId, c, { apiVersion: '62.0', budgetPercent: 20 });
    await repo.save(orgId, c, { apiVersion: '62.0' });
    expect((await repo.load(orgId))!.budgetPercent).toBe(20);
    await repo.setBudgetPercent(orgId, 75);
    await expect(repo.setBudgetPercent(orgId, 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await repo.updateCredentials(orgId, { ...c, refreshToken: 'RT2' });
    await repo.markAuthFailed(orgId, 'invalid_grant');
    expect(await repo.load(orgId)).toMatchObject({
      budgetPercent: 75,
      credentials: { refreshToken: 'RT2' },
      status: 'auth_failed',
      statusMessage: 'invalid_grant',
    });
    await repo.save(orgId, c, { apiVersion: '62.0' });
    expect((await repo.load(orgId))!.status).toBe('connected');
    expect(await repo.load(randomUUID())).toBeUndefined();
  });
});
