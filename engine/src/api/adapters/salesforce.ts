import type { Org, OrgRegistry } from '../../orgs/registry.js';
import type { BackupScope, OutOfScope } from '../../backup/scope.js';
import { toCredentials, type OrgCredentials } from '../../salesforce/credentials.js';
import type { ObjectScopeService, OrgConnectService } from '../services.js';
import type { ConnectInput, ObjectInfoOut } from '../schemas.js';

export interface SalesforceWiring {
  orgs: OrgRegistry;
  /** Connects an org (tokens checked and stored, org registered, first backup planned). */
  connect(tenantId: string, credentials: OrgCredentials): Promise<{ orgId: string }>;
  /** backup/: which objects the org's backups cover, and which names the org has. */
  scope: BackupScope;
}

/** The page's words for why an object is out of scope. */
const OUT_OF_SCOPE: Record<OutOfScope, string> = {
  excluded: 'Excluded by the backup settings or by default (events, external and big objects)',
  not_replicable: 'Salesforce does not offer this object for replication',
};

/** Connecting orgs and their backup scope in the API's wire shapes: OrgConnectService and ObjectScopeService. */
export class SalesforceAdapter implements OrgConnectService, ObjectScopeService {
  constructor(private readonly w: SalesforceWiring) {}

  async connect(tenantId: string, credentials: ConnectInput): Promise<Org> {
    const { orgId } = await this.w.connect(tenantId, toCredentials(credentials));
    return this.w.orgs.get({ tenantId, orgId: null }, orgId);
  }

  async listObjects(org: Org): Promise<ObjectInfoOut[]> {
    return (await this.w.scope.objects(org.id)).map(({ outOfScope, ...o }) => ({
      ...o,
      inScope: outOfScope === null,
      reason: outOfScope && OUT_OF_SCOPE[outOfScope],
    }));
  }

  assertKnown(org: Org, names: { objects?: string[]; fields?: string[] }): Promise<void> {
    return this.w.scope.assertKnown(org.id, names);
  }
}
