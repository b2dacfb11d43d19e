/**
 * The emulator's web-server flow through jsforce's OAuth2 client (PKCE with useVerifier): a code
 * works once, with its own verifier, redirect_uri and client; Salesforce's errors otherwise. The
 * happy path with the sf CLI and a real browser is sf-login-web.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OAuth2 } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { loginOverHttp } from '../../support/web-login.js';
import { CODE_TTL_MS } from './web-flow.js';
import { DEFAULT_PASSWORD } from '../soap/session-calls.js';

const CALLBACK = 'https://engine.example.test/oauth/callback';
let now = Date.UTC(2026, 11, 7, 12);
let emu: EmulatorHandle;

function client(overrides: Partial<{ clientId: string; clientSecret: string; redirectUri: string }> = {}): OAuth2 {
  return new OAuth2({
    loginUrl: emu.instanceUrl,
    clientId: 'OrgVaultApp',
    clientSecret: 'app-secret',
    redirectUri: CALLBACK,
    useVerifier: true,
    ...overrides,
  });
}

/** Logs in through the pages for this client; answers the code. */
async function codeFor(oauth: OAuth2, state = 'st-1'): Promise<string> {
  const back = await loginOverHttp(oauth.getAuthorizationUrl({ state, scope: 'api refresh_token' }), emu.username, DEFAULT_PASSWORD);
  expect(back.searchParams.get('state')).toBe(state);
  return back.searchParams.get('code')!;
}

async function refused(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { name: string; message: string } | null;
  if (!err) throw new Error('the token endpoint accepted what it should refuse');
  return { name: err.name, message: err.message };
}

beforeAll(async () => {
  emu = await startEmulator({
    records: 50,
    seed: 2,
    clock: () => now,
    connectedApps: [{ clientId: 'OrgVaultApp', clientSecret: 'app-secret', callbackUrls: [CALLBACK] }],
  });
});
afterAll(async () => {
  await emu?.stop();
});

describe('OAuth web-server flow', () => {
  it('exchanges a code once for tokens whose refresh token renews and can be revoked', async () => {
    const oauth = client();
    const tokens = await oauth.requestToken(await codeFor(oauth));
    expect(tokens).toMatchObject({
      instance_url: emu.instanceUrl,
      id: `${emu.instanceUrl}/id/${emu.orgId}/${emu.userId}`,
      scope: 'api refresh_token',
    });
    const renewed = await oauth.refreshToken(tokens.refresh_token!);
    expect(renewed.access_token).toMatch(new RegExp(`^${emu.orgId}!`));

    await oauth.revokeToken(tokens.refresh_token!);
    await expect(refused(oauth.refreshToken(tokens.refresh_token!))).resolves.toEqual({
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    });
    // The access tokens renewed with it went too.
    const res = await fetch(`${emu.instanceUrl}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${renewed.access_token}` },
    });
    expect(res.status).toBe(403);
  });

  it('refuses a reused code and revokes what it gave the first time', async () => {
    const oauth = client();
    const code = await codeFor(oauth);
    const tokens = await oauth.requestToken(code);
    await expect(refused(oauth.requestToken(code))).resolves.toEqual({ name: 'invalid_grant', message: 'invalid authorization code' });
    await expect(refused(oauth.refreshToken(tokens.refresh_token!))).resolves.toMatchObject({ name: 'invalid_grant' });
  });

  it("refuses another login's verifier, another redirect_uri, a missing secret and an expired code", async () => {
    const a = client();
    const b = client();
    await expect(refused(b.requestToken(await codeFor(a)))).resolves.toEqual({ name: 'invalid_grant', message: 'invalid code verifier' });

    const c = client();
    const code = await codeFor(c);
    const other = new OAuth2({
      loginUrl: emu.instanceUrl,
      clientId: 'OrgVaultApp',
      clientSecret: 'app-secret',
      redirectUri: `${CALLBACK}2`,
    });
    await expect(refused(other.requestToken(code, { code_verifier: c.codeVerifier! }))).resolves.toEqual({
      name: 'redirect_uri_mismatch',
      message: 'redirect_uri must match configuration',
    });

    const d = client();
    const noSecret = new OAuth2({ loginUrl: emu.instanceUrl, clientId: 'OrgVaultApp', redirectUri: CALLBACK });
    await expect(refused(noSecret.requestToken(await codeFor(d), { code_verifier: d.codeVerifier! }))).resolves.toEqual({
      name: 'invalid_client',
      message: 'invalid client credentials',
    });

    const e = client();
    const late = await codeFor(e);
    now += CODE_TTL_MS + 1;
    await expect(refused(e.requestToken(late))).resolves.toEqual({ name: 'invalid_grant', message: 'expired authorization code' });
  });

  it('shows an error page, not a redirect, for an unknown client or an unregistered redirect_uri', async () => {
    const unknown = await fetch(client({ clientId: 'NoSuchApp' }).getAuthorizationUrl({ state: 's' }), { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    await expect(unknown.text()).resolves.toContain('error=invalid_client_id');
    const mismatch = await fetch(client({ redirectUri: 'https://evil.example.test/cb' }).getAuthorizationUrl({ state: 's' }), {
      redirect: 'manual',
    });
    expect(mismatch.status).toBe(400);
    await expect(mismatch.text()).resolves.toContain('error=redirect_uri_mismatch');
  });

  it('redirects with access_denied when the user denies, and keeps the login page for a wrong password', async () => {
    const url = client().getAuthorizationUrl({ state: 'deny-me' });
    const page = await (await fetch(url)).text();
    const authz = /name="authz" value="([^"]+)"/.exec(page)![1]!;
    const post = (path: string, body: Record<string, string>) =>
      fetch(`${emu.instanceUrl}${path}`, { method: 'POST', body: new URLSearchParams({ authz, ...body }), redirect: 'manual' });
    const wrong = await post('/services/oauth2/authorize/login', { username: emu.username, pw: 'nope' });
    await expect(wrong.text()).resolves.toContain('Please check your username and password');
    // Approval was given in the first test, so consent is asked again only with prompt=consent; deny from a fresh prompt.
    const consent = await fetch(`${url}&prompt=consent`);
    const authz2 = /name="authz" value="([^"]+)"/.exec(await consent.text())![1]!;
    const login = (body: Record<string, string>, path: string) =>
      fetch(`${emu.instanceUrl}${path}`, { method: 'POST', body: new URLSearchParams({ authz: authz2, ...body }), redirect: 'manual' });
    await expect(
      (await login({ username: emu.username, pw: DEFAULT_PASSWORD }, '/services/oauth2/authorize/login')).text(),
    ).resolves.toContain('oaapprove');
    const denied = await login({ decision: 'deny' }, '/services/oauth2/authorize/approve');
    const back = new URL(denied.headers.get('location')!);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: 'deny-me',
    });
  });
});
