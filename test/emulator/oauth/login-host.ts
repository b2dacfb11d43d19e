/**
 * A shared login host, as login.salesforce.com (production orgs) and test.salesforce.com
 * (sandboxes) are: one login page, token endpoint and revoke endpoint for the users of many orgs,
 * each org still answering its API at its own instance URL. A host serves one kind of org only:
 * a production user at the sandbox host, or a sandbox user at the production host, is refused
 * with the words a wrong password gets (Salesforce does not say who exists elsewhere), and a
 * refresh token or JWT of the other kind is an `invalid_grant`. Tokens are the user's org's: the
 * token answer's instance_url is that org's, and they renew and revoke here or at the org.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import type { Org } from '../data/org.js';
import type { ConnectedApp } from './connected-apps.js';
import { jwtGrant, oauthError, tokenResponse, type IdentityContext } from './routes.js';
import { activeUser, WebServerFlow, type LoginRealm } from './web-flow.js';

export interface LoginHostOptions {
  /** true: the sandbox host (test.salesforce.com); false: the production host (login.salesforce.com). */
  sandbox: boolean;
  /** Orgs whose users may log in here when they are of the host's kind (more with `add`). */
  orgs?: Array<{ identity: IdentityContext }>;
  connectedApps?: ConnectedApp[];
  /** Host to bind; default 127.0.0.1 (the port is always a free one). */
  host?: string;
}

export interface LoginHost {
  url: string;
  /** The web-server flow of the host: its connected apps (an app is known at every login host). */
  oauth: WebServerFlow;
  add(org: { identity: IdentityContext }): void;
  stop(): Promise<void>;
}

const isSandbox = (org: Org): boolean => {
  const orgs = org.table('Organization');
  return orgs.get(orgs.rowOf(org.orgId), 'IsSandbox') === true;
};

export async function startLoginHost(options: LoginHostOptions): Promise<LoginHost> {
  const all: IdentityContext[] = (options.orgs ?? []).map((o) => o.identity);
  // Read at every request: an org's kind is its Organization record's, as the host finds it.
  const served = (): IdentityContext[] => all.filter((ctx) => isSandbox(ctx.org) === options.sandbox);
  const realm: LoginRealm = {
    title: () => 'Salesforce',
    now: () => Date.now(),
    user: (username) => {
      for (const ctx of served()) {
        const userId = activeUser(ctx.org, username);
        if (userId) return { ctx, userId };
      }
      return undefined;
    },
  };
  const oauth = new WebServerFlow(realm, { connectedApps: options.connectedApps });

  const app = express();
  app.disable('x-powered-by');
  app.use(oauth.router(false));
  const form = express.urlencoded({ extended: false });
  app.post('/services/oauth2/token', form, (req, res) => tokenGrant(served(), realm, req, res));
  app.post('/services/oauth2/revoke', form, (req, res) => {
    const token = String(req.body?.token ?? req.query.token ?? '');
    for (const ctx of served()) ctx.org.sessions.revoke(token);
    res.status(200).end();
  });
  app.use((_req, res) => void res.status(404).type('text/plain').send('Not Found'));

  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    oauth,
    add: (org) => void all.push(org.identity),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The refresh-token and JWT grants, answered by the org the token or user belongs to. */
function tokenGrant(orgs: IdentityContext[], realm: LoginRealm, req: Request, res: Response): void {
  const grant = String(req.body?.grant_type ?? '');
  if (grant === 'refresh_token') {
    const refreshToken = String(req.body.refresh_token ?? '');
    for (const ctx of orgs) {
      const userId = ctx.org.sessions.refreshUser(refreshToken);
      if (userId) return void res.json(tokenResponse(ctx, userId, ctx.org.sessions.issueAccessToken(userId, refreshToken)));
    }
    return oauthError(res, 'invalid_grant', 'expired access/refresh token');
  }
  if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const claims = jwt.decode(String(req.body.assertion ?? ''));
    const sub = typeof claims === 'object' && claims !== null ? String(claims.sub ?? '') : '';
    const user = realm.user(sub);
    if (!user) return oauthError(res, 'invalid_grant', "user hasn't approved this consumer");
    return jwtGrant(user.ctx, req, res);
  }
  oauthError(res, 'unsupported_grant_type', 'grant type not supported');
}
