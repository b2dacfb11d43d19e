import { LightningElement, api } from 'lwc';
import { formatBytes, formatChanges, formatCount, formatDuration, formatShare } from 'c/orgVaultFormat';

/**
 * The numbers of one job (GET /orgs/{orgId}/jobs/{jobId}): what it protects, what changed since
 * the previous job, what it stored and cost, the objects that failed with their errors, and the
 * same per object.
 */
export default class OrgVaultJobFigures extends LightningElement {
  @api job;

  get figures() {
    return this.job?.figures;
  }

  get facts() {
    const f = this.figures;
    if (!f) return [];
    return [
      ['records-protected', 'Records protected', formatCount(f.recordsProtected)],
      ['files-protected', 'Files protected', formatCount(f.filesProtected)],
      ['changes', 'Since the previous job (inserted / updated / deleted)', formatChanges(f)],
      ['storage', 'Stored (added by this job)', `${formatBytes(f.bytesStored)} (${formatBytes(f.bytesAdded)})`],
      ['duration', 'Duration', formatDuration(f.durationMs)],
      ['api-calls', 'API calls', formatShare(f.apiCalls, f.apiShare, f.apiLimit)],
    ].map(([key, label, value]) => ({ key, valueKey: `${key}-value`, label, value, className: `slds-item_detail ${key}` }));
  }

  get failedObjects() {
    return (this.figures?.failedObjects ?? []).map((f) => ({ key: f.object, text: `${f.object}: ${f.error ?? 'failed'}` }));
  }

  get hasFailed() {
    return this.failedObjects.length > 0;
  }

  get objectRows() {
    return (this.job?.objectDetails ?? []).map((o) => {
      const f = o.figures ?? {};
      return {
        key: o.name,
        name: o.name,
        protected: formatCount(f.recordsProtected),
        inserted: formatCount(f.inserted),
        updated: formatCount(f.updated),
        deleted: formatCount(f.deleted),
        files: formatCount(f.filesProtected),
        bytes: formatBytes(f.bytesAdded),
        duration: formatDuration(f.durationMs),
        apiCalls: formatShare(f.apiCalls, f.apiShare),
      };
    });
  }
}
