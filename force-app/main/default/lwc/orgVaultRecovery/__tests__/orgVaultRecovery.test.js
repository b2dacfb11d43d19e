import OrgVaultRecovery from 'c/orgVaultRecovery';
import { flushPromises, mount } from 'test-lwc/helpers';

const part = (element, selector) => element.shadowRoot.querySelector(selector);

describe('c-org-vault-recovery', () => {
  it('opens on request; opens the restore wizard filled with a choice made under Deleted records, History or Compare', async () => {
    const element = mount('c-org-vault-recovery', OrgVaultRecovery, { orgId: 'org-1' });
    await flushPromises();
    expect(part(element, 'lightning-tabset')).toBeNull();
    expect(part(element, 'c-org-vault-deleted-records')).toBeNull();
    part(element, 'lightning-button.open').click();
    await flushPromises();
    expect(part(element, 'lightning-tabset').activeTabValue).toBe('deleted');
    for (const tag of ['c-org-vault-deleted-records', 'c-org-vault-record-history', 'c-org-vault-compare', 'c-org-vault-restore-wizard'])
      expect(part(element, tag).orgId).toBe('org-1');
    const choice = { from: { at: '2026-12-01T07:59:59.999Z' }, objects: ['Account'], recordIds: ['001000000000002AAA'], mode: 'deleted' };
    part(element, 'c-org-vault-deleted-records').dispatchEvent(new CustomEvent('restore', { detail: choice }));
    await flushPromises();
    expect(part(element, 'lightning-tabset').activeTabValue).toBe('restore');
    expect(part(element, 'c-org-vault-restore-wizard').preset).toEqual(choice);
  });
});
