import OrgVaultBackupNowPanel from 'c/orgVaultBackupNowPanel';
import startBackup from '@salesforce/apex/OrgVaultController.startBackup';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import { apexError, flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

function startButton(element) {
  return dialogPart(element, 'lightning-button.primary');
}

async function chooseCustomScope(element) {
  element.shadowRoot.querySelector('lightning-radio-group').dispatchEvent(new CustomEvent('change', { detail: { value: 'custom' } }));
  await flushPromises();
}

describe('c-org-vault-backup-now-panel', () => {
  it('backs up all objects by default', async () => {
    startBackup.mockResolvedValue('{"id":"job-9","status":"queued"}');
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    expect(startButton(element).disabled).toBe(false);
    startButton(element).click();
    await flushPromises();
    expect(startBackup).toHaveBeenCalledWith({ orgId: 'org-1', objects: null });
    expect(onDone.mock.calls[0][0].detail).toEqual({
      message: 'Backup of Acme Production started.',
      result: { id: 'job-9', status: 'queued' },
    });
  });

  it('backs up a custom scope chosen in the object picker', async () => {
    listObjects.mockResolvedValue('["Account","Contact","Case"]');
    startBackup.mockResolvedValue('{"id":"job-10"}');
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    await chooseCustomScope(element);
    const picker = element.shadowRoot.querySelector('lightning-dual-listbox');
    expect(picker.options.map((o) => o.value)).toEqual(['Account', 'Contact', 'Case']);
    expect(startButton(element).disabled).toBe(true);
    picker.dispatchEvent(new CustomEvent('change', { detail: { value: ['Account', 'Case'] } }));
    await flushPromises();
    startButton(element).click();
    await flushPromises();
    expect(startBackup).toHaveBeenCalledWith({ orgId: 'org-1', objects: ['Account', 'Case'] });
  });

  it('says a backup is running and does not offer to start another', () => {
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, {
      org: org({ currentJob: { id: 'j', status: 'running' } }),
    });
    expect(element.shadowRoot.querySelector('.running').textContent).toContain('already running');
    expect(startButton(element).disabled).toBe(true);
  });

  it('says a custom scope needs the full backup first', async () => {
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org({ lastJob: null }) });
    await chooseCustomScope(element);
    expect(element.shadowRoot.querySelector('.no-full-backup').textContent).toContain('full backup');
    expect(element.shadowRoot.querySelector('lightning-dual-listbox')).toBeNull();
    expect(listObjects).not.toHaveBeenCalled();
    expect(startButton(element).disabled).toBe(true);
  });

  it.each([
    ['STORAGE_NOT_CONFIGURED', 'Backup storage is not configured', ['Set AZURE_STORAGE_CONNECTION_STRING on the engine and restart it.']],
    ['FULL_BACKUP_REQUIRED', "This cycle's full backup has not finished yet", []],
    ['JOB_RUNNING', 'A backup is already running for this organization', []],
    ['FORBIDDEN', 'You do not have permission to do this', ['Ask for the OrgVault Backup Operator permission set.']],
  ])('shows the engine refusal %s with what to do', async (code, title, actions) => {
    startBackup.mockRejectedValue(apexError(code, `engine says ${code}`, actions));
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    startButton(element).click();
    await flushPromises();
    const panel = dialogPart(element, 'c-error-panel');
    expect(panel.friendlyMessage).toBe(title);
    const shown = panel.shadowRoot.textContent;
    expect(shown).toContain(`engine says ${code}`);
    for (const action of actions) expect(shown).toContain(action);
    expect(onDone).not.toHaveBeenCalled();
    expect(startButton(element).disabled).toBe(false);
  });

  it('shows when the objects cannot be listed', async () => {
    listObjects.mockRejectedValue(apexError('ENGINE_UNREACHABLE', 'cannot reach', [], 503));
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    await chooseCustomScope(element);
    expect(dialogPart(element, 'c-error-panel').friendlyMessage).toBe('The OrgVault engine cannot be reached');
  });

  it('closes on Cancel', () => {
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    const onClose = jest.fn();
    element.addEventListener('close', onClose);
    dialogPart(element, 'lightning-button.cancel').click();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('is accessible, with a refusal shown', async () => {
    startBackup.mockRejectedValue(apexError('STORAGE_NOT_CONFIGURED', 'No storage', ['Configure it.']));
    const element = mount('c-org-vault-backup-now-panel', OrgVaultBackupNowPanel, { org: org() });
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(dialogPart(element, 'c-error-panel')).not.toBeNull();
    await expect(element).toBeAccessible();
  });
});
