import OrgVaultPermissionCheckSettingsPanel from 'c/orgVaultPermissionCheckSettingsPanel';
import getPermissionCheckSettings from '@salesforce/apex/OrgVaultController.getPermissionCheckSettings';
import savePermissionCheckSettings from '@salesforce/apex/OrgVaultController.savePermissionCheckSettings';
import { apexError, dialogPart, flushPromises, mount, org } from 'test-lwc/helpers';

const SETTINGS = {
  enabled: false,
  startAt: '2026-11-27T02:00:00.000Z',
  intervalUnit: 'week',
  intervalCount: 1,
  nextRunAt: '2026-11-27T02:00:00.000Z',
};

async function openPanel() {
  const element = mount('c-org-vault-permission-check-settings-panel', OrgVaultPermissionCheckSettingsPanel, { org: org() });
  await flushPromises();
  return element;
}

function part(element, selector) {
  return element.shadowRoot.querySelector(selector);
}

describe('c-org-vault-permission-check-settings-panel', () => {
  beforeEach(() => getPermissionCheckSettings.mockResolvedValue(JSON.stringify(SETTINGS)));

  it('shows the current settings and the next check', async () => {
    const element = await openPanel();
    expect(getPermissionCheckSettings).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(part(element, 'lightning-input.enabled').checked).toBe(false);
    expect(part(element, 'lightning-input.start-at').value).toBe('2026-11-27T02:00:00.000Z');
    expect(part(element, 'lightning-input.interval-count').value).toBe(1);
    expect(part(element, 'lightning-combobox.interval-unit').value).toBe('week');
    expect(part(element, '.next-run c-org-vault-date-time').value).toBe('2026-11-27T02:00:00.000Z');
  });

  it('saves on/off, first check and interval, and nothing the engine computes', async () => {
    savePermissionCheckSettings.mockResolvedValue('{}');
    const element = await openPanel();
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    part(element, 'lightning-input.enabled').dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    part(element, 'lightning-input.start-at').dispatchEvent(new CustomEvent('change', { detail: { value: '2026-12-01T06:30:00Z' } }));
    part(element, 'lightning-input.interval-count').dispatchEvent(new CustomEvent('change', { detail: { value: '2' } }));
    part(element, 'lightning-combobox.interval-unit').dispatchEvent(new CustomEvent('change', { detail: { value: 'day' } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(JSON.parse(savePermissionCheckSettings.mock.calls[0][0].settingsJson)).toEqual({
      enabled: true,
      startAt: '2026-12-01T06:30:00.000Z',
      intervalUnit: 'day',
      intervalCount: 2,
    });
    expect(onDone.mock.calls[0][0].detail.message).toBe('Permission check settings saved.');
  });

  it('shows why the settings could not be saved', async () => {
    savePermissionCheckSettings.mockRejectedValue(apexError('FORBIDDEN', 'Administrators only', [], 403));
    const element = await openPanel();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(dialogPart(element, 'c-error-panel').friendlyMessage).toBe('You do not have permission to do this');
  });

  it('shows why the settings could not be loaded, and cannot save nothing', async () => {
    getPermissionCheckSettings.mockRejectedValue(new Error('offline'));
    const element = await openPanel();
    expect(part(element, 'lightning-input.enabled')).toBeNull();
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    expect(dialogPart(element, 'c-error-panel')).not.toBeNull();
  });

  it('is accessible', async () => {
    const element = await openPanel();
    await expect(element).toBeAccessible();
  });
});
