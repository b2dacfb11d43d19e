import { OrgVaultError } from '../../errors.js';
import type { Org, OrgRegistry } from '../../orgs/registry.js';
import type { OrgConnection } from '../../salesforce/connection.js';
import { toCredentials, type OrgCredentials } from '../../salesforce/credentials.js';
import { describeGlobal, describeSObject } from '../../salesforce/describe.js';
import { candidateObjects, type ScopeOptions } from '../../salesforce/scope.js';
import type { ObjectScopeService, OrgConnectService } from '../services.js';
import type { ConnectInput, ObjectInfoOut } from '../schemas.js';

export interface SalesforceWiring {
  orgs: OrgRegistry;
  /** Connects an org (tokens checked and stored, org registered, first backup planned). */
  connect(tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }>;
  /** The org's live connection (one per org per process). */
  open(orgId: string): Promise<OrgConnection>;
  /** The org's backup scope settings (exclusions), to tell what is out of scope and why. */
  scopeOptions?(orgId: string): Promise<ScopeOptions>;
}

/**
 * Connecting orgs and reading their describe through the salesforce layer: the API's
 * OrgConnectService and ObjectScopeService over the connections the composition root keeps.
 */
export class SalesforceAdapter implements OrgConnectService, ObjectScopeService {
  constructor(private readonly w: SalesforceWiring) {}

  async connect(tenantId: string, credentials: ConnectInput): Promise<Org> {
    const { orgId } = await this.w.connect(tenantId, toCredentials(credentials));
    return this.w.orgs.get({ tenantId, orgId: null }, orgId);
  }

  async listObjects(org: Org): Promise<ObjectInfoOut[]> {
    const global = await describeGlobal(await this.w.open(org.id));
    const inScope = new Set(candidateObjects(global, (await this.w.scopeOptions?.(org.id)) ?? {}));
    const replicable = new Set(candidateObjects(global, { exclude: [] }));
    return global.sobjects.map((o) => ({
      name: o.name,
      label: (o as { label?: string }).label ?? o.name,
      custom: o.custom ?? o.name.endsWith('__c'),
      inScope: inScope.has(o.name),
      reason: inScope.has(o.name)
        ? null
        : replicable.has(o.name)
          ? 'Excluded by the backup settings or by default (events, external and big objects)'
          : 'Salesforce does not offer this object for replication',
    }));
  }

  async assertKnown(org: Org, names: { objects?: string[]; fields?: string[] }): Promise<void> {
    const objects = names.objects ?? [];
    const fields = names.fields ?? [];
    if (objects.length === 0 && fields.length === 0) return;
    const conn = await this.w.open(org.id);
    // API names are case-insensitive in Salesforce; describe's spelling is the one asked for.
    const known = new Map((await describeGlobal(conn)).sobjects.map((o) => [o.name.toLowerCase(), o.name]));
    const unknown = objects.filter((o) => !known.has(o.toLowerCase()));
    const byObject = new Map<string, string[]>();
    for (const ref of fields) {
      const [object, field] = ref.split('.') as [string, string];
      const name = known.get(object.toLowerCase());
      if (!name) unknown.push(ref);
      else byObject.set(name, [...(byObject.get(name) ?? []), field]);
    }
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
