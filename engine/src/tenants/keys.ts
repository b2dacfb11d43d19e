import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { isConnectedIn } from '../orgs/facts.js';
import { INSERT_KEY, KEY_EXISTS, LIST_KEYS, LIVE_KEYS_BY_PREFIX, REVOKE_KEY, REVOKE_ORG_KEYS } from './sql.js';

/** The non-secret facts about a key: what lists and audit lines show. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  /** Set for an org key (the one an org's Named Credential carries); null for a tenant key. */
  orgId: string | null;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who presented a valid key. */
export interface KeyPrincipal {
  keyId: string;
  keyName: string;
  tenantId: string;
  orgId: string | null;
}

const PREFIX_LENGTH = 12;
/** Shortest key we accept (also for ORGVAULT_BOOTSTRAP_KEY): below it guessing becomes plausible. */
export const MIN_KEY_LENGTH = 32;

const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** 32 random bytes: far beyond guessing, so one fast hash (not a password KDF) is enough at rest. */
export function generateKey(): string {
  return `ovk_${randomBytes(32).toString('base64url')}`;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  org_id: string | null;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toInfo = (r: KeyRow): ApiKeyInfo => ({
  id: r.id,
  tenantId: r.tenant_id,
  orgId: r.org_id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** API keys: created at random, shown once, kept as SHA-256, compared in constant time, revocable. */
export class ApiKeyService {
  constructor(private readonly pool: Queryable) {}

  /** Stores a key and returns it in clear: the only time anyone sees it. */
  async create(tenantId: string, input: { name: string; orgId?: string | null; key?: string }): Promise<{ info: ApiKeyInfo; key: string }> {
    const key = input.key ?? generateKey();
    if (key.length < MIN_KEY_LENGTH) {
      throw new OrgVaultError('VALIDATION_FAILED', `An API key must have at least ${MIN_KEY_LENGTH} characters`);
    }
    if (input.orgId) {
      if (!(await isConnectedIn(this.pool, tenantId, input.orgId))) throw new OrgVaultError('NOT_FOUND', 'No such organization');
    }
    const { rows } = await this.pool.query<KeyRow>(INSERT_KEY, [
      tenantId,
      randomUUID(),
      input.orgId ?? null,
      input.name,
      key.slice(0, PREFIX_LENGTH),
      hashKey(key),
    ]);
    return { info: toInfo(rows[0]!), key };
  }

  async list(tenantId: string): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query<KeyRow>(LIST_KEYS, [tenantId]);
    return rows.map(toInfo);
  }

  /** Revoking twice is harmless; another tenant's key is NOT_FOUND. */
  async revoke(tenantId: string, keyId: string): Promise<ApiKeyInfo> {
    const { rows } = await this.pool.query<KeyRow>(REVOKE_KEY, [tenantId, keyId]);
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such API key');
    return toInfo(rows[0]);
  }

  /** Revokes the keys of one org (when it is disconnected). */
  async revokeForOrg(tenantId: string, orgId: string): Promise<void> {
    await this.pool.query(REVOKE_ORG_KEYS, [tenantId, orgId]);
  }

  /**
   * The org's key for its Named Credential after a (re)connect. The org keys issued before are
   * revoked: a key handed out once must not outlive the connection it was issued for.
   */
  async reissueForOrg(tenantId: string, orgId: string, name: string): Promise<{ info: ApiKeyInfo; key: string }> {
    await this.revokeForOrg(tenantId, orgId);
    return this.create(tenantId, { name, orgId });
  }

  /** The principal of a live key, or null. The keys of a disconnected org are not live. */
  async authenticate(key: string): Promise<KeyPrincipal | null> {
    if (key.length < MIN_KEY_LENGTH || key.length > 512) return null;
    const { rows } = await this.pool.query<{ id: string; tenant_id: string; org_id: string | null; name: string; key_hash: Buffer }>(
      LIVE_KEYS_BY_PREFIX,
      [key.slice(0, PREFIX_LENGTH)],
    );
    const presented = hashKey(key);
    const match = rows.find((r) => timingSafeEqual(r.key_hash, presented));
    return match ? { keyId: match.id, keyName: match.name, tenantId: match.tenant_id, orgId: match.org_id } : null;
  }

  /** True when some key (live or revoked) already has this value. */
  async exists(key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(KEY_EXISTS, [hashKey(key)]);
    return (rowCount ?? 0) > 0;
  }
}
