/**
 * Connecting orgs in the browser against two emulated orgs behind shared login hosts (the
 * production host and the sandbox host each serve their own kind): POST /orgs/connect, the login,
 * GET /oauth/callback; a user at the other kind's host, forged, replayed and crossed logins and a
 * reconnect that comes back with another org leave nothing behind; a revoked refresh token turns
 * the org reconnect_needed (one mail, scheduled starts skipped) until a reconnect; disconnect revokes.
 * The browser's part is plain HTTP here (test/support/web-login.ts); the page e2e uses Chromium.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { DEFAULT_PASSWORD } from '../../../test/emulator/soap/session-calls.js';
import { startTestEngine, type TestEngine } from '../../../test/support/engine.js';
import { loginOverHttp } from '../../../test/support/web-login.js';
import { waitForJob } from '../../../test/support/backup-checks.js';
import { startSmtpServer } from '../schedule/smtp.js';
import { startLoginHost, type LoginHost } from '../../../test/emulator/oauth/login-host.js';

const APP = { clientId: 'OrgVaultApp', clientSecret: randomBytes(12).toString('hex') };
let prod: EmulatorHandle;
let sandbox: EmulatorHandle;
let loginHost: LoginHost;
let testHost: LoginHost;
let engine: TestEngine;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let key: string;
let tenantId: string;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: {
      'X-OrgVault-Key': key,
      'X-OrgVault-User': 'admin@customer.example',
      'X-OrgVault-Roles': 'administrator',
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
}

async function begin(body: object, path = '/orgs/connect'): Promise<URL> {
  const res = await api(path, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return new URL(((await res.json()) as { authorizeUrl: string }).authorizeUrl);
}

async function callback(url: URL): Promise<{ status: number; outcome: string | undefined; code: string | undefined; html: string }> {
  const res = await fetch(`${engine.url}/oauth/callback${url.search}`);
  const html = await res.text();
  return { status: res.status, html, outcome: /data-outcome="([^"]+)"/.exec(html)?.[1], code: /data-code="([^"]+)"/.exec(html)?.[1] };
}

/** Everything a connection could leave behind, to show a refused one left nothing. */
async function stored(): Promise<{ orgs: number; connections: number }> {
  const { rows } = await engine.ctx.infra.pool.query<{ orgs: number; connections: number }>(
    'SELECT (SELECT count(*)::int FROM orgs) AS orgs, (SELECT count(*)::int FROM org_connections) AS connections',
  );
  return rows[0]!;
}

async function tiles(): Promise<Array<{ id: string; sfOrgId: string; isSandbox: boolean; timeZone: string; connection: string }>> {
  return (
    (await (await api('/orgs')).json()) as {
      orgs: Array<{ id: string; sfOrgId: string; isSandbox: boolean; timeZone: string; connection: string }>;
    }
  ).orgs;
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  prod = await startEmulator({ records: 60, seed: 11, admin: true });
  sandbox = await startEmulator({ records: 40, seed: 12, isSandbox: true, timeZone: 'Europe/Berlin' });
  loginHost = await startLoginHost({ sandbox: false, orgs: [prod, sandbox] });
  testHost = await startLoginHost({ sandbox: true, orgs: [prod, sandbox] });
  key = randomBytes(24).toString('hex');
  engine = await startTestEngine({
    env: {
      ORGVAULT_BOOTSTRAP_KEY: key,
      ORGVAULT_OAUTH_CLIENT_ID: APP.clientId,
      ORGVAULT_OAUTH_CLIENT_SECRET: APP.clientSecret,
      ORGVAULT_OAUTH_LOGIN_URL: loginHost.url,
      ORGVAULT_OAUTH_SANDBOX_LOGIN_URL: testHost.url,
      SMTP_URL: smtp.url,
    },
    worker: { pollMs: 200 },
  });
  for (const where of [prod, sandbox, loginHost, testHost])
    where.oauth.apps.register({ ...APP, callbackUrls: [`${engine.url}/oauth/callback`] });
  tenantId = ((await (await api('/me')).json()) as { tenant: { id: string } }).tenant.id;
  await engine.services.schedule.subscriptions.put(tenantId, { type: 'enterprise' });
  await engine.services.schedule.adminEmails.put(tenantId, ['ops@customer.example']);
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await prod?.stop();
  await sandbox?.stop();
  await loginHost?.stop();
  await testHost?.stop();
  await smtp?.stop();
});

