import type { AddressInfo } from 'node:net';
import { createTestDb, testStorageConnectionString, type TestDb } from '../../../test/support/db.js';
import { createApp, listen } from '../../src/api/app.js';
import type { ApiServices } from '../../src/api/services.js';
import { apiServices } from './doubles.js';
import type { ApiOptions } from '../../src/api/v1.js';
import { configSchema } from '../../src/config/schema.js';
import type { EngineContext } from '../../src/context.js';
import { openContainer } from '../../src/infra/blob.js';
import type { Pool } from '../../src/infra/db.js';
import { createLogger, type Logger } from '../../src/infra/logger.js';
import { OrgRegistry, type Org } from '../../src/orgs/registry.js';
import { ApiKeyService } from '../../src/tenants/keys.js';
import { bootstrapTenant, TenantService } from '../../src/tenants/tenants.js';
import type { Role } from '../../src/tenants/roles.js';

export interface TestApi {
  url: string;
  db: TestDb;
  services: ApiServices;
  /** fetch against /api/v1 with the given key and roles; JSON in, JSON (or text) out. */
  call(
    method: string,
    path: string,
    opts?: {
      key?: string | null;
      roles?: Role[] | string;
      user?: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  newTenant(name: string): Promise<{ tenantId: string; key: string }>;
  addOrg(tenantId: string, sfOrgId: string, overrides?: Partial<{ name: string; isSandbox: boolean }>): Promise<Org>;
  stop(): Promise<void>;
}

/**
 * The API over real PostgreSQL (a schema of its own) and Azurite, served on port 0 and called
 * with real fetch. The engine's own services (tenants, keys, orgs) are real; `extra` supplies
 * the services other domains own, and doubles (doubles.ts) stand in for those it does not.
 */
export type ExtraServices = (own: { pool: Pool; orgs: OrgRegistry }) => Partial<ApiServices>;

export async function startTestApi(
  extra: ExtraServices | Partial<ApiServices> = () => ({}),
  options: Partial<ApiOptions> = {},
  log: Logger = createLogger('silent'),
): Promise<TestApi> {
  const db = await createTestDb();
  const config = configSchema.parse({ port: 0, logLevel: 'silent' });
  const container = await openContainer(testStorageConnectionString(), 'orgvault-api-tests');
  const ctx: EngineContext = {
    config,
    log,
    infra: {
      databaseUrl: db.url,
      storageConnectionString: testStorageConnectionString(),
      pool: db.pool,
      container,
      embedded: { postgres: false, azurite: false },
      stop: async () => undefined,
    },
  };
  const keys = new ApiKeyService(db.pool);
  const orgs = new OrgRegistry(db.pool);
  orgs.onDisconnect((org) => keys.revokeForOrg(org.tenantId, org.id));
  const given = typeof extra === 'function' ? extra({ pool: db.pool, orgs }) : extra;
  const services = apiServices({ pool: db.pool, orgs, keys, tenants: new TenantService(db.pool) }, given);
  const app = createApp(ctx, services, { eventsPollMs: 20, ...options });
  const server = await listen(app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    services,
    call: async (method, path, opts = {}) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers['X-OrgVault-Key'] = opts.key;
      if (opts.roles !== undefined) headers['X-OrgVault-Roles'] = Array.isArray(opts.roles) ? opts.roles.join(',') : opts.roles;
      if (opts.user) headers['X-OrgVault-User'] = opts.user;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${url}/api/v1${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      if (/^application\/json\b/.test(res.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
      return { status: res.status, body: parsed, headers: res.headers };
    },
    newTenant: async (name) => {
      const b = await bootstrapTenant(db.pool, { name });
      return { tenantId: b.tenant.id, key: b.key };
    },
    addOrg: (tenantId, sfOrgId, overrides = {}) =>
      orgs.register(tenantId, {
        sfOrgId,
        name: overrides.name ?? `Org ${sfOrgId}`,
        instanceUrl: `https://${sfOrgId.toLowerCase()}.my.example.test`,
        isSandbox: overrides.isSandbox ?? false,
        timeZone: 'Europe/Paris',
      }),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.drop();
    },
  };
}

/**
 * Row counts and a digest of every table in the suite's schema: equal before and after = nothing
 * changed. The audit trail is left out: refused requests are recorded there by design.
 */
export async function snapshotDb(db: TestDb): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'audit\\_%' ORDER BY table_name`,
    [db.schema],
  );
  const out: Record<string, string> = {};
  for (const { table_name } of rows) {
    const r = await db.pool.query<{ d: string }>(
      `SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS d FROM "${table_name}" t`,
    );
    out[table_name] = r.rows[0]!.d;
  }
  return out;
}
