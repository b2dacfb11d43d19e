import type { Org } from '@salesforce/core';
import { OrgVaultError } from '../errors.js';
import { TokenSource, type TokenSourceOptions } from './tokens.js';

/**
 * An org the sf CLI already knows, by username or alias. @salesforce/core keeps its secrets and
 * renews its token (refresh token or JWT, whichever the CLI used); we only borrow the session.
 */
export async function sfCliTokenSource(
  usernameOrAlias: string,
  listeners: Pick<TokenSourceOptions, 'onGrant' | 'onRefused' | 'checkSession'> = {},
): Promise<TokenSource> {
  let conn: ReturnType<Org['getConnection']>;
  try {
    // Loaded on first use: @salesforce/core costs an engine that never borrows a CLI org ~50 MB.
    const { Org } = await import('@salesforce/core');
    const org = await Org.create({ aliasOrUsername: usernameOrAlias });
    conn = org.getConnection();
  } catch (err) {
    throw new OrgVaultError('ORG_AUTH_FAILED', `The sf CLI does not know the org "${usernameOrAlias}": ${(err as Error).message}`, {
      actions: ['Log in with the sf CLI first (`sf org login web --alias NAME`), then use that alias.'],
      cause: err,
    });
  }
  const current = () => ({ accessToken: conn.accessToken ?? '', instanceUrl: conn.instanceUrl.replace(/\/+$/, '') });
  return new TokenSource({
    ...listeners,
    session: current(),
    grant: async () => {
      try {
        await conn.refreshAuth();
      } catch (err) {
        throw new OrgVaultError(
          'ORG_AUTH_FAILED',
          `The sf CLI could not renew the session of "${usernameOrAlias}": ${(err as Error).message}`,
          {
            actions: [`Log in again with the sf CLI (\`sf org login web --alias ${usernameOrAlias}\`).`],
            cause: err,
          },
        );
      }
      return current();
    },
  });
}
