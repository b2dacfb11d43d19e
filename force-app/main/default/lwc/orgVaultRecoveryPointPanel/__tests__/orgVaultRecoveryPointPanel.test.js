import OrgVaultRecoveryPointPanel from 'c/orgVaultRecoveryPointPanel';
import createRecoveryPoint from '@salesforce/apex/OrgVaultController.createRecoveryPoint';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import { apexError, flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

async function openPanel() {
  const element = mount('c-org-vault-recovery-point-panel', OrgVaultRecoveryPointPanel, { org: org() });
  await flushPromises();
  return element;
}

describe('c-org-vault-recovery-point-panel', () => {
  beforeEach(() => listObjects.mockResolvedValue('[{"name":"Account","label":"Accounts"},{"name":"Case","label":"Cases"}]'));

  it('requests a recovery point of the chosen objects at the chosen time', async () => {
    createRecoveryPoint.mockResolvedValue('{"id":"rp-1"}');
    const element = await openPanel();
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    const create = dialogPart(element, 'lightning-button.primary');
    expect(create.disabled).toBe(true);
    element.shadowRoot.querySelector('lightning-dual-listbox').dispatchEvent(new CustomEvent('change', { detail: { value: ['Case'] } }));
    element.shadowRoot
      .querySelector('lightning-input.at')
      .dispatchEvent(new CustomEvent('change', { detail: { value: '2026-11-20T09:30:00Z' } }));
    await flushPromises();
    expect(create.disabled).toBe(false);
    create.click();
    await flushPromises();
    expect(createRecoveryPoint).toHaveBeenCalledWith({ orgId: 'org-1', objects: ['Case'], at: '2026-11-20T09:30:00.000Z' });
    expect(onDone.mock.calls[0][0].detail.result).toEqual({ id: 'rp-1' });
  });

  it('shows a refusal and stays open', async () => {
    createRecoveryPoint.mockRejectedValue(apexError('FULL_BACKUP_REQUIRED', 'No full backup yet', ['Run a full backup first.']));
    const element = await openPanel();
    element.shadowRoot.querySelector('lightning-dual-listbox').dispatchEvent(new CustomEvent('change', { detail: { value: ['Account'] } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    const panel = dialogPart(element, 'c-error-panel');
    expect(panel.friendlyMessage).toBe("This cycle's full backup has not finished yet");
    expect(panel.shadowRoot.textContent).toContain('Run a full backup first.');
  });

  it('shows when the objects cannot be listed', async () => {
    listObjects.mockRejectedValue(apexError('FORBIDDEN', 'no', [], 403));
    const element = await openPanel();
    expect(element.shadowRoot.querySelector('lightning-dual-listbox')).toBeNull();
    expect(dialogPart(element, 'c-error-panel')).not.toBeNull();
  });

  it('closes on Cancel', async () => {
    const element = await openPanel();
    const onClose = jest.fn();
    element.addEventListener('close', onClose);
    dialogPart(element, 'lightning-button.cancel').click();
    expect(onClose).toHaveBeenCalled();
  });

  it('is accessible', async () => {
    const element = await openPanel();
    await expect(element).toBeAccessible();
  });
});
