import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { signJwtAssertion, tokenError, TokenSource } from '../../src/salesforce/tokens.js';

describe('TokenSource', () => {
  it('shares one renewal among callers holding the same stale token', async () => {
    let grants = 0;
    const tokens = new TokenSource({
      grant: async () => {
        grants++;
        await new Promise((r) => setTimeout(r, 10));
        return { accessToken: `t${grants}`, instanceUrl: 'https://x.my.salesforce.com' };
      },
    });
    const first = await tokens.session();
    expect(first.accessToken).toBe('t1');
    const renewed = await Promise.all([tokens.refresh('t1'), tokens.refresh('t1'), tokens.refresh('t1')]);
    expect(renewed.map((s) => s.accessToken)).toEqual(['t2', 't2', 't2']);
    // A caller that still holds t1 after the renewal gets t2 without another grant.
    expect((await tokens.refresh('t1')).accessToken).toBe('t2');
    expect(grants).toBe(2);
  });

  it('tells the grant listener (to store a rotated refresh token)', async () => {
    const seen: string[] = [];
    const tokens = new TokenSource({
      grant: async () => ({ accessToken: 'a', instanceUrl: 'https://x', refreshToken: 'rotated' }),
      onGrant: (g) => void seen.push(g.refreshToken ?? ''),
    });
    await tokens.session();
    expect(seen).toEqual(['rotated']);
  });

  it('an access token alone cannot be renewed: ORG_AUTH_FAILED with an action', async () => {
    const tokens = new TokenSource({ session: { accessToken: 'a', instanceUrl: 'https://x' } });
    expect(tokens.canRefresh).toBe(false);
    await expect(tokens.refresh('a')).rejects.toMatchObject({ code: 'ORG_AUTH_FAILED', actions: [expect.any(String)] });
  });
});

describe('OAuth errors', () => {
  it('a revoked refresh token (invalid_grant) is ORG_AUTH_FAILED; a server fault is transient', () => {
    const revoked = tokenError(Object.assign(new Error('expired access/refresh token'), { name: 'invalid_grant' }), 'refresh token');
    expect(revoked.code).toBe('ORG_AUTH_FAILED');
    expect(revoked.actions[0]).toMatch(/reconnect/i);
    const down = tokenError(Object.assign(new Error('Service Unavailable'), { name: 'ERROR_HTTP_503' }), 'refresh token');
    expect(down.code).toBe('ORG_API_ERROR');
    expect(down.details).toMatchObject({ transient: true });
  });
});

describe('JWT bearer assertion', () => {
  it('is RS256, issued by the consumer key for the user, to the login URL, short-lived', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const assertion = signJwtAssertion({
      loginUrl: 'https://login.salesforce.com/',
      clientId: 'CONSUMER_KEY',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      username: 'integration@example.com',
    });
    const claims = jwt.verify(assertion, publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
      algorithms: ['RS256'],
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'CONSUMER_KEY', sub: 'integration@example.com', aud: 'https://login.salesforce.com' });
    expect(claims.exp! - claims.iat!).toBe(180);
  });
});
