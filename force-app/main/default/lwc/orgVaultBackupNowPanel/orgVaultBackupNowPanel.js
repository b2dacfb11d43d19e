import OrgVaultPanel from 'c/orgVaultPanel';
import { listObjectOptions, startBackup } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

const ALL = 'all';
const CUSTOM = 'custom';

/**
 * Back up now: all objects, or a custom scope chosen in an object picker. Says up front why a
 * backup cannot start when the tile already tells (a running job, no full backup yet), and shows
 * the engine's refusal with what to do (storage not configured, limits, permission) otherwise.
 */
export default class OrgVaultBackupNowPanel extends OrgVaultPanel {
  scope = ALL;
  objectOptions;
  chosenObjects = [];

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

  get startDisabled() {
    return this.busy || !!this.runningJob || (this.isCustom && (this.fullBackupMissing || this.chosenObjects.length === 0));
  }

  get errorTitle() {
    return errorTitle(this.error, 'The backup could not start');
  }

  async handleScope(event) {
    this.scope = event.detail.value;
    this.error = undefined;
    if (this.isCustom && !this.objectOptions && !this.fullBackupMissing) {
      this.objectOptions = await this.load(() => listObjectOptions(this.org.id));
    }
  }

  handleObjects(event) {
    this.chosenObjects = event.detail.value;
  }

  start() {
    return this.submit(() => startBackup(this.org.id, this.isCustom ? this.chosenObjects : null), `Backup of ${this.org.name} started.`);
  }
}
