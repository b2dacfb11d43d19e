import { createPrivateKey } from 'node:crypto';
import { OrgVaultError } from '../errors.js';
import type { OrgOrigins } from './origins.js';
import type { JwtBearerCredentials, RefreshTokenCredentials } from './tokens.js';

/** The four ways to reach an org. Secrets live only in these objects and, sealed, in the database. */
export type OrgCredentials =
  | ({ kind: 'refreshToken' } & RefreshTokenCredentials)
  | ({ kind: 'jwt' } & JwtBearerCredentials)
  /** For tests and one-off use: the token cannot be renewed. */
  | { kind: 'accessToken'; accessToken: string; instanceUrl: string }
  /** An org the sf CLI already knows (its own auth files hold the secrets). */
  | { kind: 'sfCli'; usernameOrAlias: string };

export type CredentialKind = OrgCredentials['kind'];

/** How a caller (the API's connect request, the CLI's flags) says to reach an org. */
export type ConnectMethod =
  | { method: 'refresh_token'; loginUrl: string; clientId: string; clientSecret?: string | undefined; refreshToken: string }
  | { method: 'jwt'; loginUrl: string; clientId: string; username: string; privateKey?: string | undefined }
  | { method: 'access_token'; instanceUrl: string; accessToken: string }
  | { method: 'sf_cli'; usernameOrAlias: string };

/** A connect request as credentials: the one place they are built. */
export function toCredentials(c: ConnectMethod): OrgCredentials {
  switch (c.method) {
    case 'refresh_token':
      return {
        kind: 'refreshToken',
        loginUrl: c.loginUrl,
        clientId: c.clientId,
        refreshToken: c.refreshToken,
        ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}),
      };
    case 'jwt':
      if (!c.privateKey) {
        throw new OrgVaultError('VALIDATION_FAILED', 'privateKey is required for the JWT bearer flow', {
          actions: ["Send the PEM private key of the connected app's certificate."],
        });
      }
      return { kind: 'jwt', loginUrl: c.loginUrl, clientId: c.clientId, username: c.username, privateKey: c.privateKey };
    case 'access_token':
      return { kind: 'accessToken', accessToken: c.accessToken, instanceUrl: c.instanceUrl };
    case 'sf_cli':
      return { kind: 'sfCli', usernameOrAlias: c.usernameOrAlias };
  }
}

/** The secret parts of each kind, split from what may be stored in the clear. */
export function splitSecrets(c: OrgCredentials): { secrets: Record<string, string>; plain: Record<string, string> } {
  switch (c.kind) {
    case 'refreshToken':
      return {
        secrets: { refreshToken: c.refreshToken, ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}) },
        plain: { loginUrl: c.loginUrl, clientId: c.clientId },
      };
    case 'jwt':
      return {
        secrets: { privateKey: c.privateKey },
        plain: { loginUrl: c.loginUrl, clientId: c.clientId, username: c.username, ...(c.audience ? { audience: c.audience } : {}) },
      };
    case 'accessToken':
      return { secrets: { accessToken: c.accessToken }, plain: { instanceUrl: c.instanceUrl } };
    case 'sfCli':
      return { secrets: {}, plain: { usernameOrAlias: c.usernameOrAlias } };
  }
}

export function joinSecrets(kind: CredentialKind, plain: Record<string, string>, secrets: Record<string, string>): OrgCredentials {
  return { kind, ...plain, ...secrets } as OrgCredentials;
}

/** Tokens and ids travel in headers and form bodies, which carry printable ASCII only. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

function assertToken(value: string, what: string): void {
  if (!PRINTABLE_ASCII.test(value)) {
    throw new OrgVaultError(
      'VALIDATION_FAILED',
      `The ${what} holds characters no Salesforce ${what} has (spaces, accents, control characters)`,
      {
        actions: [`Copy the ${what} again, exactly as Salesforce issued it.`],
      },
    );
  }
}

function assertRsaKey(pem: string): void {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    type = undefined;
  }
  if (type !== 'rsa') {
    throw new OrgVaultError('VALIDATION_FAILED', 'The private key is not an RSA private key in PEM form', {
      actions: ['Give the PEM private key (-----BEGIN PRIVATE KEY-----) whose certificate is uploaded to the connected app.'],
    });
  }
}

/**
 * The client's mistakes found before anything is sent: addresses outside the allowed origins,
 * tokens no org issues, a key that cannot sign. Answers the credentials with their URLs reduced
 * to origins.
 */
export function checkCredentials(c: OrgCredentials, origins: OrgOrigins): OrgCredentials {
  switch (c.kind) {
    case 'accessToken':
      assertToken(c.accessToken, 'access token');
      return { ...c, instanceUrl: origins.check(c.instanceUrl, 'instance URL') };
    case 'refreshToken':
      assertToken(c.refreshToken, 'refresh token');
      assertToken(c.clientId, 'consumer key');
      if (c.clientSecret) assertToken(c.clientSecret, 'consumer secret');
      return { ...c, loginUrl: origins.check(c.loginUrl, 'login URL') };
    case 'jwt':
      assertToken(c.clientId, 'consumer key');
      assertRsaKey(c.privateKey);
      return { ...c, loginUrl: origins.check(c.loginUrl, 'login URL') };
    case 'sfCli':
      return c;
  }
}
