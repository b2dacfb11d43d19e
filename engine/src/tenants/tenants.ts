import { randomUUID } from 'node:crypto';
import { withTransaction, type Pool, type Queryable } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import { ApiKeyService, type ApiKeyInfo } from './keys.js';
import { FIND_TENANT_BY_NAME, GET_TENANT, INSERT_TENANT } from './sql.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

export class TenantService {
  constructor(private readonly pool: Queryable) {}

  async create(name: string): Promise<Tenant> {
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date }>(INSERT_TENANT, [randomUUID(), name]);
    const r = rows[0]!;
    return { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async get(id: string): Promise<Tenant> {
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date }>(GET_TENANT, [id]);
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such tenant');
    return { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at };
  }

  /** The oldest tenant of that name (names are the operator's labels, not unique), if any. */
  async findByName(name: string): Promise<Tenant | undefined> {
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date }>(FIND_TENANT_BY_NAME, [name]);
    return rows[0] && { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at };
  }

  /** A tenant that must exist: a mistyped name must not make a new, empty tenant. */
  async named(name: string): Promise<Tenant> {
    const found = await this.findByName(name);
    if (found) return found;
    throw new OrgVaultError('NOT_FOUND', `No tenant is named "${name}"`, {
      actions: ['Pass --tenant with the name an org was connected under (`npx orgvault org add --tenant NAME`).'],
    });
  }

  /** The tenant of that name, made on first use (connecting an org under a new name makes its tenant). */
  async ensure(name: string): Promise<Tenant> {
    return (await this.findByName(name)) ?? this.create(name);
  }
}

export interface Bootstrapped {
  tenant: Tenant;
  keyInfo: ApiKeyInfo;
  /** The key in clear: shown once to whoever bootstrapped. */
  key: string;
}

/**
 * Creates a tenant and its first tenant key: the way in before any key exists. Scripts and tests
 * call it directly; the engine calls it at start for ORGVAULT_BOOTSTRAP_KEY (see below).
 */
export async function bootstrapTenant(pool: Pool, input: { name: string; key?: string }): Promise<Bootstrapped> {
  return withTransaction(pool, async (client) => {
    const tenant = await new TenantService(client).create(input.name);
    const { info, key } = await new ApiKeyService(client).create(tenant.id, { name: 'bootstrap', key: input.key });
    return { tenant, keyInfo: info, key };
  });
}

/**
 * At start: when ORGVAULT_BOOTSTRAP_KEY is set and no key has that value yet, create a tenant
 * with it as its first tenant key. Idempotent across restarts and concurrent starts; a revoked
 * bootstrap key stays revoked (it is never recreated).
 */
export async function ensureBootstrapKey(pool: Pool, key: string, tenantName: string, log: Logger): Promise<void> {
  const keys = new ApiKeyService(pool);
  if (await keys.exists(key)) return;
  try {
    const { tenant } = await bootstrapTenant(pool, { name: tenantName, key });
    log.info({ tenantId: tenant.id }, 'bootstrap tenant created from ORGVAULT_BOOTSTRAP_KEY');
  } catch (err) {
    // Another engine process created it first (unique key hash): nothing left to do.
    if ((err as { code?: string }).code === '23505') return;
    throw err;
  }
}
