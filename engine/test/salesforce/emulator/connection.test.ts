import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDb, type TestDb } from '../../../../test/support/db.js';
import { openConnection } from '../../../src/salesforce/connection.js';
import { connectOrg, ConnectionRepository, openStoredConnection, type SecretBox } from '../../../src/salesforce/connection-repository.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { FAST_RETRY, startTestOrg, type TestOrg } from './org.js';
import { EMULATOR_ORIGINS as origins } from '../../../../test/support/origins.js';

const box: SecretBox = {
  seal: (s) => `sealed:${Buffer.from(s).toString('base64')}`,
  open: (s) => Buffer.from(s.slice('sealed:'.length), 'base64').toString(),
};

describe('connecting to an org (emulator)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let org: TestOrg;
  let db: TestDb;
  beforeAll(async () => {
    org = await startTestOrg({
      timeZone: 'Europe/Berlin',
      isSandbox: true,
      jwtCertificate: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      jwtClientId: 'CONSUMER_KEY',
    });
    db = await createTestDb();
  });
  afterAll(async () => {
    await org.stop();
    await db.drop();
  });

  /** A tenant of its own, and the emulator org connected for it by refresh token. */
  async function connectNewTenant(options: { budgetPercent?: number } = {}) {
    const tenantId = randomUUID();
    await db.pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, tenantId]);
    const credentials = { kind: 'refreshToken' as const, loginUrl: org.emu.instanceUrl, clientId: 'x', refreshToken: org.emu.refreshToken };
    const { orgId } = await connectOrg(db.pool, box, { tenantId, credentials, options: { ...options, origins } });
    return { tenantId, credentials, orgId };
  }

  it('with an access token: reads who we are and the org (name, sandbox, time zone)', async () => {
    const conn = await openConnection(
      { kind: 'accessToken', accessToken: org.emu.accessToken, instanceUrl: org.emu.instanceUrl },
      { origins },
    );
    expect(conn.identity).toMatchObject({
      orgId: org.emu.orgId,
      userId: org.emu.userId,
      username: org.emu.username,
      isSandbox: true,
      timeZone: 'Europe/Berlin',
    });
    expect(conn.identity.name).not.toBe('');
  });

  it('with a refresh token: renews by itself after the session expires', async () => {
    const conn = await org.connect();
    const before = (await conn.tokens.session()).accessToken;
    await org.admin('/sessions/expire', {});
    const rows = await queryRecords(conn, 'SELECT Id FROM Account LIMIT 5');
    expect(rows).toHaveLength(5);
    expect((await conn.tokens.session()).accessToken).not.toBe(before);
  });

  it('parallel calls after an expiry share one renewal', async () => {
    let grants = 0;
    const conn = await org.connect({ onGrant: () => void grants++ });
    await org.admin('/sessions/expire', {});
    await Promise.all(Array.from({ length: 5 }, () => queryRecords(conn, 'SELECT Id FROM Account LIMIT 1')));
    expect(grants).toBe(2); // the opening grant and one renewal
  });

  it('an access token that expired cannot be renewed: ORG_AUTH_FAILED', async () => {
    const accessToken = await org.accessToken();
    const conn = await openConnection({ kind: 'accessToken', accessToken, instanceUrl: org.emu.instanceUrl }, { origins });
    await org.admin('/sessions/expire', { token: accessToken });
    await expect(queryRecords(conn, 'SELECT Id FROM Account')).rejects.toMatchObject({ code: 'ORG_AUTH_FAILED' });
  });

  it('a revoked refresh token becomes ORG_AUTH_FAILED with an action', async () => {
    await expect(
      openConnection(
        { kind: 'refreshToken', loginUrl: org.emu.instanceUrl, clientId: 'x', refreshToken: 'revoked-or-unknown' },
        { origins },
      ),
    ).rejects.toMatchObject({
      code: 'ORG_AUTH_FAILED',
      details: { errorCode: 'invalid_grant' },
      actions: [expect.stringMatching(/reconnect/i)],
    });
  });

  it('with a JWT bearer key: signs in, and a wrong consumer key is refused', async () => {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const conn = await openConnection(
      {
        kind: 'jwt',
        loginUrl: org.emu.instanceUrl,
        clientId: 'CONSUMER_KEY',
        privateKey: pem,
        username: org.emu.username,
      },
      { origins },
    );
    expect(conn.identity.userId).toBe(org.emu.userId);
    await org.admin('/sessions/expire', {});
    expect(await queryRecords(conn, 'SELECT Id FROM Account LIMIT 1')).toHaveLength(1);
    await expect(
      openConnection(
        { kind: 'jwt', loginUrl: org.emu.instanceUrl, clientId: 'OTHER', privateKey: pem, username: org.emu.username },
        { origins },
      ),
    ).rejects.toMatchObject({ code: 'ORG_AUTH_FAILED' });
  });

  it('connectOrg records the org and its sealed credentials; the stored connection opens again', async () => {
    const { tenantId, credentials, orgId } = await connectNewTenant({ budgetPercent: 30 });
    const { rows } = await db.pool.query('SELECT sf_org_id, is_sandbox, time_zone, instance_url FROM orgs WHERE id = $1', [orgId]);
    expect(rows[0]).toEqual({ sf_org_id: org.emu.orgId, is_sandbox: true, time_zone: 'Europe/Berlin', instance_url: org.emu.instanceUrl });
    const again = await connectOrg(db.pool, box, { tenantId, credentials, options: { origins } });
    expect(again.orgId).toBe(orgId);
    const repo = new ConnectionRepository(db.pool, box);
    const conn = await openStoredConnection(repo, orgId, { retry: FAST_RETRY, origins });
    expect(conn.budget.capPercent).toBe(30);
    expect(conn.identity.orgId).toBe(org.emu.orgId);
  });

  it('a stored connection whose refresh token is refused is marked auth_failed', async () => {
    const { credentials, orgId } = await connectNewTenant();
    const repo = new ConnectionRepository(db.pool, box);
    await repo.updateCredentials(orgId, { ...credentials, refreshToken: 'revoked' });
    await expect(openStoredConnection(repo, orgId, { origins })).rejects.toMatchObject({ code: 'ORG_AUTH_FAILED' });
    expect(await repo.load(orgId)).toMatchObject({ status: 'auth_failed' });
  });

  it('hands jsforce a connection on the same session that renews through us', async () => {
    const conn = await org.connect();
    const jsforce = await conn.jsforce();
    await org.admin('/sessions/expire', {});
    const res = await jsforce.query<{ Id: string }>('SELECT Id FROM Account LIMIT 2');
    expect(res.records).toHaveLength(2);
    expect(jsforce.accessToken).toBe((await conn.tokens.session()).accessToken);
  });

  // Last: it revokes the emulator's one refresh token.
  it('a refresh token revoked while connected: the next renewal fails and marks the connection', async () => {
    const { orgId } = await connectNewTenant();
    const repo = new ConnectionRepository(db.pool, box);
    const conn = await openStoredConnection(repo, orgId, { retry: FAST_RETRY, origins });
    await fetch(`${org.emu.instanceUrl}/services/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: org.emu.refreshToken }),
    });
    await org.admin('/sessions/expire', {});
    await expect(queryRecords(conn, 'SELECT Id FROM Account LIMIT 1')).rejects.toMatchObject({ code: 'ORG_AUTH_FAILED' });
    expect(await repo.load(orgId)).toMatchObject({ status: 'auth_failed' });
  });
});
