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
