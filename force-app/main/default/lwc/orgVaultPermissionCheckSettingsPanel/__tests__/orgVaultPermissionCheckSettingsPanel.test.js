import OrgVaultPermissionCheckSettingsPanel from 'c/orgVaultPermissionCheckSettingsPanel';
import getPermissionCheckSettings from '@salesforce/apex/OrgVaultController.getPermissionCheckSettings';
import savePermissionCheckSettings from '@salesforce/apex/OrgVaultController.savePermissionCheckSettings';
import { apexError, flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

async function openPanel() {
  const element = mount('c-org-vault-permission-check-settings-panel', OrgVaultPermissionCheckSettingsPanel, { org: org() });
  await flushPromises();
  return element;
}

describe('c-org-vault-permission-check-settings-panel', () => {
  beforeEach(() => getPermissionCheckSettings.mockResolvedValue('{"enabled":false,"startTime":"02:00","intervalHours":24}'));

  it('shows the current settings', async () => {
    const element = await openPanel();
    expect(getPermissionCheckSettings).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(element.shadowRoot.querySelector('lightning-input.enabled').checked).toBe(false);
    expect(element.shadowRoot.querySelector('lightning-input.start-time').value).toBe('02:00');
    expect(element.shadowRoot.querySelector('lightning-combobox.interval').value).toBe('24');
  });

  it('saves start time, interval and on/off', async () => {
    savePermissionCheckSettings.mockResolvedValue('{"enabled":true,"startTime":"06:30","intervalHours":12}');
    const element = await openPanel();
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    element.shadowRoot.querySelector('lightning-input.enabled').dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    element.shadowRoot
      .querySelector('lightning-input.start-time')
      .dispatchEvent(new CustomEvent('change', { detail: { value: '06:30:00.000' } }));
    element.shadowRoot.querySelector('lightning-combobox.interval').dispatchEvent(new CustomEvent('change', { detail: { value: '12' } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(savePermissionCheckSettings).toHaveBeenCalledWith({
      orgId: 'org-1',
      settingsJson: JSON.stringify({ enabled: true, startTime: '06:30', intervalHours: 12 }),
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
    expect(element.shadowRoot.querySelector('lightning-input.enabled')).toBeNull();
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    expect(dialogPart(element, 'c-error-panel')).not.toBeNull();
  });

  it('is accessible', async () => {
    const element = await openPanel();
    await expect(element).toBeAccessible();
  });
});
