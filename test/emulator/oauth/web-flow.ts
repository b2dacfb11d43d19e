/**
 * The OAuth 2.0 web-server flow as Salesforce documents it: `GET /services/oauth2/authorize`
 * (response_type=code, client_id, redirect_uri, state, scope, prompt, code_challenge with S256)
 * shows a login page for the org's users, then an approval page the first time a user meets an
 * app (or with prompt=consent), then redirects to `redirect_uri?code=..&state=..`. The code is
 * good once, for 15 minutes, at `POST /services/oauth2/token` (grant_type=authorization_code)
 * with the same client and redirect_uri, the code_verifier of the challenge and the consumer
 * secret when the app requires it. A client or redirect_uri that cannot be trusted gets an error
 * page, never a redirect.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Org } from '../data/org.js';
import { ConnectedApps, type ConnectedApp } from './connected-apps.js';
import { approvalPage, errorPage, loginPage } from './pages.js';
import { oauthError, tokenResponse, type IdentityContext } from './routes.js';
import { DEFAULT_PASSWORD } from '../soap/session-calls.js';

/** Salesforce's authorization codes last 15 minutes. */
export const CODE_TTL_MS = 15 * 60_000;
/** A login page left open longer than this starts over. */
const PENDING_TTL_MS = 30 * 60_000;

export interface WebFlowOptions {
  connectedApps?: ConnectedApp[] | undefined;
}

/**
 * Whose users log in on a login page: one org's (its own domain) or several orgs' (a shared
 * login host such as login.salesforce.com). The code, and the tokens it is exchanged for, belong
 * to the org of the user who logged in.
 */
export interface LoginRealm {
  /** The login page's title. */
  title(): string;
  now(): number;
  /** An active user who may log in here, and their org; undefined for anyone else. */
  user(username: string): { ctx: IdentityContext; userId: string } | undefined;
}

/** An active user of the org by username (Salesforce compares usernames without case). */
export function activeUser(org: Org, username: string): string | undefined {
  const users = org.table('User');
  const wanted = username.trim().toLowerCase();
  if (!wanted) return undefined;
  for (let row = 0; row < users.size; row++) {
    if (users.deletedAt.has(row)) continue;
    if (String(users.get(row, 'Username')).toLowerCase() === wanted && users.get(row, 'IsActive') === true) return users.idOf(row);
  }
  return undefined;
}

export function orgName(org: Org): string {
  const orgs = org.table('Organization');
  return String(orgs.get(orgs.rowOf(org.orgId), 'Name'));
}

/** One org's own login page (its instance or My Domain URL): only its users log in. */
export function orgRealm(ctx: IdentityContext): LoginRealm {
  return {
    title: () => orgName(ctx.org),
    now: () => ctx.org.now(),
    user: (username) => {
      const userId = activeUser(ctx.org, username);
      return userId ? { ctx, userId } : undefined;
    },
  };
}

interface Pending {
  app: ConnectedApp;
  redirectUri: string;
  state: string | undefined;
  scopes: string[];
  challenge: string | undefined;
  prompt: string[];
  expiresAt: number;
  user?: { ctx: IdentityContext; userId: string };
}

