/** The engine's API over HTTP, with the local admin key (or ORGVAULT_API_KEY). */
import { OrgVaultError, type ErrorCode } from '../errors.js';
import type { CallInput, EngineClient } from './engine-client.js';

interface Operation {
  method: string;
  path: string;
}

/** operationId → method and path, from the engine's own OpenAPI document: no second copy of its routes. */
async function operations(base: string, get: (url: string) => Promise<Response>): Promise<Map<string, Operation>> {
  const doc = (await (await get(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
  const ops = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) ops.set(op.operationId, { method: method.toUpperCase(), path });
  return ops;
}

function urlOf(base: string, op: Operation, input: CallInput): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(input.params?.[name] ?? ''));
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) query.set(k, String(v));
  return `${base}${path}${query.size > 0 ? `?${query}` : ''}`;
}

/** The engine's error, as the engine said it: code, message, actions. */
async function failure(res: Response): Promise<OrgVaultError> {
  const body = (await res.json().catch(() => undefined)) as
    { error?: { code: ErrorCode; message: string; actions?: string[]; details?: Record<string, unknown> } } | undefined;
  if (!body?.error) return new OrgVaultError('INTERNAL', `The engine answered HTTP ${res.status}`);
  const { code, message, actions, details } = body.error;
  return new OrgVaultError(code, message, { actions: actions ?? [], ...(details ? { details } : {}) });
}

export async function openHttpClient(url: string, key: string): Promise<EngineClient> {
  const base = `${url}/api/v1`;
  const send = async (target: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await fetch(target, init);
    } catch (err) {
      throw new OrgVaultError('SERVICE_UNAVAILABLE', `The engine at ${url} does not answer (${(err as Error).message})`, {
        actions: ['Start it (npm start), or run the command with ORGVAULT_ENGINE_URL=off to work without it.'],
      });
    }
  };
  const ops = await operations(base, send);
  const request = async (operationId: string, input: CallInput): Promise<Response> => {
    const op = ops.get(operationId);
    if (!op) throw new OrgVaultError('SERVICE_UNAVAILABLE', `The engine at ${url} does not offer ${operationId}`);
    const res = await send(urlOf(base, op, input), {
      method: op.method,
      headers: {
        'X-OrgVault-Key': key,
        'X-OrgVault-User': input.user ?? 'cli',
        'X-OrgVault-Roles': 'administrator',
        ...(input.tenantId ? { 'X-OrgVault-Tenant': input.tenantId } : {}),
        ...(input.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
    });
    if (!res.ok) throw await failure(res);
    return res;
  };
  return {
    via: 'api',
    call: async <T>(operationId: string, input: CallInput = {}): Promise<T> => {
      const res = await request(operationId, input);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
    restoreResults: async (tenantId, orgId, runId) => (await request('restoreResults', { tenantId, params: { orgId, runId } })).text(),
    close: async () => undefined,
  };
}
