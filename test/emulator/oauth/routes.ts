/**
 * /services/oauth2: the token endpoint (refresh_token and JWT bearer grants), userinfo, revoke,
 * and the identity URL the token answer points at.
 */
import { createHmac, randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import type { Org } from '../data/org.js';
import { bearerToken, MAX_VERSION } from '../rest/http.js';
import type { EmulatorOptions } from '../options.js';

export function oauthError(res: Response, error: string, description: string, status = 400): void {
  res.status(status).json({ error, error_description: description });
}

export interface IdentityContext {
  org: Org;
  options: EmulatorOptions;
  instanceUrl: () => string;
}

function userFields(org: Org, userId: string): Record<string, unknown> {
  const users = org.table('User');
  const row = users.rowOf(userId);
  return {
    username: users.get(row, 'Username'),
    email: users.get(row, 'Email'),
    name: users.get(row, 'Name'),
    firstName: users.get(row, 'FirstName'),
    lastName: users.get(row, 'LastName'),
    timeZone: users.get(row, 'TimeZoneSidKey'),
    locale: users.get(row, 'LocaleSidKey'),
    language: users.get(row, 'LanguageLocaleKey'),
    active: users.get(row, 'IsActive'),
  };
}

function urls(base: string, org: Org, userId: string): Record<string, string> {
  const data = `${base}/services/data/v{version}`;
  return {
    enterprise: `${base}/services/Soap/c/{version}/${org.orgId.slice(0, 15)}`,
    metadata: `${base}/services/Soap/m/{version}/${org.orgId.slice(0, 15)}`,
    partner: `${base}/services/Soap/u/{version}/${org.orgId.slice(0, 15)}`,
    rest: `${data}/`,
    sobjects: `${data}/sobjects/`,
    search: `${data}/search/`,
    query: `${data}/query/`,
    recent: `${data}/recent/`,
    tooling_soap: `${base}/services/Soap/T/{version}/${org.orgId.slice(0, 15)}`,
    tooling_rest: `${data}/tooling/`,
    profile: `${base}/${userId}`,
    feeds: `${data}/chatter/feeds`,
    groups: `${data}/chatter/groups`,
    users: `${data}/chatter/users`,
    feed_items: `${data}/chatter/feed-items`,
    feed_elements: `${data}/chatter/feed-elements`,
    custom_domain: base,
  };
}

export function tokenResponse(
  ctx: IdentityContext,
  userId: string,
  accessToken: string,
  refreshToken?: string,
  scope = 'refresh_token api full',
): Record<string, unknown> {
  const base = ctx.instanceUrl();
  const issuedAt = String(ctx.org.now());
  const id = `${base}/id/${ctx.org.orgId}/${userId}`;
  const signature = createHmac('sha256', ctx.org.orgId)
    .update(id + issuedAt)
    .digest('base64');
  return {
    access_token: accessToken,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    signature,
    scope,
    instance_url: base,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  };
}

export function jwtGrant(ctx: IdentityContext, req: Request, res: Response): void {
  const { org, options } = ctx;
  const assertion = String(req.body.assertion ?? '');
  if (!options.jwtCertificate) return oauthError(res, 'invalid_grant', 'invalid assertion: no certificate is configured for JWT bearer');
  let claims: jwt.JwtPayload;
  try {
    // exp is checked below: @salesforce/core writes it in milliseconds.
    claims = jwt.verify(assertion, options.jwtCertificate, { algorithms: ['RS256'], ignoreExpiration: true }) as jwt.JwtPayload;
  } catch {
    return oauthError(res, 'invalid_grant', 'invalid assertion');
  }
  const exp = typeof claims.exp === 'number' ? (claims.exp > 1e12 ? claims.exp : claims.exp * 1000) : 0;
  if (exp < org.now()) return oauthError(res, 'invalid_grant', 'expired authorization code');
  if (options.jwtClientId && claims.iss !== options.jwtClientId) return oauthError(res, 'invalid_client_id', 'client identifier invalid');
  const users = org.table('User');
  const row = org.findByUnique(users, users.field('Username')!, String(claims.sub ?? ''));
  if (row < 0 || users.get(row, 'IsActive') !== true) return oauthError(res, 'invalid_grant', "user hasn't approved this consumer");
  const userId = users.idOf(row);
  res.json(tokenResponse(ctx, userId, org.sessions.issueAccessToken(userId)));
}

export function oauthRoutes(ctx: IdentityContext): Router {
  const { org } = ctx;
  const router = Router();
  router.use(express.urlencoded({ extended: false }));

  router.post('/services/oauth2/token', (req, res) => {
    const grant = String(req.body?.grant_type ?? '');
    if (grant === 'refresh_token') {
      const refreshToken = String(req.body.refresh_token ?? '');
      const userId = org.sessions.refreshUser(refreshToken);
      if (!userId) return oauthError(res, 'invalid_grant', 'expired access/refresh token');
      res.json(tokenResponse(ctx, userId, org.sessions.issueAccessToken(userId, refreshToken)));
      return;
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return jwtGrant(ctx, req, res);
    oauthError(res, 'unsupported_grant_type', 'grant type not supported');
  });

  router.post('/services/oauth2/revoke', (req, res) => {
    org.sessions.revoke(String(req.body?.token ?? req.query.token ?? ''));
    res.status(200).end();
  });

  const authed = (req: Request, res: Response): string | null => {
    const token = bearerToken(req);
    const userId = token ? org.authenticate(token) : null;
    if (!userId) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return null;
    }
    return userId;
  };

  // A single-use front door URL (what `sf org open --url-only` prints). The emulator has no UI:
  // the URL is well formed but leads nowhere.
  router.all('/services/oauth2/singleaccess', (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') return oauthError(res, 'invalid_request', 'method not allowed', 405);
    const userId = authed(req, res);
    if (!userId) return;
    const url = new URL('/secur/frontdoor.jsp', ctx.instanceUrl());
    url.searchParams.set('otp', randomBytes(24).toString('base64url'));
    const redirect = req.query.redirect_uri ?? (req.body as { redirect_uri?: unknown } | undefined)?.redirect_uri;
    if (typeof redirect === 'string' && redirect) url.searchParams.set('startURL', redirect);
    res.json({ frontdoor_uri: url.toString() });
  });

  router.get('/services/oauth2/userinfo', (req, res) => {
    const userId = authed(req, res);
    if (!userId) return;
    const base = ctx.instanceUrl();
    const u = userFields(org, userId);
    res.json({
      sub: `${base}/id/${org.orgId}/${userId}`,
      user_id: userId,
      organization_id: org.orgId,
      preferred_username: u.username,
      nickname: String(u.username).split('@')[0],
      name: u.name,
      email: u.email,
      email_verified: true,
      given_name: u.firstName,
      family_name: u.lastName,
      zoneinfo: u.timeZone,
      photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
      profile: `${base}/${userId}`,
      picture: `${base}/profilephoto/005/F`,
      address: {},
      is_salesforce_integration_user: false,
      urls: urls(base, org, userId),
      active: u.active,
      user_type: 'STANDARD',
      language: u.language,
      locale: u.locale,
      utcOffset: 0,
      updated_at: new Date(org.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      is_app_installed: true,
    });
  });

  router.get('/id/:orgId/:userId', (req, res) => {
    const userId = authed(req, res);
    if (!userId) return;
    const base = ctx.instanceUrl();
    const u = userFields(org, userId);
    res.json({
      id: `${base}/id/${org.orgId}/${userId}`,
      asserted_user: true,
      user_id: userId,
      organization_id: org.orgId,
      username: u.username,
      nick_name: String(u.username).split('@')[0],
      display_name: u.name,
      email: u.email,
      email_verified: true,
      first_name: u.firstName,
      last_name: u.lastName,
      timezone: u.timeZone,
      active: u.active,
      user_type: 'STANDARD',
      language: u.language,
      locale: u.locale,
      utcOffset: 0,
      urls: urls(base, org, userId),
      is_app_installed: true,
      last_modified_date: new Date(org.now()).toISOString(),
    });
  });
  return router;
}

/** GET /services/data: the API versions (no authentication). */
export function versionsRoute(): Router {
  const router = Router();
  const seasons = ['Spring', 'Summer', 'Winter'];
  router.get(['/services/data', '/services/data/'], (_req, res) => {
    const out = [];
    for (let n = 20; n <= MAX_VERSION; n++) {
      const year = Math.floor((n - 20) / 3) + 11;
      out.push({ label: `${seasons[(n - 20 + 2) % 3]} '${year}`, url: `/services/data/v${n}.0`, version: `${n}.0` });
    }
    res.json(out);
  });
  return router;
}