interface IssuedCode {
  ctx: IdentityContext;
  clientId: string;
  redirectUri: string;
  challenge: string | undefined;
  userId: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
  /** Tokens issued for it: a second use of the code revokes them (RFC 6749 §4.1.2). */
  issued: string[];
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class WebServerFlow {
  readonly apps: ConnectedApps;
  readonly #pending = new Map<string, Pending>();
  readonly #codes = new Map<string, IssuedCode>();
  /** `${userId} ${clientId}` once the user allowed the app. */
  readonly #approved = new Set<string>();

  constructor(
    private readonly realm: LoginRealm,
    options: WebFlowOptions = {},
  ) {
    this.apps = new ConnectedApps(options.connectedApps);
  }

  router(admin: boolean): Router {
    const router = Router();
    const form = express.urlencoded({ extended: false });
    router.get('/services/oauth2/authorize', (req, res) => this.#authorize(req, res));
    router.post('/services/oauth2/authorize/login', form, (req, res) => this.#login(req, res));
    router.post('/services/oauth2/authorize/approve', form, (req, res) => this.#approve(req, res));
    router.post('/services/oauth2/token', form, (req, res, next) => {
      if (req.body?.grant_type !== 'authorization_code') return next();
      this.#exchange(req, res);
    });
    if (admin) {
      // Setup → Connected Apps OAuth Usage → Revoke: every refresh token of the user goes.
      router.post('/__emulator/oauth/revoke-user', express.json(), (req, res) => {
        const user = this.realm.user(String(req.body?.username ?? ''));
        if (!user) return void res.status(404).json({ error: 'unknown username' });
        res.json({ revoked: user.ctx.org.sessions.revokeUser(user.userId) });
      });
    }
    return router;
  }

  #authorize(req: Request, res: Response): void {
    const q = (name: string): string | undefined => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const app = this.apps.get(q('client_id') ?? '');
    if (!app) return void res.status(400).type('html').send(errorPage('invalid_client_id', 'client identifier invalid'));
    const redirectUri = q('redirect_uri') ?? '';
    if (!app.callbackUrls.includes(redirectUri)) {
      return void res.status(400).type('html').send(errorPage('redirect_uri_mismatch', 'redirect_uri must match configuration'));
    }
    const state = q('state');
    const back = (error: string, description: string) => redirect(res, redirectUri, { error, error_description: description, state });
    if (q('response_type') !== 'code') return back('unsupported_response_type', 'response type not supported');
    const challenge = q('code_challenge');
    const method = q('code_challenge_method') ?? (challenge ? 'S256' : undefined);
    if (challenge !== undefined && (method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) {
      return back('invalid_request', 'invalid code challenge');
    }
    const prompt = (q('prompt') ?? '').split(' ').filter(Boolean);
    // No browser session is kept: every authorization meets the login page, so prompt=none cannot pass.
    if (prompt.includes('none')) return back('login_required', 'user must log in');
    const scopes = (q('scope') ?? 'api refresh_token').split(' ').filter(Boolean);
    const authz = randomBytes(18).toString('base64url');
    this.#pending.set(authz, { app, redirectUri, state, scopes, challenge, prompt, expiresAt: this.realm.now() + PENDING_TTL_MS });
    res.type('html').send(loginPage({ authz, username: q('login_hint'), orgName: this.realm.title() }));
  }

  #login(req: Request, res: Response): void {
    const pending = this.#pendingOf(req, res);
    if (!pending) return;
    const { authz, p } = pending;
    const username = String(req.body?.username ?? '');
    const user = this.realm.user(username);
    // The same password as the SOAP API's login(): the emulator's one for every active user. A
    // user this page does not serve (another org's, another kind of org's) reads the same words.
    const expected = user?.ctx.options.password ?? DEFAULT_PASSWORD;
    if (!user || !sameText(String(req.body?.pw ?? ''), expected)) {
      return void res
        .status(200)
        .type('html')
        .send(loginPage({ authz, username, error: true, orgName: this.realm.title() }));
    }
    p.user = user;
    if (this.#approved.has(`${user.userId} ${p.app.clientId}`) && !p.prompt.includes('consent')) return this.#issueCode(res, authz, p);
    res
      .type('html')
      .send(approvalPage({ authz, clientId: p.app.clientId, username: usernameOf(user.ctx.org, user.userId), scopes: p.scopes }));
  }

  #approve(req: Request, res: Response): void {
    const pending = this.#pendingOf(req, res);
    if (!pending) return;
    const { authz, p } = pending;
    if (!p.user) return void res.status(400).type('html').send(errorPage('invalid_request', 'log in first'));
    if (req.body?.decision !== 'allow') {
      this.#pending.delete(authz);
      return redirect(res, p.redirectUri, { error: 'access_denied', error_description: 'end-user denied authorization', state: p.state });
    }
    this.#approved.add(`${p.user.userId} ${p.app.clientId}`);
    this.#issueCode(res, authz, p);
  }

  #issueCode(res: Response, authz: string, p: Pending): void {
    this.#pending.delete(authz);
    const code = `aPrx${randomBytes(36).toString('base64url')}`;
    const { ctx, userId } = p.user!;
    this.#codes.set(code, {
      ctx,
      clientId: p.app.clientId,
      redirectUri: p.redirectUri,
      challenge: p.challenge,
      userId,
      scopes: p.scopes,
      expiresAt: ctx.org.now() + CODE_TTL_MS,
      used: false,
      issued: [],
    });
    redirect(res, p.redirectUri, { code, state: p.state });
  }

  /** The checks in Salesforce's order: client, its secret, the code, redirect_uri, the verifier. */
  #exchange(req: Request, res: Response): void {
    const body = req.body as Record<string, string | undefined>;
    const app = this.apps.get(body.client_id ?? '');
    if (!app) return oauthError(res, 'invalid_client_id', 'client identifier invalid');
    if (this.apps.requiresSecret(app) && !(app.clientSecret && body.client_secret && sameText(body.client_secret, app.clientSecret))) {
      return oauthError(res, 'invalid_client', 'invalid client credentials');
    }
    const code = this.#codes.get(body.code ?? '');
    if (!code || code.clientId !== app.clientId) return oauthError(res, 'invalid_grant', 'invalid authorization code');
    if (code.used) {
      for (const token of code.issued) code.ctx.org.sessions.revoke(token);
      return oauthError(res, 'invalid_grant', 'invalid authorization code');
    }
    code.used = true;
    if (code.expiresAt <= code.ctx.org.now()) return oauthError(res, 'invalid_grant', 'expired authorization code');
    if (body.redirect_uri !== code.redirectUri) return oauthError(res, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    if (code.challenge !== undefined) {
      const verifier = body.code_verifier ?? '';
      const digest = createHash('sha256').update(verifier).digest('base64url');
      if (!sameText(digest, code.challenge)) return oauthError(res, 'invalid_grant', 'invalid code verifier');
    }
    const sessions = code.ctx.org.sessions;
    const offline = code.scopes.some((s) => s === 'refresh_token' || s === 'offline_access' || s === 'full');
    const refreshToken = offline ? sessions.issueRefreshToken(code.userId) : undefined;
    const accessToken = sessions.issueAccessToken(code.userId, refreshToken);
    code.issued.push(accessToken, ...(refreshToken ? [refreshToken] : []));
    res.json(tokenResponse(code.ctx, code.userId, accessToken, refreshToken, code.scopes.join(' ')));
  }

  #pendingOf(req: Request, res: Response): { authz: string; p: Pending } | undefined {
    const authz = String(req.body?.authz ?? '');
    const p = this.#pending.get(authz);
    if (!p || p.expiresAt <= this.realm.now()) {
      this.#pending.delete(authz);
      res.status(400).type('html').send(errorPage('invalid_request', 'the login session expired; start again from the application'));
      return undefined;
    }
    return { authz, p };
  }
}

function usernameOf(org: Org, userId: string): string {
  const users = org.table('User');
  return String(users.get(users.rowOf(userId), 'Username'));
}

function redirect(res: Response, target: string, params: Record<string, string | undefined>): void {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}
