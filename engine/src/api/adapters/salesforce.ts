import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import type { Org, OrgRegistry } from '../../orgs/registry.js';
import type { ConnectionOptions, OrgConnection } from '../../salesforce/connection.js';
import { connectOrg, ConnectionRepository, openStoredConnection, type SecretBox } from '../../salesforce/connection-repository.js';
import type { OrgCredentials } from '../../salesforce/credentials.js';
import { describeGlobal, describeSObject } from '../../salesforce/describe.js';
import { candidateObjects, type DescribeGlobal } from '../../salesforce/scope.js';
import type { ObjectScopeService, OrgConnectService } from '../services.js';
import type { ConnectInput, ObjectInfoOut } from '../schemas.js';

export interface SalesforceWiring {
  pool: Pool;
  /** Seals the org's secrets at rest (the store's key). */
  box: SecretBox;
  orgs: OrgRegistry;
  /** PEM key for JWT bearer connections that do not bring their own. */
  jwtPrivateKey?: string;
  connection?: ConnectionOptions;
}

/** The API's connect request in the salesforce layer's terms. */
export function toCredentials(c: ConnectInput, jwtPrivateKey: string | undefined): OrgCredentials {
  switch (c.method) {
    case 'refresh_token':
      return {
        kind: 'refreshToken',
        loginUrl: c.loginUrl,
        clientId: c.clientId,
        refreshToken: c.refreshToken,
        ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}),
      };
    case 'jwt': {
      const privateKey = c.privateKey ?? jwtPrivateKey;
      if (!privateKey) {
        throw new OrgVaultError('VALIDATION_FAILED', 'A JWT connection needs a private key and the engine has none configured', {
          actions: ['Send privateKey (PEM) with the request.'],
        });
      }
      return { kind: 'jwt', loginUrl: c.loginUrl, clientId: c.clientId, username: c.username, privateKey };
    }
    case 'access_token':
      return { kind: 'accessToken', accessToken: c.accessToken, instanceUrl: c.instanceUrl };
  }
}

/**
 * Connecting orgs and reading their describe, through the salesforce layer: the API's
 * OrgConnectService and ObjectScopeService. One live connection per org is kept (a connection
 * holds its token and budget meter), dropped when the org is disconnected or refuses it.
 */
export class SalesforceAdapter implements OrgConnectService, ObjectScopeService {
  private readonly connections = new Map<string, Promise<OrgConnection>>();
  private readonly repo: ConnectionRepository;

  constructor(private readonly w: SalesforceWiring) {
    this.repo = new ConnectionRepository(w.pool, w.box);
    w.orgs.onDisconnect(async (org) => {
      this.connections.delete(org.id);
    });
  }

  async connect(tenantId: string, credentials: ConnectInput): Promise<Org> {
    const { orgId, connection } = await connectOrg(this.w.pool, this.w.box, {
      tenantId,
      credentials: toCredentials(credentials, this.w.jwtPrivateKey),
      ...(this.w.connection ? { options: this.w.connection } : {}),
    });
    this.connections.set(orgId, Promise.resolve(connection));
    return this.w.orgs.get({ tenantId, orgId: null }, orgId);
  }

  private async connection(org: Org): Promise<OrgConnection> {
    let open = this.connections.get(org.id);
    if (!open) {
      open = openStoredConnection(this.repo, org.id, this.w.connection);
      this.connections.set(org.id, open);
    }
    try {
      return await open;
    } catch (err) {
      this.connections.delete(org.id);
      throw err;
    }
  }

  private async global(org: Org): Promise<DescribeGlobal> {
    return describeGlobal(await this.connection(org));
  }

  async listObjects(org: Org): Promise<ObjectInfoOut[]> {
    const global = await this.global(org);
    const candidates = new Set(candidateObjects(global));
    return global.sobjects.map((o) => ({
      name: o.name,
      label: (o as { label?: string }).label ?? o.name,
      custom: o.custom ?? false,
      inScope: candidates.has(o.name),
      reason: candidates.has(o.name)
        ? null
        : !o.queryable || !o.replicateable || !o.retrieveable
          ? 'Salesforce does not offer this object for replication'
          : 'Excluded by default (events, external and big objects)',
    }));
  }

  async assertKnown(org: Org, names: { objects?: string[]; fields?: string[] }): Promise<void> {
    const objects = names.objects ?? [];
    const fields = names.fields ?? [];
    if (objects.length === 0 && fields.length === 0) return;
    const global = await this.global(org);
    // API names are case-insensitive in Salesforce; the describe's spelling is the one we keep.
    const known = new Set(global.sobjects.map((o) => o.name.toLowerCase()));
    const unknown = objects.filter((o) => !known.has(o.toLowerCase()));
    const byObject = new Map<string, string[]>();
    for (const ref of fields) {
      const [object, field] = ref.split('.') as [string, string];
      if (!known.has(object.toLowerCase())) unknown.push(ref);
      else byObject.set(object, [...(byObject.get(object) ?? []), field]);
    }
    const conn = await this.connection(org);
    for (const [object, wanted] of byObject) {
      const described = new Set((await describeSObject(conn, object)).fields.map((f) => f.name.toLowerCase()));
      for (const field of wanted) if (!described.has(field.toLowerCase())) unknown.push(`${object}.${field}`);
    }
    if (unknown.length > 0) {
      throw new OrgVaultError('VALIDATION_FAILED', `Not in the organization's describe: ${unknown.join(', ')}`, {
        actions: ['Pick objects and fields from GET .../objects.'],
        details: { unknown },
      });
    }
  }
}
