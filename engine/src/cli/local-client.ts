/**
 * The engine's API routes run in this process, over services of its own: what `orgvault` does when
 * no engine runs for the data directory. Each call goes through the route itself (validation,
 * handler, encoding), as the local admin key's caller, so the answer is the API's to the byte.
 */
import type { Request, Response } from 'express';
import { OrgVaultError } from '../errors.js';
import { allRoutes, DEFAULT_API_OPTIONS } from '../api/v1.js';
import { runRoute, type AnyRoute } from '../api/route.js';
import { callerFor, localOperator } from '../api/auth.js';
import { openSession } from './session.js';
import type { CallInput, EngineClient } from './engine-client.js';

/** Only the streaming routes read the HTTP exchange, and this client does not call them. */
const NO_HTTP = { req: undefined as unknown as Request, res: undefined as unknown as Response };

export async function openLocalClient(): Promise<EngineClient> {
  const session = await openSession();
  const { services } = session;
  const routes = new Map<string, AnyRoute>(allRoutes(services.api, DEFAULT_API_OPTIONS, session.ctx.log).map((r) => [r.id, r]));
  const call = async <T>(operationId: string, input: CallInput = {}): Promise<T> => {
    const route = routes.get(operationId);
    if (!route || route.response === null) throw new OrgVaultError('INTERNAL', `No route ${operationId} answers JSON`);
    const caller = callerFor(localOperator(input.tenantId ?? ''), input.user ?? 'cli', ['administrator'], route.action);
    const query = Object.fromEntries(Object.entries(input.query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
    const answer = await runRoute(route, { params: input.params ?? {}, query, body: input.body }, caller, NO_HTTP);
    // What the HTTP client would parse: the same document, dates as ISO strings, no undefined members.
    return JSON.parse(JSON.stringify(answer)) as T;
  };
  return {
    via: 'local',
    call,
    restoreResults: async (tenantId, orgId, runId) => {
      const org = await services.orgs.get({ tenantId, orgId: null }, orgId);
      return services.api.restore.resultsCsv(org, runId);
    },
    runHere: {
      backups: () => services.worker.start(),
      restore: (runId) => services.restoreWorker.start(runId),
    },
    close: () => session.close(),
  };
}
