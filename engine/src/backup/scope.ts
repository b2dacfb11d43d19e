/**
 * What an org's backups cover: each of its objects in scope or not, and why not; and whether
 * names a user gives (to exclude, back up, restore, compare) are the org's at all.
 */
import type { OrgConnection } from '../salesforce/connection.js';
import { assertDescribed, describeGlobal } from '../salesforce/describe.js';
import { candidateObjects, type ScopeOptions } from '../salesforce/scope.js';

/** Left out by the backup settings or by default (events, external and big objects), or not replicable at all. */
export type OutOfScope = 'excluded' | 'not_replicable';

export interface ObjectInScope {
  name: string;
  label: string;
  custom: boolean;
  /** Null: the org's backups read it. */
  outOfScope: OutOfScope | null;
}

export interface BackupScopeDeps {
  /** The org's live connection. */
  open(orgId: string): Promise<OrgConnection>;
  /** The org's backup settings as scope rules (its exclusions). */
  scopeOptions(orgId: string): Promise<ScopeOptions>;
}

export class BackupScope {
  constructor(private readonly deps: BackupScopeDeps) {}

  async objects(orgId: string): Promise<ObjectInScope[]> {
    const global = await describeGlobal(await this.deps.open(orgId));
    const inScope = new Set(candidateObjects(global, await this.deps.scopeOptions(orgId)));
    const replicable = new Set(candidateObjects(global, { exclude: [] }));
    return global.sobjects.map((o) => ({
      name: o.name,
      label: (o as { label?: string }).label ?? o.name,
      custom: o.custom ?? o.name.endsWith('__c'),
      outOfScope: inScope.has(o.name) ? null : replicable.has(o.name) ? 'excluded' : 'not_replicable',
    }));
  }

  /** VALIDATION_FAILED with `details.unknown` for names the org's describe does not have. */
  async assertKnown(orgId: string, names: { objects?: string[]; fields?: string[] }): Promise<void> {
    const { objects = [], fields = [] } = names;
    if (objects.length === 0 && fields.length === 0) return;
    await assertDescribed(await this.deps.open(orgId), names);
  }
}
