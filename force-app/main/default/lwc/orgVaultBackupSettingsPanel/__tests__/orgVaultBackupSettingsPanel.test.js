import OrgVaultBackupSettingsPanel from 'c/orgVaultBackupSettingsPanel';
import getBackupSettings from '@salesforce/apex/OrgVaultController.getBackupSettings';
import saveBackupSettings from '@salesforce/apex/OrgVaultController.saveBackupSettings';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import { apexError, dialogPart, flushPromises, mount, org } from 'test-lwc/helpers';

const SETTINGS = {
  enabled: true,
  includeFeedAndShare: false,
  excludedObjects: ['Task'],
  excludedFields: ['Account.Description'],
  jobsPerDay: 1,
  startTime: null,
  maxJobsPerDay: 4,
  nextBackupAt: '2026-11-27T00:00:00.000Z',
};
const OBJECTS = {
  objects: [
    { name: 'Account', label: 'Account', custom: false, inScope: true, reason: null },
    { name: 'Task', label: 'Task', custom: false, inScope: false, reason: 'excluded by settings' },
  ],
};

async function openPanel() {
  const element = mount('c-org-vault-backup-settings-panel', OrgVaultBackupSettingsPanel, { org: org() });
  await flushPromises();
  return element;
}

function part(element, selector) {
  return element.shadowRoot.querySelector(selector);
}

describe('c-org-vault-backup-settings-panel', () => {
  beforeEach(() => {
    getBackupSettings.mockResolvedValue(JSON.stringify(SETTINGS));
    listObjects.mockResolvedValue(JSON.stringify(OBJECTS));
  });

  it('shows the settings, the subscription limit and every object to choose exclusions from', async () => {
    const element = await openPanel();
    expect(part(element, 'lightning-input.enabled').checked).toBe(true);
    expect(part(element, 'lightning-input.jobs-per-day').value).toBe(1);
    expect(part(element, 'lightning-input.jobs-per-day').max).toBe(4);
    expect(part(element, 'lightning-input.jobs-per-day').fieldLevelHelp).toBe('At most 4 with your subscription.');
    expect(part(element, 'lightning-input.feed').checked).toBe(false);
    const excluded = part(element, 'lightning-dual-listbox.excluded');
    expect(excluded.options.map((o) => o.value)).toEqual(['Account', 'Task']);
    expect(excluded.value).toEqual(['Task']);
    expect(part(element, '.next-backup c-org-vault-date-time').value).toBe('2026-11-27T00:00:00.000Z');
  });

  it('saves exactly the settings the engine takes', async () => {
    saveBackupSettings.mockResolvedValue('{}');
    const element = await openPanel();
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    part(element, 'lightning-input.feed').dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    part(element, 'lightning-input.jobs-per-day').dispatchEvent(new CustomEvent('change', { detail: { value: '3' } }));
    part(element, 'lightning-input.start-time').dispatchEvent(new CustomEvent('change', { detail: { value: '01:15:00.000' } }));
    part(element, 'lightning-dual-listbox.excluded').dispatchEvent(new CustomEvent('change', { detail: { value: ['Task', 'Account'] } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(JSON.parse(saveBackupSettings.mock.calls[0][0].settingsJson)).toEqual({
      enabled: true,
      includeFeedAndShare: true,
      excludedObjects: ['Task', 'Account'],
      excludedFields: ['Account.Description'],
      jobsPerDay: 3,
      startTime: '01:15',
    });
    expect(onDone).toHaveBeenCalled();
  });

  it('sends no start time when it is cleared', async () => {
    saveBackupSettings.mockResolvedValue('{}');
    getBackupSettings.mockResolvedValue(JSON.stringify({ ...SETTINGS, startTime: '02:00' }));
    const element = await openPanel();
    part(element, 'lightning-input.start-time').dispatchEvent(new CustomEvent('change', { detail: { value: '' } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(JSON.parse(saveBackupSettings.mock.calls[0][0].settingsJson).startTime).toBeNull();
  });

  it('shows a refusal', async () => {
    saveBackupSettings.mockRejectedValue(apexError('VALIDATION_FAILED', 'jobsPerDay exceeds the subscription', [], 400));
    const element = await openPanel();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(dialogPart(element, 'c-error-panel').shadowRoot.textContent).toContain('jobsPerDay exceeds the subscription');
  });

  it('is accessible', async () => {
    const element = await openPanel();
    await expect(element).toBeAccessible();
  });
});
