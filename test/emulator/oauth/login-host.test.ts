/**
 * The shared login hosts (login.salesforce.com, test.salesforce.com) through jsforce's OAuth2
 * client and Connection: a production org's and a sandbox's users log in at the host of their
 * kind and their tokens reach their own org; at the other kind's host the login page refuses them
 * as it refuses a wrong password, and their refresh tokens and JWTs are `invalid_grant`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection, OAuth2 } from 'jsforce';
import jwt from 'jsonwebtoken';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { loginOverHttp } from '../../support/web-login.js';
import { DEFAULT_PASSWORD } from '../soap/session-calls.js';
import { startLoginHost, type LoginHost } from './login-host.js';

const CALLBACK = 'https://engine.example.test/oauth/callback';
const APP = { clientId: 'OrgVaultApp', clientSecret: 'app-secret', callbackUrls: [CALLBACK] };
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
let prod: EmulatorHandle;
let sandbox: EmulatorHandle;
let loginHost: LoginHost;
let testHost: LoginHost;

const client = (host: LoginHost): OAuth2 =>
  new OAuth2({ loginUrl: host.url, clientId: APP.clientId, clientSecret: APP.clientSecret, redirectUri: CALLBACK, useVerifier: true });

/** Logs in at the host's page and exchanges the code there; answers the token answer. */
async function logIn(host: LoginHost, username: string) {
  const oauth = client(host);
  const back = await loginOverHttp(oauth.getAuthorizationUrl({ state: 's', scope: 'api refresh_token' }), username, DEFAULT_PASSWORD);
  return { oauth, tokens: await oauth.requestToken(back.searchParams.get('code')!) };
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { name: string; message: string } | null;
  if (!err) throw new Error('accepted what should be refused');
  return { name: err.name, message: err.message };
}

const jwtFor = (host: LoginHost, username: string): string =>
  jwt.sign({}, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    algorithm: 'RS256',
    issuer: APP.clientId,
    subject: username,
    audience: host.url,
    expiresIn: 180,
  });

beforeAll(async () => {
  const jwtCertificate = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  prod = await startEmulator({ records: 20, seed: 41, cdc: false, jwtCertificate });
  sandbox = await startEmulator({ records: 20, seed: 42, cdc: false, isSandbox: true, jwtCertificate });
  loginHost = await startLoginHost({ sandbox: false, orgs: [prod, sandbox], connectedApps: [APP] });
  testHost = await startLoginHost({ sandbox: true, orgs: [prod, sandbox], connectedApps: [APP] });
});

afterAll(async () => {
  await loginHost?.stop();
  await testHost?.stop();
  await prod?.stop();
  await sandbox?.stop();
});

describe('shared login hosts', () => {
  it("logs each org's user in at the host of its kind; the tokens work at the org and renew and revoke at the host", async () => {
    for (const [host, emu] of [
      [loginHost, prod],
      [testHost, sandbox],
    ] as const) {
      const { oauth, tokens } = await logIn(host, emu.username);
      expect(tokens).toMatchObject({ instance_url: emu.instanceUrl, id: `${emu.instanceUrl}/id/${emu.orgId}/${emu.userId}` });
      const conn = new Connection({ instanceUrl: tokens.instance_url, accessToken: tokens.access_token, version: '62.0' });
      const org = await conn.query<{ Id: string; IsSandbox: boolean }>('SELECT Id, IsSandbox FROM Organization');
      expect(org.records.map((r) => [r.Id, r.IsSandbox])).toEqual([[emu.orgId, emu === sandbox]]);
      const renewed = await oauth.refreshToken(tokens.refresh_token!);
      expect(renewed.access_token).toMatch(new RegExp(`^${emu.orgId}!`));
      await oauth.revokeToken(tokens.refresh_token!);
      await expect(refusal(oauth.refreshToken(tokens.refresh_token!))).resolves.toEqual({
        name: 'invalid_grant',
        message: 'expired access/refresh token',
      });
    }
  });

  it('refuses a production user at the sandbox host, and a sandbox user at the production host, as a wrong password', async () => {
    for (const [host, emu] of [
      [testHost, prod],
      [loginHost, sandbox],
    ] as const) {
      const page = await (await fetch(client(host).getAuthorizationUrl({ state: 's' }))).text();
      const authz = /name="authz" value="([^"]+)"/.exec(page)![1]!;
      const login = await fetch(`${host.url}/services/oauth2/authorize/login`, {
        method: 'POST',
        body: new URLSearchParams({ authz, username: emu.username, pw: DEFAULT_PASSWORD }),
        redirect: 'manual',
      });
      expect(login.status).toBe(200);
      const html = await login.text();
      expect(html).toContain("Please check your username and password. If you still can't log in, contact your Salesforce administrator.");
      expect(html).not.toContain('oaapprove');
    }
  });

  it("answers invalid_grant for the other kind's refresh token and JWT, which its own host accepts", async () => {
    const { tokens } = await logIn(loginHost, prod.username);
    await expect(refusal(client(testHost).refreshToken(tokens.refresh_token!))).resolves.toEqual({
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    });
    const grant = (host: LoginHost, username: string) =>
      fetch(`${host.url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwtFor(host, username) }),
      });
    const wrongHost = await grant(loginHost, sandbox.username);
    expect([wrongHost.status, await wrongHost.json()]).toEqual([
      400,
      { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
    ]);
    const ownHost = await grant(testHost, sandbox.username);
    expect(((await ownHost.json()) as { instance_url: string }).instance_url).toBe(sandbox.instanceUrl);
  });
});
