import http from 'node:http';
import net from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from './harness.js';
import { connectEmulatorOrg } from './bodies.js';
import { FAST_RETRY, startTestOrg, type TestOrg } from '../salesforce/emulator/org.js';
import { SalesforceAdapter } from '../../src/api/adapters/salesforce.js';
import { BackupScope } from '../../src/backup/scope.js';
import { ConnectionRepository, connectOrg, openStoredConnection, type SecretBox } from '../../src/salesforce/connection-repository.js';
import { OrgOrigins, SALESFORCE_ONLY } from '../../src/salesforce/origins.js';
import { testDatabaseUrl, testStorageConnectionString } from '../../../test/support/db.js';
import { EMULATOR_ORIGINS } from '../../../test/support/origins.js';

const box: SecretBox = {
  seal: (s) => `sealed:${Buffer.from(s).toString('base64')}`,
  open: async (s) => Buffer.from(s.slice('sealed:'.length), 'base64').toString(),
};

type ErrorBody = { error: { code: string; message: string } };
const MARKER = 'INTERNAL-SERVICE-SECRET-7f3a';

/** A listener that counts the connections made to it and answers HTTP with a marker. */
async function trap(): Promise<{ origin: string; port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${MARKER} `.repeat(40)));
  server.on('connection', () => hits++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('connecting an org: which addresses the engine calls, what it answers, and its org key', () => {
  let org: TestOrg;
  let api: TestApi;
  let key: string;
  let tenantId: string;
  let connections: ConnectionRepository;
  /** What the engine may call; Salesforce's domains unless a test allows more. */
  let origins: OrgOrigins = EMULATOR_ORIGINS;

  beforeAll(async () => {
    org = await startTestOrg({ records: 20 });
    api = await startTestApi(({ pool, orgs }) => {
      connections = new ConnectionRepository(pool, box);
      const sf = new SalesforceAdapter({
        orgs,
        connect: (t, credentials) => connectOrg(pool, box, { tenantId: t, credentials, options: { origins, retry: FAST_RETRY } }),
        scope: new BackupScope({
          scopeOptions: async () => ({}),
          open: (orgId) => openStoredConnection(connections, orgId, { origins, retry: FAST_RETRY }),
        }),
      });
      return { connect: sf, scope: sf };
    });
    ({ key, tenantId } = await api.newTenant('Outbound'));
  });
  afterAll(async () => {
    await api.stop();
    await org.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { key, roles: ['administrator'], ...(body === undefined ? {} : { body }) });
  const orgCount = async () => (await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs')).rows[0]!.n;

  it("refuses any address outside Salesforce's domains before sending anything: the engine's own database, blob store and API among them", async () => {
    origins = SALESFORCE_ONLY;
    const t = await trap();
    try {
      const pg = new URL(testDatabaseUrl());
      const blob = /BlobEndpoint=(https?:\/\/[^/;]+)/.exec(testStorageConnectionString())![1]!;
      const targets = [
        t.origin,
        `http://${pg.hostname}:${pg.port}`,
        blob,
        api.url,
        `https://127.0.0.1:${t.port}`,
        'https://169.254.169.254',
        'https://login.salesforce.com.evil.test',
        'https://login.salesforce.com@127.0.0.1',
        'https://evil.test/#.my.salesforce.com',
        'http://login.salesforce.com',
        'https://login.salesforce.com:8443',
        'https://login.salesforce.com/services/oauth2/token',
      ];
      const before = await orgCount();
      const answers = new Set<string>();
      for (const url of targets) {
        for (const body of [
          { method: 'access_token', instanceUrl: url, accessToken: '00D000000000001!token' },
          { method: 'refresh_token', loginUrl: url, clientId: 'app', refreshToken: 'token' },
        ]) {
          const r = await admin('POST', '/orgs', body);
          answers.add(JSON.stringify([r.status, body.method === 'access_token', r.body]));
        }
      }
      // Two answers (one per field name), each the same for every address.
      expect([...answers].map((a) => JSON.parse(a) as [number, boolean, ErrorBody]).map(([s, , b]) => [s, b.error.code])).toEqual([
        [400, 'URL_NOT_ALLOWED'],
        [400, 'URL_NOT_ALLOWED'],
      ]);
      expect(t.hits()).toBe(0);
      expect(await orgCount()).toBe(before);
    } finally {
      origins = EMULATOR_ORIGINS;
      await t.close();
    }
  });

  it('answers one error, never echoing the reply, whether nothing listens, another protocol does, or another HTTP service', async () => {
    const t = await trap();
    try {
      const pg = new URL(testDatabaseUrl());
      const blob = /BlobEndpoint=(https?:\/\/[^/;]+)/.exec(testStorageConnectionString())![1]!;
      // Loopback is allowed here (as for the emulator): what is behind each port must not show.
      const targets = [`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${pg.port}`, blob, api.url, t.origin];
      const answers = new Map<string, string[]>();
      for (const url of targets) {
        for (const body of [
          { method: 'access_token', instanceUrl: url, accessToken: '00D000000000001!token' },
          { method: 'refresh_token', loginUrl: url, clientId: 'app', refreshToken: 'token' },
        ]) {
          const r = await admin('POST', '/orgs', body);
          const answer = JSON.stringify([r.status, r.body]);
          answers.set(answer, [...(answers.get(answer) ?? []), `${body.method} ${url}`]);
        }
      }
      expect(answers.size).toBe(1);
      const [status, body] = JSON.parse([...answers.keys()][0]!) as [number, ErrorBody];
      expect([status, body.error.code]).toEqual([502, 'ORG_API_ERROR']);
      expect(JSON.stringify(body)).not.toContain(MARKER);
      expect(t.hits()).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('does not follow an instance URL the token endpoint answers outside the allowed origins', async () => {
    const t = await trap();
    const tokenEndpoint = http.createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: '00D000000000001!token', instance_url: t.origin, token_type: 'Bearer' })),
    );
    await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve));
    const login = `http://127.0.0.1:${(tokenEndpoint.address() as net.AddressInfo).port}`;
    origins = new OrgOrigins([login]);
    try {
      const r = await admin('POST', '/orgs', { method: 'refresh_token', loginUrl: login, clientId: 'app', refreshToken: 'token' });
      expect([r.status, (r.body as ErrorBody).error.code]).toEqual([400, 'URL_NOT_ALLOWED']);
      expect(t.hits()).toBe(0);
    } finally {
      origins = EMULATOR_ORIGINS;
      await new Promise<void>((resolve) => tokenEndpoint.close(() => resolve()));
      await t.close();
    }
  });

  it('does not follow a redirect to an address outside the allowed origins', async () => {
    const t = await trap();
    const redirecting = http.createServer((req, res) =>
      res.writeHead(req.method === 'POST' ? 307 : 302, { location: `${t.origin}/x` }).end(),
    );
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const allowed = `http://127.0.0.1:${(redirecting.address() as net.AddressInfo).port}`;
    origins = new OrgOrigins([allowed]);
    try {
      const byToken = await admin('POST', '/orgs', { method: 'access_token', instanceUrl: allowed, accessToken: '00D000000000001!token' });
      expect([byToken.status, (byToken.body as ErrorBody).error.code]).toEqual([400, 'URL_NOT_ALLOWED']);
      const byRefresh = await admin('POST', '/orgs', {
        method: 'refresh_token',
        loginUrl: allowed,
        clientId: 'app',
        refreshToken: 'token',
      });
      expect([byRefresh.status, (byRefresh.body as ErrorBody).error.code]).toEqual([502, 'ORG_API_ERROR']);
      expect(t.hits()).toBe(0);
    } finally {
      origins = EMULATOR_ORIGINS;
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await t.close();
    }
  });

  it('does not call a stored org whose address is no longer allowed', async () => {
    const t = await trap();
    try {
      const stored = await api.addOrg(tenantId, '00D00000000000SAAA');
      await connections.save(
        stored.id,
        { kind: 'accessToken', accessToken: '00D000000000001!token', instanceUrl: t.origin },
        { apiVersion: '62.0' },
      );
      origins = SALESFORCE_ONLY;
      const r = await admin('GET', `/orgs/${stored.id}/objects`);
      expect([r.status, (r.body as ErrorBody).error.code]).toEqual([400, 'URL_NOT_ALLOWED']);
      expect(t.hits()).toBe(0);
    } finally {
      origins = EMULATOR_ORIGINS;
      await t.close();
    }
  });

  it('answers 400 for the client’s mistakes: a token with non-ASCII characters, a private key that is not one, an unknown object to compare', async () => {
    const accent = await admin('POST', '/orgs', {
      method: 'access_token',
      instanceUrl: org.emu.instanceUrl,
      accessToken: '00D000000000001!tökén',
    });
    expect([accent.status, (accent.body as ErrorBody).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const refresh = await admin('POST', '/orgs', { ...connectEmulatorOrg(org.emu), refreshToken: 'réfresh token' });
    expect([refresh.status, (refresh.body as ErrorBody).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const pem = await admin('POST', '/orgs', {
      method: 'jwt',
      loginUrl: org.emu.instanceUrl,
      clientId: 'CONSUMER_KEY',
      username: org.emu.username,
      privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----',
    });
    expect([pem.status, (pem.body as ErrorBody).error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const connected = await admin('POST', '/orgs', connectEmulatorOrg(org.emu));
    const orgId = (connected.body as { org: { id: string } }).org.id;
    const compare = await admin('POST', `/orgs/${orgId}/compare`, {
      from: { at: '2026-11-20T10:00:00Z' },
      to: { live: true },
      objects: ['Account', 'NoSuchObject__c'],
    });
    expect([compare.status, (compare.body as ErrorBody).error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('reconnecting an org issues a new org key and revokes the one issued before', async () => {
    const first = await admin('POST', '/orgs', connectEmulatorOrg(org.emu));
    const second = await admin('POST', '/orgs', connectEmulatorOrg(org.emu));
    expect([first.status, second.status]).toEqual([201, 201]);
    const [a, b] = [first, second].map((r) => r.body as { org: { id: string }; orgKey: { id: string; key: string } });
    expect(b!.org.id).toBe(a!.org.id);
    const asOrg = (k: string) => api.call('GET', `/orgs/${a!.org.id}`, { key: k, roles: ['viewer'] });
    expect((await asOrg(a!.orgKey.key)).status).toBe(401);
    expect((await asOrg(b!.orgKey.key)).status).toBe(200);
    const keys = (await admin('GET', '/keys')).body as { keys: Array<{ id: string; revokedAt: string | null }> };
    expect(keys.keys.find((k) => k.id === a!.orgKey.id)?.revokedAt).not.toBeNull();
  });
});
