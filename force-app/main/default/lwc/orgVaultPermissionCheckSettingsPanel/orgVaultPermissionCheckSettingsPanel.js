import OrgVaultPanel from 'c/orgVaultPanel';
import { getPermissionCheckSettings, savePermissionCheckSettings } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

/** Permission check settings: on or off, when the first check starts, and every how many days, weeks or months. */
export default class OrgVaultPermissionCheckSettingsPanel extends OrgVaultPanel {
  settings;

  unitOptions = [
    { label: 'Days', value: 'day' },
    { label: 'Weeks', value: 'week' },
    { label: 'Months', value: 'month' },
  ];

  async connectedCallback() {
    this.settings = await this.load(() => getPermissionCheckSettings(this.org.id));
  }

  get heading() {
    return `Permission check settings for ${this.org.name}`;
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

  handleStartAt(event) {
    this.settings = { ...this.settings, startAt: event.detail.value };
  }

  handleCount(event) {
    this.settings = { ...this.settings, intervalCount: Number(event.detail.value) };
  }

  handleUnit(event) {
    this.settings = { ...this.settings, intervalUnit: event.detail.value };
  }

  save() {
    // The engine takes exactly these; what it computes (nextRunAt) does not go back.
    const { enabled, startAt, intervalUnit, intervalCount } = this.settings;
    return this.submit(
      () => savePermissionCheckSettings(this.org.id, { enabled, startAt: new Date(startAt).toISOString(), intervalUnit, intervalCount }),
      'Permission check settings saved.',
    );
  }
}
