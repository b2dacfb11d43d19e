/**
 * Deletion of an org's backups: the administrator's separate, confirmed choice beside a plain
 * disconnect (which keeps them), with the disconnect or after it. A legal hold refuses it before
 * anything changes; so does a backup or restore still running, which would read or write the
 * backups meanwhile. Then a connected org is disconnected (tokens revoked, schedule and stream
 * stopped), the deletion is marked on its row, and the store deletes; a stop after the mark is
 * finished at the next start.
 */
import { OrgVaultError } from '../errors.js';
import type { Queryable } from '../infra/db.js';
import type { Org, OrgRegistry, OrgScope } from './registry.js';
import { BACKUPS_DELETED, MARK_BACKUPS_DELETED } from './sql.js';

/**
 * The legal holds of the retention domain (issue #18): refuses (LEGAL_HOLD, naming the hold)
 * while a hold covers the action on the org.
 */
export interface LegalHolds {
  assertNotHeld(org: Pick<Org, 'id' | 'tenantId' | 'name'>, what: { action: string }): Promise<void>;
}

/** The action a legal hold is asked about. */
export const DELETE_BACKUPS_ACTION = 'delete the backups';

/** What still runs against the org's backups: a phrase naming it, or null. */
export type BackupActivity = (orgId: string) => Promise<string | null>;

/** The store's part: everything it keeps for the org, gone (idempotent). */
export interface OrgBackupStore {
  deleteOrgBackups(orgId: string): Promise<{ packs: number; versions: number; files: number; blobObjects: number }>;
}

export type DeletedOrgBackups = Awaited<ReturnType<OrgBackupStore['deleteOrgBackups']>>;

export class BackupDeletion {
  constructor(
    private readonly deps: {
      db: Queryable;
      orgs: OrgRegistry;
      holds: LegalHolds;
      activity: BackupActivity;
      store: OrgBackupStore;
    },
  ) {}

  /** The org's backups, gone; a connected org is disconnected first, a disconnected one keeps its row (listed no more). */
  async deleteBackups(scope: OrgScope, orgId: string): Promise<{ org: Org; deleted: DeletedOrgBackups }> {
    const { orgs, db, store } = this.deps;
    const org = await orgs.getWithBackups(scope, orgId);
    await this.#assertDeletable(org);
    if (org.disconnectedAt === null) await orgs.disconnect(scope, org.id);
    await db.query(MARK_BACKUPS_DELETED, [org.tenantId, org.id]);
    return { org, deleted: await store.deleteOrgBackups(org.id) };
  }

  /** Finishes deletions a stop cut short (called once at start); answers the orgs it finished. */
  async resume(): Promise<string[]> {
    const { rows } = await this.deps.db.query<{ id: string }>(BACKUPS_DELETED);
    for (const { id } of rows) await this.deps.store.deleteOrgBackups(id);
    return rows.map((r) => r.id);
  }

  async #assertDeletable(org: Org): Promise<void> {
    await this.deps.holds.assertNotHeld(org, { action: DELETE_BACKUPS_ACTION });
    const busy = await this.deps.activity(org.id);
    if (busy) {
      throw new OrgVaultError('CONFLICT', `The backups of ${org.name} are in use: ${busy}`, {
        details: { reason: 'in_use' },
        actions: ['Wait until it ends (or cancel it), then delete again.'],
      });
    }
  }
}
