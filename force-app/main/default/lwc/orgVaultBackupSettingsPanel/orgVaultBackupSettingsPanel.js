import OrgVaultPanel from 'c/orgVaultPanel';
import { getBackupSettings, saveBackupSettings } from 'c/orgVaultApi';
import { errorTitle } from 'c/orgVaultErrors';

const INPUT_TYPE = { boolean: 'toggle', number: 'number', string: 'text' };

/** "includeFiles" → "Include files". */
function labelFor(key) {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Backup settings as the engine defines them: every scalar setting it returns gets an input of
 * its type (on/off, number, text), and Save sends the whole object back. Settings the page cannot
 * edit (lists, nested objects) travel back unchanged.
 */
export default class OrgVaultBackupSettingsPanel extends OrgVaultPanel {
  settings;

  async connectedCallback() {
    this.settings = await this.load(() => getBackupSettings(this.org.id));
  }

  get heading() {
    return `Backup settings for ${this.org.name}`;
  }

  get fields() {
    return Object.entries(this.settings ?? {})
      .filter(([, value]) => INPUT_TYPE[typeof value])
      .map(([key, value]) => ({
        key,
        label: labelFor(key),
        type: INPUT_TYPE[typeof value],
        isToggle: typeof value === 'boolean',
        value,
      }));
  }

  get errorTitle() {
    return errorTitle(this.error, 'The backup settings could not be loaded or saved');
  }

  get saveDisabled() {
    return this.busy || !this.settings;
  }

  handleChange(event) {
    const key = event.target.name;
    const before = this.settings[key];
    // A toggle's change says checked; other inputs say value.
    let value = typeof before === 'boolean' ? event.detail.checked : event.detail.value;
    if (typeof before === 'number') value = Number(value);
    this.settings = { ...this.settings, [key]: value };
  }

  save() {
    return this.submit(() => saveBackupSettings(this.org.id, this.settings), 'Backup settings saved.');
  }
}
