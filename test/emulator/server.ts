/**
 * startEmulator: builds an org (generated from the seed), serves Salesforce's REST and OAuth
 * endpoints for it, mounts extensions (Bulk, CDC, ...) and answers with what a client needs to
 * connect. `npm run emulator` (cli.ts) prints the same as one EMULATOR_READY line.
 */
import http from 'node:http';
import https from 'node:https';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Org } from './data/org.js';
import { idCounter } from './data/ids.js';
import { generateOrg } from './data/generator.js';
import { apiRouter } from './rest/api.js';
import { errorHandler, injectFaults, sendError, MAX_JSON_REQUEST_BYTES } from './rest/http.js';
import { oauthRoutes, versionsRoute, type IdentityContext } from './oauth/routes.js';
import { WebServerFlow, orgRealm } from './oauth/web-flow.js';
import { adminRoutes } from './faults/admin.js';
import { soapRoutes } from './soap/routes.js';
import { selfSignedCertificate } from './cdc/pubsub/tls.js';
import { bulk1Routes } from './bulk1/routes.js';
import { cdcExtension } from './cdc/extension.js';
import { notFound } from './errors.js';
import type { EmulatorOptions } from './options.js';

export type { EmulatorOptions } from './options.js';
export type { EmulatorExtension, EmulatorExtensionContext } from './extension.js';

export interface EmulatorReady {
  instanceUrl: string;
  accessToken: string;
  refreshToken: string;
  orgId: string;
  userId: string;
  username: string;
  [extra: string]: unknown;
}

export interface EmulatorHandle extends EmulatorReady {
  port: number;
  org: Org;
  server: http.Server;
  /** The web-server flow: its connected apps (register more, or change callback URLs, at any time). */
  oauth: WebServerFlow;
  /** The org, its options and its instance URL: what a shared login host (oauth/login-host.ts) serves it with. */
  identity: IdentityContext;
  /** Everything printed in the EMULATOR_READY line (extension fields included). */
  ready: EmulatorReady;
  stop(): Promise<void>;
}

let orgCounter = 0;

/** The org number an emulator that ran on this data directory had: a restart serves the same org. */
function savedOrgNumber(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'emulator.json');
  if (!existsSync(file)) return undefined;
  const n = idCounter((JSON.parse(readFileSync(file, 'utf8')) as EmulatorReady).orgId);
  return n > 0 ? n : undefined;
}

/** `//services/data` → `/services/data` (the sf CLI stores instance URLs with a trailing slash). */
function collapseSlashes(url: string): string {
  const q = url.indexOf('?');
  const p = q < 0 ? url : url.slice(0, q);
  return p.replace(/\/{2,}/g, '/') + (q < 0 ? '' : url.slice(q));
}

/** `GET /services/data/v62.0/query?q=... 200 3ms` per request, once its answer is sent. */
function accessLog(sink: true | ((line: string) => void)): express.RequestHandler {
  const write = sink === true ? (line: string) => process.stderr.write(`${line}\n`) : sink;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      write(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms}ms`);
    });
    next();
  };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const orgNumber = options.orgNumber ?? (options.dataDir ? savedOrgNumber(options.dataDir) : undefined) ?? ++orgCounter;
  const org = new Org({ clock: options.clock, orgNumber, dailyApiRequests: options.dailyApiRequests });
  generateOrg(org, {
    records: options.records ?? 1000,
    seed: options.seed ?? 1,
    anchorTime: options.anchorTime,
    username: options.username,
    isSandbox: options.isSandbox,
    timeZone: options.timeZone,
  });
  // Records created from now on get ids no earlier run of this org gave: counters from the wall clock's microseconds.
  const createdBase = Date.now() * 1000;
  for (const table of org.allTables()) table.countCreatedFrom(createdBase);
  if (options.accessTokenTtlMs !== undefined) org.sessions.ttlMs = options.accessTokenTtlMs;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    org.sessions.keepIn(path.join(options.dataDir, 'sessions.json'));
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Salesforce takes at most 16,384 bytes of URI and headers together (431 beyond): Node enforces it.
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.url = collapseSlashes(req.url ?? '/');
    app(req, res);
  };
  // --tls: clients that always speak https to the instance URL get a certificate made at start.
  const tls = options.tls ? await selfSignedCertificate() : null;
  const server: http.Server = tls
    ? https.createServer({ maxHeaderSize: 16_384, cert: tls.cert, key: tls.key }, handler)
    : http.createServer({ maxHeaderSize: 16_384 }, handler);
  // Tests run clients in the emulator's process: under CPU load the event loop can lag past the 1 s
  // margin undici keeps below the server's idle timeout, and a POST then leaves on a socket the server
  // is closing (ECONNRESET, not retried). A minute's idle timeout leaves that race to idle sockets only.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const instanceUrl = `${tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`;

  if (options.logRequests) app.use(accessLog(options.logRequests));
  app.use(injectFaults(org));
  // Bulk API 1.0 reads its bodies itself: JSON jobs send SOQL and records as application/json.
  app.use('/services/async/:version', bulk1Routes(org));
  app.use(express.json({ limit: MAX_JSON_REQUEST_BYTES }));
  app.use(versionsRoute());
  const identity: IdentityContext = { org, options, instanceUrl: () => instanceUrl };
  const oauth = new WebServerFlow(orgRealm(identity), { connectedApps: options.connectedApps });
  app.use(oauth.router(options.admin === true));
  app.use(oauthRoutes(identity));
  if (options.admin) app.use('/__emulator', adminRoutes(org));
  const api = apiRouter(org, () => instanceUrl);
  app.use('/services/data/:version', api);
  app.use('/services/Soap/u/:version', soapRoutes({ org, options, instanceUrl: () => instanceUrl }));
  const extensions = [...(options.extensions ?? []), ...(options.cdc === false ? [] : [cdcExtension(options.cdc)])];
  for (const ext of extensions) await ext.attach({ app, server, org, options, instanceUrl, api });
  app.use((_req, res) => sendError(res, notFound()));
  app.use(errorHandler);

  const accessToken = org.sessions.issueAccessToken(org.userId);
  const refreshToken = org.sessions.issueRefreshToken(org.userId);
  const ready: EmulatorReady = { instanceUrl, accessToken, refreshToken, orgId: org.orgId, userId: org.userId, username: org.username };
  if (tls) ready.tlsCertificate = tls.cert;
  for (const ext of extensions) Object.assign(ready, ext.ready?.() ?? {});
  if (options.dataDir) {
    writeFileSync(path.join(options.dataDir, 'emulator.json'), JSON.stringify(ready, null, 2), { mode: 0o600 });
  }

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const ext of [...extensions].reverse()) await ext.stop?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return stopped;
  };
  return { ...ready, ready, port, org, server, oauth, identity, stop };
}
