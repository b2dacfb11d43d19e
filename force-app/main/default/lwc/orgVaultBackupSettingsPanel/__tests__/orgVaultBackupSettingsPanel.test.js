import OrgVaultBackupSettingsPanel from 'c/orgVaultBackupSettingsPanel';
import getBackupSettings from '@salesforce/apex/OrgVaultController.getBackupSettings';
import saveBackupSettings from '@salesforce/apex/OrgVaultController.saveBackupSettings';
import { apexError, flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

const SETTINGS = { enabled: true, includeFiles: false, retentionDays: 365, startTime: '00:00', excludedObjects: ['Task'] };

async function openPanel() {
  const element = mount('c-org-vault-backup-settings-panel', OrgVaultBackupSettingsPanel, { org: org() });
  await flushPromises();
  return element;
}

function input(element, name) {
  return [...element.shadowRoot.querySelectorAll('lightning-input')].find((i) => i.name === name);
}

describe('c-org-vault-backup-settings-panel', () => {
  beforeEach(() => getBackupSettings.mockResolvedValue(JSON.stringify(SETTINGS)));

  it('gives every scalar setting an input of its type', async () => {
    const element = await openPanel();
    const inputs = [...element.shadowRoot.querySelectorAll('lightning-input')].map((i) => [i.name, i.type, i.label]);
    expect(inputs).toEqual([
      ['enabled', 'toggle', 'Enabled'],
      ['includeFiles', 'toggle', 'Include files'],
      ['retentionDays', 'number', 'Retention days'],
      ['startTime', 'text', 'Start time'],
    ]);
  });

  it('saves the edited settings and keeps the ones it cannot edit', async () => {
    saveBackupSettings.mockResolvedValue('{}');
    const element = await openPanel();
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    input(element, 'includeFiles').dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    input(element, 'retentionDays').dispatchEvent(new CustomEvent('change', { detail: { value: '30' } }));
    input(element, 'startTime').dispatchEvent(new CustomEvent('change', { detail: { value: '01:15' } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    const sent = JSON.parse(saveBackupSettings.mock.calls[0][0].settingsJson);
    expect(sent).toEqual({ ...SETTINGS, includeFiles: true, retentionDays: 30, startTime: '01:15' });
    expect(onDone).toHaveBeenCalled();
  });

  it('shows a refusal', async () => {
    saveBackupSettings.mockRejectedValue(apexError('VALIDATION_FAILED', 'retentionDays must be positive', [], 400));
    const element = await openPanel();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(dialogPart(element, 'c-error-panel').shadowRoot.textContent).toContain('retentionDays must be positive');
  });

  it('is accessible', async () => {
    const element = await openPanel();
    await expect(element).toBeAccessible();
  });
});
