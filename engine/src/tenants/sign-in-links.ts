import { createHash, randomBytes } from 'node:crypto';
import { OrgVaultError } from '../errors.js';

/** Who a page signed in by link calls the API as: what the Named Credential and the controller supply in Salesforce. */
export interface PageCaller {
  key: string;
  user: string;
  roles: string;
}

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

/**
 * One-time sign-in links for the local page: a launcher that holds an API key (the demo's) hands
 * the browser a ticket instead of the key, so the key never sits in a URL, a shell history or a
 * log. A ticket is good once and for a quarter of an hour; only its digest is kept, in memory,
 * because a link outlives no engine process (the launcher prints a new one on each start).
 */
export class SignInLinks {
  private readonly tickets = new Map<string, { caller: PageCaller; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(caller: PageCaller, ttlMs = SIGN_IN_LINK_TTL_MS): string {
    this.forgetExpired();
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(digest(ticket), { caller, expires: this.now() + ttlMs });
    return ticket;
  }

  /** The caller the ticket was issued for; the ticket is spent either way. */
  redeem(ticket: string): PageCaller {
    const key = digest(ticket);
    const found = this.tickets.get(key);
    this.tickets.delete(key);
    if (!found || found.expires <= this.now())
      throw new OrgVaultError('LOGIN_LINK_INVALID', 'This sign-in link is unknown, already used or expired', {
        actions: ['Use the newest link `npm start` printed, or restart it for a new one.'],
      });
    return found.caller;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, { expires }] of this.tickets) if (expires <= now) this.tickets.delete(key);
  }
}

const digest = (ticket: string): string => createHash('sha256').update(ticket).digest('hex');
