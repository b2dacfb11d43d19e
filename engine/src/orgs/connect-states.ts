import { createHash } from 'node:crypto';
import type { Queryable } from '../infra/db.js';
import * as sql from './sql.js';

/** A login handed out by "Connect organization" and not yet come back. */
export interface ConnectState {
  tenantId: string;
  requestedBy: string | null;
  loginUrl: string;
  /** The PKCE verifier, sealed by the caller's secret box. */
  sealedVerifier: string;
  /** Reconnecting: the org the login must bring back. */
  orgId: string | null;
  expiresAt: Date;
}

const digest = (state: string): Buffer => createHash('sha256').update(state).digest();

/**
 * Logins in progress, keyed by a hash of their OAuth state (the state itself is never stored). A
 * state is taken once: the callback deletes it whether or not what follows succeeds.
 */
export class ConnectStates {
  constructor(private readonly db: Queryable) {}

  async put(state: string, login: ConnectState): Promise<void> {
    await this.db.query(sql.PURGE_CONNECT_STATES, [new Date()]);
    await this.db.query(sql.INSERT_CONNECT_STATE, [
      digest(state),
      login.tenantId,
      login.requestedBy,
      login.loginUrl,
      login.sealedVerifier,
      login.orgId,
      login.expiresAt,
    ]);
  }

  /** The login of this state if it was handed out, not taken before and not expired; it is gone afterwards. */
  async take(state: string, now: Date): Promise<ConnectState | undefined> {
    const { rows } = await this.db.query<ConnectState>(sql.TAKE_CONNECT_STATE, [digest(state)]);
    const login = rows[0];
    return login && login.expiresAt.getTime() > now.getTime() ? login : undefined;
  }
}
