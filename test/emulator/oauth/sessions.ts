/**
 * Access and refresh tokens. Access tokens look like Salesforce's (`<orgId>!<secret>`, which
 * the sf CLI checks) and can be made to expire on demand or after a lifetime, so clients'
 * INVALID_SESSION_ID → refresh path can be tested.
 */
import { randomBytes } from 'node:crypto';

interface Session {
  userId: string;
  expiresAt: number;
}

export class Sessions {
  private readonly access = new Map<string, Session>();
  private readonly refresh = new Map<string, string>();
  /** Lifetime of new access tokens in ms (Infinity: until expired on demand). */
  ttlMs = Infinity;

  constructor(
    private readonly orgId: string,
    private readonly now: () => number,
  ) {}

  issueAccessToken(userId: string): string {
    const token = `${this.orgId}!${randomBytes(40).toString('base64url')}`;
    this.access.set(token, { userId, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  issueRefreshToken(userId: string): string {
    const token = `5Aep861${randomBytes(48).toString('base64url')}`;
    this.refresh.set(token, userId);
    return token;
  }

  /** The user of a valid access token, or null (unknown or expired). */
  validate(token: string): string | null {
    const s = this.access.get(token);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.access.delete(token);
      return null;
    }
    return s.userId;
  }

  /** The user a refresh token was issued to, or null. */
  refreshUser(token: string): string | null {
    return this.refresh.get(token) ?? null;
  }

  revoke(token: string): void {
    this.access.delete(token);
    this.refresh.delete(token);
  }

  /** Expires one access token, or every access token when none is given. */
  expire(token?: string): void {
    if (token) this.access.delete(token);
    else this.access.clear();
  }
}
