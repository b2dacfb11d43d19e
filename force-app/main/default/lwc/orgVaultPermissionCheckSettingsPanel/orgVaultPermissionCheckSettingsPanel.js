import OrgVaultPanel from 'c/orgVaultPanel';
import { getPermissionCheckSettings, savePermissionCheckSettings } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/** Permission check settings: on or off, the daily start time, and the interval in hours. */
export default class OrgVaultPermissionCheckSettingsPanel extends OrgVaultPanel {
  settings;

  intervalOptions = [1, 2, 4, 6, 8, 12, 24, 48, 168].map((h) => ({ label: h === 1 ? 'Every hour' : `Every ${h} hours`, value: String(h) }));

  async connectedCallback() {
    this.settings = await this.load(() => getPermissionCheckSettings(this.org.id));
  }

  get heading() {
    return `Permission check settings for ${this.org.name}`;
  }

  get interval() {
    return String(this.settings.intervalHours ?? 24);
  }

  get errorTitle() {
    return errorTitle(this.error, 'The permission check settings could not be loaded or saved');
  }

  get saveDisabled() {
    return this.busy || !this.settings;
  }

  handleEnabled(event) {
    this.settings = { ...this.settings, enabled: event.detail.checked };
  }

  handleStartTime(event) {
    // lightning-input type=time answers HH:mm:ss.SSS; the engine keeps HH:mm.
    this.settings = { ...this.settings, startTime: (event.detail.value ?? '').slice(0, 5) };
  }

  handleInterval(event) {
    this.settings = { ...this.settings, intervalHours: Number(event.detail.value) };
  }

  save() {
    return this.submit(() => savePermissionCheckSettings(this.org.id, this.settings), 'Permission check settings saved.');
  }
}
