import { loadConfig } from '../config/load.js';
import { createLogger } from '../infra/logger.js';
import { startInfra } from '../infra/stack.js';
import { createServices, type Services } from '../services.js';
import type { EngineContext } from '../context.js';
import { OrgVaultError } from '../errors.js';

export interface CliSession {
  ctx: EngineContext;
  services: Services;
  close(): Promise<void>;
}

/**
 * The same infrastructure and services as the engine, without the HTTP server: a CLI command
 * attaches to the embedded services of a running `npm start`, or starts its own for the time it
 * runs. Logs go to stderr so stdout stays the command's output.
 */
export async function openSession(): Promise<CliSession> {
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const infra = await startInfra(config, log);
  const ctx: EngineContext = { config, log, infra };
  try {
    const services = await createServices(ctx);
    return {
      ctx,
      services,
      close: async () => {
        await services.stop();
        await infra.stop();
      },
    };
  } catch (err) {
    await infra.stop();
    throw err;
  }
}

/** The org a command means: by OrgVault id, Salesforce org id or name; the only one when omitted. */
export async function resolveOrg(s: CliSession, ref: string | undefined): Promise<{ id: string; tenantId: string; name: string }> {
  const { rows } = await s.ctx.infra.pool.query<{ id: string; tenant_id: string; name: string; sf_org_id: string }>(
    'SELECT id, tenant_id, name, sf_org_id FROM orgs WHERE disconnected_at IS NULL ORDER BY connected_at',
  );
  const matches =
    ref === undefined
      ? rows
      : rows.filter((r) => r.id === ref || r.sf_org_id === ref || r.sf_org_id.slice(0, 15) === ref || r.name === ref);
  if (matches.length === 1) return { id: matches[0]!.id, tenantId: matches[0]!.tenant_id, name: matches[0]!.name };
  if (matches.length === 0) {
    throw new OrgVaultError(
      'NOT_FOUND',
      ref === undefined ? 'No organization is connected' : `No connected organization matches "${ref}"`,
      {
        actions: ['Connect one with `npx orgvault org add`, or list them with `npx orgvault org list`.'],
      },
    );
  }
  throw new OrgVaultError('VALIDATION_FAILED', `${matches.length} organizations match; say which with --org`, {
    details: { orgs: matches.map((m) => `${m.id} ${m.sf_org_id} ${m.name}`) },
    actions: ['Pass --org <id | Salesforce org id | name>.'],
  });
}
