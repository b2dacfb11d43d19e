import OrgVaultDisconnectPanel from 'c/orgVaultDisconnectPanel';
import disconnectOrg from '@salesforce/apex/OrgVaultController.disconnectOrg';
import deleteOrgBackups from '@salesforce/apex/OrgVaultController.deleteOrgBackups';
import { apexError, flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

const change = (element, selector, detail) =>
  element.shadowRoot.querySelector(selector).dispatchEvent(new CustomEvent('change', { detail }));

describe('c-org-vault-disconnect-panel', () => {
  it('disconnects and keeps the backups unless deleting them is chosen', async () => {
    disconnectOrg.mockResolvedValue('');
    const element = mount('c-org-vault-disconnect-panel', OrgVaultDisconnectPanel, { org: org() });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    expect(element.shadowRoot.querySelector('.confirm-name')).toBeNull();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(disconnectOrg).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(deleteOrgBackups).not.toHaveBeenCalled();
    expect(onDone.mock.calls[0][0].detail.message).toBe('Acme Production is disconnected; its backups are kept.');
  });

  it("deletes the backups only once the org's name is typed", async () => {
    deleteOrgBackups.mockResolvedValue('{"packs":3,"versions":120,"files":2,"blobObjects":2}');
    const element = mount('c-org-vault-disconnect-panel', OrgVaultDisconnectPanel, { org: org() });
    change(element, '.delete-backups', { checked: true });
    await flushPromises();
    expect(dialogPart(element, 'lightning-button.primary').label).toBe('Disconnect and delete backups');
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    change(element, '.confirm-name', { value: 'Acme' });
    await flushPromises();
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    change(element, '.confirm-name', { value: 'Acme Production ' });
    await flushPromises();
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(false);
    await expect(element).toBeAccessible();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(deleteOrgBackups).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(disconnectOrg).not.toHaveBeenCalled();
  });

  it('deletes the kept backups of an org disconnected earlier, once its name is typed', async () => {
    deleteOrgBackups.mockResolvedValue('{"packs":3,"versions":120,"files":2,"blobObjects":2}');
    const gone = org({ disconnectedAt: '2026-12-01T10:00:00.000Z' });
    const element = mount('c-org-vault-disconnect-panel', OrgVaultDisconnectPanel, { org: gone });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    expect(element.shadowRoot.querySelector('.delete-backups')).toBeNull();
    expect(dialogPart(element, 'lightning-button.primary').label).toBe('Delete backups');
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    change(element, '.confirm-name', { value: 'Acme Production' });
    await flushPromises();
    await expect(element).toBeAccessible();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(deleteOrgBackups).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(disconnectOrg).not.toHaveBeenCalled();
    expect(onDone.mock.calls[0][0].detail.message).toBe('The backups of Acme Production are deleted.');
  });

  it('shows why the engine refused, e.g. a legal hold, and stays open', async () => {
    deleteOrgBackups.mockRejectedValue(
      apexError('CONFLICT', 'A legal hold keeps the backups of Acme Production', ['Have the legal hold released first.']),
    );
    const element = mount('c-org-vault-disconnect-panel', OrgVaultDisconnectPanel, { org: org() });
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    change(element, '.delete-backups', { checked: true });
    await flushPromises();
    change(element, '.confirm-name', { value: 'Acme Production' });
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(onDone).not.toHaveBeenCalled();
    const shown = dialogPart(element, 'c-error-panel').shadowRoot.textContent;
    expect(shown).toContain('A legal hold keeps the backups of Acme Production');
    expect(shown).toContain('Have the legal hold released first.');
  });
});
