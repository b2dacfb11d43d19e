import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { startEmulator, type EmulatorHandle } from '../server.js';
import type { Transaction } from '../data/changes.js';

describe('limits, faults, sessions and the admin endpoint', () => {
  let emu: EmulatorHandle;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let token = '';

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${emu.instanceUrl}/services/data/v62.0${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
  const admin = (path: string, body: unknown) =>
    fetch(`${emu.instanceUrl}/__emulator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    emu = await startEmulator({ records: 1500, seed: 2, admin: true, jwtCertificate: publicPem, jwtClientId: 'orgvault-app' });
    token = emu.accessToken;
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('counts every call and answers REQUEST_LIMIT_EXCEEDED once the budget is spent', async () => {
    const first = await api('/limits');
    const limits = (await first.json()) as Record<string, { Max: number; Remaining: number }>;
    expect(limits.DailyApiRequests!.Max).toBe(100000);
    expect(limits.DailyBulkV2QueryJobs).toEqual({ Max: 10000, Remaining: 10000 });
    const used = Number(/api-usage=(\d+)\/100000/.exec(first.headers.get('sforce-limit-info') ?? '')![1]);
    await admin('/limits', { DailyApiRequests: used + 2 });
    expect((await api('/sobjects')).status).toBe(200);
    const last = await api('/sobjects');
    expect(last.headers.get('sforce-limit-info')).toBe(`api-usage=${used + 2}/${used + 2}`);
    const over = await api('/sobjects');
    expect(over.status).toBe(403);
    expect(await over.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    await admin('/limits', { DailyApiRequests: 100000, reset: true });
    expect((await api('/sobjects')).status).toBe(200);
  });

  it('fails requests at the configured rate and path, then recovers', async () => {
    await admin('/faults', {
      errorRules: [{ pathPattern: '/query$', rate: 1, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'down' }],
    });
    const failed = await api('/query?q=SELECT+Id+FROM+Account+LIMIT+1');
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual([{ message: 'down', errorCode: 'SERVER_UNAVAILABLE' }]);
    expect((await api('/limits')).status).toBe(200);
    await fetch(`${emu.instanceUrl}/__emulator/faults`, { method: 'DELETE' });
    expect((await api('/query?q=SELECT+Id+FROM+Account+LIMIT+1')).status).toBe(200);
  });

  it('drops the connection in the middle of a blob stream once', async () => {
    const v = emu.org.table('ContentVersion');
    const url = `/sobjects/ContentVersion/${v.idOf(0)}/VersionData`;
    await admin('/faults', { resets: { blob: { afterBytes: 10, times: 1 } } });
    const broken = await api(url);
    await expect(broken.arrayBuffer()).rejects.toThrow();
    const whole = await api(url);
    expect(Buffer.from(await whole.arrayBuffer()).length).toBe(v.get(0, 'ContentSize'));
  });

  it('expires sessions on demand; refresh_token and JWT bearer give new tokens', async () => {
    await admin('/sessions/expire', {});
    const expired = await api('/limits');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);

    const form = (body: Record<string, string>) =>
      fetch(`${emu.instanceUrl}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, string>,
      }));
    const refreshed = await form({ grant_type: 'refresh_token', refresh_token: emu.refreshToken, client_id: 'x' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({
      instance_url: emu.instanceUrl,
      token_type: 'Bearer',
      id: `${emu.instanceUrl}/id/${emu.orgId}/${emu.userId}`,
    });
    token = refreshed.body.access_token!;
    expect(token.startsWith(`${emu.orgId}!`)).toBe(true);
    expect((await api('/limits')).status).toBe(200);
    expect((await form({ grant_type: 'refresh_token', refresh_token: 'nope' })).body).toMatchObject({ error: 'invalid_grant' });

    // @salesforce/core writes exp in milliseconds; accept it as Salesforce does.
    const assertion = jwt.sign({ iss: 'orgvault-app', sub: emu.username, aud: emu.instanceUrl, exp: Date.now() + 300_000 }, privatePem, {
      algorithm: 'RS256',
    });
    const viaJwt = await form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    expect(viaJwt.status).toBe(200);
    expect(viaJwt.body.access_token).toMatch(new RegExp(`^${emu.orgId}!`));
    const wrongKey = jwt.sign(
      { iss: 'orgvault-app', sub: emu.username, exp: Math.floor(Date.now() / 1000) + 300 },
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      {
        algorithm: 'RS256',
      },
    );
    expect((await form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: wrongKey })).body).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('changes, deletes, undeletes and hard-deletes records through the mutation hook, as Transactions', async () => {
    const txs: Transaction[] = [];
    const off = emu.org.onTransaction((tx) => txs.push(tx));
    const contacts = emu.org.table('Contact');
    const [a, b] = [contacts.idOf(1), contacts.idOf(2)];
    const res = await admin('/mutate', {
      ops: [
        { kind: 'update', id: a, fields: { Title: 'Mutated' } },
        { kind: 'delete', id: b },
      ],
    });
    expect(((await res.json()) as Array<{ success: boolean }>).map((r) => r.success)).toEqual([true, true]);
    await admin('/mutate', { ops: [{ kind: 'undelete', id: b }] });
    await admin('/mutate', { ops: [{ kind: 'hardDelete', id: b }] });
    off();
    expect(txs.map((t) => t.changes.filter((c) => c.id === a || c.id === b).map((c) => `${c.kind}:${c.id}`))).toEqual([
      [`update:${a}`, `delete:${b}`],
      [`undelete:${b}`],
      [`hardDelete:${b}`],
    ]);
    expect(txs[0]!.origin).toBe('emulator-admin');
    const q = await api(`/queryAll?q=${encodeURIComponent(`SELECT Id, Title FROM Contact WHERE Id IN ('${a}','${b}')`)}`);
    const body = (await q.json()) as { records: Array<{ Id: string; Title: string }> };
    expect(body.records).toEqual([expect.objectContaining({ Id: a, Title: 'Mutated' })]);
    const bad = await admin('/mutate', { ops: [{ kind: 'update', id: b, fields: { Title: 'x' } }] });
    expect(((await bad.json()) as Array<{ errors: Array<{ errorCode: string }> }>)[0]!.errors[0]!.errorCode).toBe(
      'INVALID_CROSS_REFERENCE_KEY',
    );
  });

  it('never crashes on bad input', async () => {
    const badJson = await api('/sobjects/Account', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as Array<{ errorCode: string }>)[0]!.errorCode).toBe('JSON_PARSER_ERROR');
    expect((await api('/sobjects/Nope__c/describe')).status).toBe(404);
    expect((await api('/query/bogus-2000')).status).toBe(400);
    expect((await fetch(`${emu.instanceUrl}/services/data/v99.0/limits`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      404,
    );
    expect((await api('/query?q=SELECT+Id+FROM+Account+WHERE+Name+%3D')).status).toBe(400);
    expect((await api('/limits')).status).toBe(200);
  });
});
