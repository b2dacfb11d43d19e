import OrgVaultPanel from 'c/orgVaultPanel';
import { getBackupSettings, listObjectOptions, saveBackupSettings } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/**
 * Backup settings: on or off, jobs per day (up to what the subscription allows), the first start
 * time (empty = spread from 00:00), Chatter feeds and shares, and objects to leave out.
 */
export default class OrgVaultBackupSettingsPanel extends OrgVaultPanel {
  settings;
  objectOptions;

  async connectedCallback() {
    const [settings, objectOptions] = await Promise.all([
      this.load(() => getBackupSettings(this.org.id)),
      this.load(() => listObjectOptions(this.org.id, { all: true })),
    ]);
    this.settings = settings;
    this.objectOptions = objectOptions;
  }

  get heading() {
    return `Backup settings for ${this.org.name}`;
  }

  get errorTitle() {
    return errorTitle(this.error, 'The backup settings could not be loaded or saved');
  }

  get saveDisabled() {
    return this.busy || !this.settings;
  }

  get jobsPerDayHelp() {
    return `At most ${this.settings.maxJobsPerDay} with your subscription.`;
  }

  handleToggle(event) {
    this.settings = { ...this.settings, [event.target.name]: event.detail.checked };
  }

  handleJobsPerDay(event) {
    this.settings = { ...this.settings, jobsPerDay: Number(event.detail.value) };
  }

  handleStartTime(event) {
    // lightning-input type=time answers HH:mm:ss.SSS; the engine keeps HH:MM, null for "spread from 00:00".
    const value = event.detail.value;
    this.settings = { ...this.settings, startTime: value ? value.slice(0, 5) : null };
  }

  handleExcluded(event) {
    this.settings = { ...this.settings, excludedObjects: event.detail.value };
  }

  save() {
    // The engine takes exactly these; what it computes (maxJobsPerDay, nextBackupAt) does not go back.
    const { enabled, includeFeedAndShare, excludedObjects, excludedFields, jobsPerDay, startTime } = this.settings;
    return this.submit(
      () => saveBackupSettings(this.org.id, { enabled, includeFeedAndShare, excludedObjects, excludedFields, jobsPerDay, startTime }),
      'Backup settings saved.',
    );
  }
}
