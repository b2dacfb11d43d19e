/**
 * The partner SOAP API at /services/Soap/u/<version>[/<org id>] (login answers the longer form
 * as serverUrl): reads the envelope, checks the SessionHeader (login needs none), counts the
 * call against the daily API budget, runs the call and answers its response or a SOAP fault.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';
import type { EmulatorOptions } from '../options.js';
import { MAX_VERSION, MIN_VERSION } from '../rest/http.js';
import { ClientFault, faultEnvelope, PARTNER_NS, readEnvelope, responseEnvelope, textOf } from './envelope.js';
import type { SoapCall, SoapContext } from './context.js';
import { sessionCalls } from './session-calls.js';
import { dataCalls } from './data-calls.js';
import { queryCalls } from './query-calls.js';
import { describeCalls } from './describe-calls.js';
import { replicationCalls } from './replication-calls.js';

/** A SOAP message may hold 50 MB. */
const MAX_SOAP_BYTES = 52_428_800;

export interface SoapRoutesContext {
  org: Org;
  options: EmulatorOptions;
  instanceUrl: () => string;
}

function soapVersion(raw: string | undefined): string {
  const m = /^(\d+)\.0$/.exec(raw ?? '');
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= MIN_VERSION && n <= MAX_VERSION)) throw new SfError('UNSUPPORTED_API_VERSION', 'Invalid Api version specified on URL', 500);
  return `${n}.0`;
}

function send(res: Response, status: number, xml: string): void {
  res.status(status).type('text/xml; charset=utf-8').send(xml);
}

function sendFault(res: Response, err: unknown): void {
  if (err instanceof SfError || err instanceof ClientFault) return send(res, 500, faultEnvelope(err));
  const e = err as { type?: string; message?: string };
  if (e?.type === 'entity.too.large')
    return send(res, 500, faultEnvelope(new SfError('EXCEEDED_MAX_SIZE_REQUEST', 'Size of the message sent to the API exceeded 50MB')));
  send(res, 500, faultEnvelope(new SfError('UNKNOWN_EXCEPTION', `An unexpected error occurred: ${e?.message ?? String(err)}`)));
}

/** The caller's user id from the SessionHeader; INVALID_SESSION_ID otherwise. */
function sessionUser(org: Org, ctx: SoapContext): string {
  const h = ctx.headers.get('SessionHeader');
  const sessionId = (h && textOf(h, 'sessionId')) ?? '';
  const userId = sessionId ? org.authenticate(sessionId) : null;
  if (!userId) throw new SfError('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session', 500);
  ctx.sessionId = sessionId;
  return userId;
}

export function soapRoutes(rc: SoapRoutesContext): Router {
  const { org } = rc;
  const router = Router({ mergeParams: true });
  const calls: Record<string, SoapCall> = { ...sessionCalls, ...dataCalls, ...queryCalls(), ...describeCalls, ...replicationCalls };
  router.use(express.text({ type: () => true, limit: MAX_SOAP_BYTES }));

  router.post(['/', '/:orgId'], (req: Request, res: Response) => {
    try {
      const version = soapVersion(req.params.version as string | undefined);
      const { headers, op } = readEnvelope(typeof req.body === 'string' ? req.body : '');
      const call = op.ns === PARTNER_NS ? calls[op.name] : undefined;
      if (!call) throw new ClientFault(`No operation available for request {${op.ns}}${op.name}`);
      const ctx: SoapContext = { org, options: rc.options, instanceUrl: rc.instanceUrl(), version, headers, userId: '', sessionId: '' };
      if (op.name === 'login') return send(res, 200, responseEnvelope(op.name, call(op, ctx)));
      ctx.userId = sessionUser(org, ctx);
      if (!org.limits.use('DailyApiRequests')) throw new SfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', 500);
      const inner = call(op, ctx);
      send(res, 200, responseEnvelope(op.name, inner, org.limits.usage('DailyApiRequests')));
    } catch (err) {
      sendFault(res, err);
    }
  });
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendFault(res, err));
  return router;
}