describe('connecting an org in the browser', () => {
  it('connects a sandbox at the sandbox login host with its time zone, and the same org twice stays one org', async () => {
    const authorize = await begin({ environment: 'sandbox' });
    expect(authorize.origin).toBe(testHost.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const done = await callback(await loginOverHttp(authorize.toString(), sandbox.username, DEFAULT_PASSWORD));
    expect([done.status, done.outcome]).toEqual([200, 'connected']);
    const tile = (await tiles()).find((t) => t.sfOrgId === sandbox.orgId)!;
    expect(tile).toMatchObject({ isSandbox: true, timeZone: 'Europe/Berlin', connection: 'connected' });
    const first = await engine.services.connections.load(tile.id);

    const again = await callback(
      await loginOverHttp(
        (await begin({ environment: 'custom', myDomainUrl: sandbox.instanceUrl })).toString(),
        sandbox.username,
        DEFAULT_PASSWORD,
      ),
    );
    expect(again.outcome).toBe('connected');
    expect((await tiles()).filter((t) => t.sfOrgId === sandbox.orgId)).toHaveLength(1);
    const second = await engine.services.connections.load(tile.id);
    expect(second!.credentials).toMatchObject({ kind: 'refreshToken', loginUrl: sandbox.instanceUrl, clientId: APP.clientId });
    expect((second!.credentials as { refreshToken: string }).refreshToken).not.toBe(
      (first!.credentials as { refreshToken: string }).refreshToken,
    );
  });

  it('refuses a reconnect that comes back with another org (a refreshed sandbox at the same domain), keeping the stored tokens', async () => {
    const tile = (await tiles()).find((t) => t.sfOrgId === sandbox.orgId)!;
    const kept = (await engine.services.connections.load(tile.id))!.credentials;
    const before = await stored();
    // A sandbox refresh: the same domain and usernames, a new org behind them.
    const { port, username, orgId: oldOrgId } = sandbox;
    await sandbox.stop();
    sandbox = await startEmulator({ port, username, records: 30, seed: 13, isSandbox: true, timeZone: 'Europe/Berlin' });
    expect(sandbox.orgId).not.toBe(oldOrgId);
    sandbox.oauth.apps.register({ ...APP, callbackUrls: [`${engine.url}/oauth/callback`] });
    expect(sandbox.org.sessions.revokeUser(sandbox.userId)).toBe(1); // the emulator's own start-up token

    const reconnect = await begin({}, `/orgs/${tile.id}/reconnect`);
    expect(reconnect.origin).toBe(sandbox.instanceUrl);
    const done = await callback(await loginOverHttp(reconnect.toString(), username, DEFAULT_PASSWORD));
    expect([done.status, done.outcome, done.code]).toEqual([409, 'failed', 'CONFLICT']);
    expect(done.html).toContain(`another organization than OrgVault Emulator Org (${oldOrgId})`);
    expect(await stored()).toEqual(before);
    expect((await engine.services.connections.load(tile.id))!.credentials).toEqual(kept);
    expect((await tiles()).some((t) => t.sfOrgId === sandbox.orgId)).toBe(false);
    // The refreshed org's tokens were given back at once: nothing of ours is left in it.
    expect(sandbox.org.sessions.revokeUser(sandbox.userId)).toBe(0);
  });

  it('refuses forged, replayed and expired states, a reused code, a wrong verifier and a mismatched redirect with an error page, storing nothing', async () => {
    const before = await stored();
    const forged = await callback(new URL(`http://x/?code=abc&state=${randomBytes(32).toString('base64url')}`));
    expect([forged.status, forged.code]).toEqual([400, 'LOGIN_LINK_INVALID']);
    expect(forged.html).toContain('Start again');

    // A login whose callback is presented twice: the first use takes the state.
    const back = await loginOverHttp((await begin({ environment: 'production' })).toString(), prod.username, DEFAULT_PASSWORD);
    const spare = new URL(back);
    const denied = new URL(back);
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('error_description', 'end-user denied authorization');
    expect((await callback(denied)).code).toBe('ORG_AUTH_FAILED');
    expect((await callback(spare)).code).toBe('LOGIN_LINK_INVALID');

    // Its code is still unused: presented with another login's state, the verifier is that login's.
    const other = await begin({ environment: 'production' });
    const crossed = new URL(back);
    crossed.searchParams.set('state', other.searchParams.get('state')!);
    const wrongVerifier = await callback(crossed);
    expect([wrongVerifier.status, wrongVerifier.code]).toEqual([502, 'ORG_AUTH_FAILED']);
    expect(wrongVerifier.html).toContain('invalid code verifier');

    // Now the code was used once: with a third fresh state it is a reused code.
    const third = await begin({ environment: 'production' });
    crossed.searchParams.set('state', third.searchParams.get('state')!);
    expect((await callback(crossed)).html).toContain('invalid authorization code');

    // The connected app's callback is not the engine's: Salesforce shows its error and never comes back.
    loginHost.oauth.apps.register({ ...APP, callbackUrls: ['https://elsewhere.example.test/oauth/callback'] });
    const mismatch = await fetch((await begin({ environment: 'production' })).toString(), { redirect: 'manual' });
    expect(mismatch.status).toBe(400);
    await expect(mismatch.text()).resolves.toContain('error=redirect_uri_mismatch');
    loginHost.oauth.apps.register({ ...APP, callbackUrls: [`${engine.url}/oauth/callback`] });

    // A login that comes back after its state expired (ten minutes in the engine; moved on here).
    const late = await loginOverHttp((await begin({ environment: 'production' })).toString(), prod.username, DEFAULT_PASSWORD);
    await engine.ctx.infra.pool.query("UPDATE org_connect_states SET expires_at = now() - interval '1 second'");
    const expired = await callback(new URL(late));
    expect([expired.status, expired.code]).toEqual([400, 'LOGIN_LINK_INVALID']);

    expect(await stored()).toEqual(before);
  });

  it('refuses a production user at the sandbox login host, and names the host when a token of the other kind is refused', async () => {
    const before = await stored();
    const atTest = await begin({ environment: 'sandbox' });
    await expect(loginOverHttp(atTest.toString(), prod.username, DEFAULT_PASSWORD)).rejects.toThrow(
      "Please check your username and password. If you still can't log in, contact your Salesforce administrator.",
    );
    // A production org's refresh token given with the sandbox host: Salesforce's invalid_grant, and which host it went to.
    const res = await api('/orgs', {
      method: 'POST',
      body: JSON.stringify({ method: 'refresh_token', loginUrl: testHost.url, ...APP, refreshToken: prod.refreshToken }),
    });
    const { error } = (await res.json()) as { error: { code: string; message: string; actions: string[] } };
    expect([res.status, error.code]).toEqual([502, 'ORG_AUTH_FAILED']);
    expect(error.message).toBe(`The org refused the refresh token at ${testHost.url} (invalid_grant: expired access/refresh token)`);
    expect(error.actions.join(' ')).toContain('Production orgs log in at login.salesforce.com and sandboxes at test.salesforce.com');
    expect(await stored()).toEqual(before);
  });

  it('pauses an org whose refresh token Salesforce revoked, mails once, and runs again after a reconnect', async () => {
    expect(
      (await callback(await loginOverHttp((await begin({ environment: 'production' })).toString(), prod.username, DEFAULT_PASSWORD)))
        .outcome,
    ).toBe('connected');
    const orgId = (await tiles()).find((t) => t.sfOrgId === prod.orgId)!.id;
    const org = await engine.services.orgs.get({ tenantId, orgId: null }, orgId);

    const revoked = await fetch(`${prod.instanceUrl}/__emulator/oauth/revoke-user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: prod.username }),
    });
    expect(((await revoked.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
    const job = (await (await api(`/orgs/${orgId}/jobs`, { method: 'POST', body: '{}' })).json()) as { id: string };
    expect((await waitForJob(engine, org, job.id)).status).toBe('failed');
    expect((await tiles()).find((t) => t.id === orgId)!.connection).toBe('reconnect_needed');

    const slot = await engine.services.schedule.scheduler.runBackupSlot(orgId, new Date());
    expect(slot).toMatchObject({ outcome: 'skipped', code: 'RECONNECT_NEEDED' });
    const now = await api(`/orgs/${orgId}/jobs`, { method: 'POST', body: '{}' });
    expect(now.status).toBe(409);
    expect(((await now.json()) as { error: { code: string } }).error.code).toBe('RECONNECT_NEEDED');
    // The refreshed sandbox above is waiting for a reconnect too: its mail is its own.
    const mails = smtp.received.filter((m) => m.subject.includes('reconnect') && m.body.includes(prod.orgId));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['ops@customer.example']);

    const reconnect = await begin({}, `/orgs/${orgId}/reconnect`);
    expect(reconnect.origin).toBe(prod.instanceUrl);
    expect((await callback(await loginOverHttp(reconnect.toString(), prod.username, DEFAULT_PASSWORD))).outcome).toBe('reconnected');
    expect((await tiles()).find((t) => t.id === orgId)!.connection).toBe('connected');
    // The reconnect is the asking user's, once, in the tenant's audit trail; so is the refused backup.
    const trail = await engine.services.audit.list({ tenantId, orgId }, { limit: 100 });
    expect(trail.entries.filter((e) => e.action === 'org.reconnect').map((e) => [e.actor, e.outcome, e.target])).toEqual([
      ['admin@customer.example', 'succeeded', orgId],
    ]);
    // The schedule's own start, skipped while the org waited, is there too (newest first).
    const refusedBackups = trail.entries.filter((e) => e.action === 'backup.run' && e.outcome === 'refused');
    expect(refusedBackups.map((e) => [e.actor, e.source, e.code])).toEqual([
      ['admin@customer.example', 'api', 'RECONNECT_NEEDED'],
      ['schedule', 'schedule', 'RECONNECT_NEEDED'],
    ]);
    const next = (await (await api(`/orgs/${orgId}/jobs`, { method: 'POST', body: '{}' })).json()) as { id: string };
    expect((await waitForJob(engine, org, next.id)).status).toBe('succeeded');
  });

  it('disconnecting revokes the refresh token at Salesforce and keeps the org out of the tiles', async () => {
    const orgId = (await tiles()).find((t) => t.sfOrgId === prod.orgId)!.id;
    expect((await api(`/orgs/${orgId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await tiles()).some((t) => t.id === orgId)).toBe(false);
    expect(await engine.services.connections.load(orgId)).toBeUndefined();
    const disconnected = await engine.services.audit.list({ tenantId, orgId, action: 'org.disconnect' }, { limit: 10 });
    expect(disconnected.entries.map((e) => [e.actor, e.outcome])).toEqual([['admin@customer.example', 'succeeded']]);
    // Nothing of ours is left to revoke in the org.
    expect(prod.org.sessions.revokeUser(prod.userId)).toBe(0);
  });
});
