import { LightningElement, api } from 'lwc';
import { listObjectOptions, startBackup } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

const ALL = 'all';
const CUSTOM = 'custom';

/**
 * Back up now: all objects, or a custom scope chosen in an object picker. Says up front why a
 * backup cannot start when the tile already tells (a running job, no full backup yet), and shows
 * the engine's refusal with what to do (storage not configured, limits, permission) otherwise.
 */
export default class OrgVaultBackupNowPanel extends LightningElement {
  @api org;

  scope = ALL;
  objectOptions;
  chosenObjects = [];
  error;
  busy = false;

  scopeOptions = [
    { label: 'All objects', value: ALL },
    { label: 'Custom scope', value: CUSTOM },
  ];

  get heading() {
    return `Back up ${this.org.name} now`;
  }

  get runningJob() {
    const job = this.org.currentJob;
    return job && (job.status === 'running' || job.status === 'queued') ? job : null;
  }

  /** Object-scoped jobs need the cycle's full backup; an org never backed up has none. */
  get fullBackupMissing() {
    return this.org.fullBackupDone === false || !this.org.lastJob;
  }

  get isCustom() {
    return this.scope === CUSTOM;
  }

  get customBlocked() {
    return this.isCustom && this.fullBackupMissing;
  }

  get startDisabled() {
    return this.busy || !!this.runningJob || this.customBlocked || (this.isCustom && this.chosenObjects.length === 0);
  }

  get errorTitle() {
    return errorTitle(this.error, 'The backup could not start');
  }

  async handleScope(event) {
    this.scope = event.detail.value;
    this.error = undefined;
    if (this.isCustom && !this.objectOptions && !this.fullBackupMissing) {
      try {
        this.objectOptions = await listObjectOptions(this.org.id);
      } catch (e) {
        this.error = e;
      }
    }
  }

  handleObjects(event) {
    this.chosenObjects = event.detail.value;
  }

  async start() {
    this.busy = true;
    this.error = undefined;
    try {
      const job = await startBackup(this.org.id, this.isCustom ? this.chosenObjects : null);
      this.dispatchEvent(new CustomEvent('done', { detail: { message: `Backup of ${this.org.name} started.`, job } }));
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }

  close() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
