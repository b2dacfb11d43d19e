import { LightningElement, api } from 'lwc';
import { getRecordHistory } from 'c/orgVaultApi';

const KINDS = { live: 'Saved', deleted: 'Deleted (Recycle Bin)', tombstone: 'Deleted' };
const SOURCES = { backup: 'Backup', 'recovery-point': 'Recovery point', 'change-event': 'Change event', other: 'Reconcile' };

/**
 * Record history: every backed-up version of one record, newest first, with when it was saved,
 * where the version came from and which fields changed. From a version, "Restore this version"
 * hands the record and time to the restore wizard (a `restore` event).
 */
export default class OrgVaultRecordHistory extends LightningElement {
  @api orgId;
  /** The record (and its object) asked about: given by the host, or typed in. */
  @api
  get recordId() {
    return this.idInput;
  }
  set recordId(value) {
    this.idInput = value ?? '';
  }
  @api
  get objectName() {
    return this.objectInput;
  }
  set objectName(value) {
    this.objectInput = value ?? '';
  }

  idInput = '';
  objectInput = '';

  history;
  error;
  loading = false;

  connectedCallback() {
    if (this.idInput) this.load();
  }

  handleInput(event) {
    if (event.target.name === 'recordId') this.idInput = (event.detail.value ?? '').trim();
    else this.objectInput = (event.detail.value ?? '').trim();
  }

  async load() {
    if (!this.idInput) return;
    this.loading = true;
    try {
      this.history = await getRecordHistory(this.orgId, this.idInput, this.objectInput);
      this.error = undefined;
    } catch (e) {
      this.history = undefined;
      this.error = e;
    } finally {
      this.loading = false;
    }
  }

  get showDisabled() {
    return this.loading || !this.idInput;
  }

  get title() {
    const n = this.history.versions.length;
    return `${this.history.object} ${this.history.recordId}: ${n} ${n === 1 ? 'version' : 'versions'}`;
  }

  get versions() {
    return [...(this.history?.versions ?? [])].reverse().map((v, i) => ({
      key: `${v.at}-${i}`,
      at: v.at,
      kind: KINDS[v.kind] ?? v.kind,
      source: SOURCES[v.source.kind] ?? v.source.kind,
      jobId: v.source.jobId ?? '',
      changes: v.changes.map((c) => ({ key: c.field, field: c.field, from: c.from ?? '—', to: c.to ?? '—' })),
      hasChanges: v.changes.length > 0,
      restorable: v.kind !== 'tombstone',
    }));
  }

  restoreVersion(event) {
    const at = event.target.dataset.at;
    this.dispatchEvent(
      new CustomEvent('restore', {
        detail: { from: { at }, objects: [this.history.object], recordIds: [this.history.recordId], mode: 'overwrite' },
      }),
    );
  }
}
