/**
 * The one way commands reach the engine: the routes of its API, by operation id. Two builds: over
 * HTTP to the engine running for the data directory (or ORGVAULT_ENGINE_URL), or in this process
 * over its own services (embedded PostgreSQL and Azurite started as needed). Both answer the same
 * wire documents, so a command neither knows nor cares which it has.
 */
import { dataDirOf } from '../config/file.js';
import { readEngineFile } from '../infra/engine-file.js';
import { readLocalAdminKey } from '../tenants/local-admin.js';
import { OrgVaultError } from '../errors.js';
import { openHttpClient } from './http-client.js';
import type { EngineClient } from './engine-client.js';

/** ORGVAULT_ENGINE_URL=off: never ask a running engine (the work runs in this process). */
const OFF = 'off';

/** The engine to ask, if any: ORGVAULT_ENGINE_URL, else the one running for the data directory. */
export function engineToAsk(env: NodeJS.ProcessEnv = process.env): { url: string; key: string } | undefined {
  if (env.ORGVAULT_ENGINE_URL === OFF) return undefined;
  // The data directory only: validating every setting would load the schema (zod) into each command.
  const dataDir = dataDirOf(env);
  const url = env.ORGVAULT_ENGINE_URL || readEngineFile(dataDir)?.url;
  if (!url) return undefined;
  const key = env.ORGVAULT_API_KEY || readLocalAdminKey(dataDir);
  if (!key)
    throw new OrgVaultError('UNAUTHENTICATED', `No key to call the engine at ${url}`, {
      actions: [`Set ORGVAULT_API_KEY, or ORGVAULT_DATA_DIR to the engine's data directory (its local-admin.key).`],
    });
  return { url: url.replace(/\/+$/, ''), key };
}

export async function openClient(): Promise<EngineClient> {
  const engine = engineToAsk();
  if (engine) return openHttpClient(engine.url, engine.key);
  // Loaded only here: the engine's whole graph is what makes the in-process path slow to start.
  const { openLocalClient } = await import('./local-client.js');
  return openLocalClient();
}
