/**
 * Access and refresh tokens. Access tokens look like Salesforce's (`<orgId>!<secret>`, which
 * the sf CLI checks) and can be made to expire on demand or after a lifetime, so clients'
 * INVALID_SESSION_ID → refresh path can be tested.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Session {
  userId: string;
  expiresAt: number;
  /** The refresh token it was renewed with: revoking that one ends this one too, as in Salesforce. */
  refresh?: string;
}

/** The file keepIn writes: expiry null for tokens that last until expired on demand. */
interface SavedSessions {
  access: Array<[string, { userId: string; expiresAt: number | null; refresh?: string }]>;
  refresh: Array<[string, string]>;
}

export class Sessions {
  private readonly access = new Map<string, Session>();
  private readonly refresh = new Map<string, string>();
  /** Lifetime of new access tokens in ms (Infinity: until expired on demand). */
  ttlMs = Infinity;
  private file: string | undefined;

  constructor(
    private readonly orgId: string,
    private readonly now: () => number,
  ) {}

  /**
   * Keeps the tokens in `file`: those it holds are valid again, and each change is written to it.
   * Restarting an emulator on the same data directory then ends no session, as restarts of
   * Salesforce's servers do not.
   */
  keepIn(file: string): void {
    this.file = file;
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedSessions;
      for (const [token, s] of saved.access) {
        this.access.set(token, { userId: s.userId, expiresAt: s.expiresAt ?? Infinity, ...(s.refresh ? { refresh: s.refresh } : {}) });
      }
      for (const [token, userId] of saved.refresh) this.refresh.set(token, userId);
    }
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const saved: SavedSessions = {
      access: [...this.access].map(([t, s]) => [
        t,
        { userId: s.userId, expiresAt: Number.isFinite(s.expiresAt) ? s.expiresAt : null, ...(s.refresh ? { refresh: s.refresh } : {}) },
      ]),
      refresh: [...this.refresh],
    };
    writeFileSync(this.file, JSON.stringify(saved), { mode: 0o600 });
  }

  issueAccessToken(userId: string, refresh?: string): string {
    const token = `${this.orgId}!${randomBytes(40).toString('base64url')}`;
    this.access.set(token, { userId, expiresAt: this.now() + this.ttlMs, ...(refresh ? { refresh } : {}) });
    this.save();
    return token;
  }

  issueRefreshToken(userId: string): string {
    const token = `5Aep861${randomBytes(48).toString('base64url')}`;
    this.refresh.set(token, userId);
    this.save();
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

  /** Revokes an access token, or a refresh token and every access token renewed with it. */
  revoke(token: string): void {
    this.access.delete(token);
    if (this.refresh.delete(token)) {
      for (const [t, s] of this.access) if (s.refresh === token) this.access.delete(t);
    }
    this.save();
  }

  /** Revokes every refresh token of a user, and what was renewed with them (Setup's "Revoke" on the app's OAuth usage). */
  revokeUser(userId: string): number {
    const tokens = [...this.refresh].filter(([, u]) => u === userId).map(([t]) => t);
    for (const t of tokens) this.revoke(t);
    return tokens.length;
  }

  /** Expires one access token, or every access token when none is given. */
  expire(token?: string): void {
    if (token) this.access.delete(token);
    else this.access.clear();
    this.save();
  }
}
