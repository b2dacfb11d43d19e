import OrgVaultConnectPanel from 'c/orgVaultConnectPanel';
import connectOrg from '@salesforce/apex/OrgVaultController.connectOrg';
import reconnectOrg from '@salesforce/apex/OrgVaultController.reconnectOrg';
import { flushPromises, mount, org, dialogPart } from 'test-lwc/helpers';

const LINK = '{"authorizeUrl":"https://acme.my.salesforce.com/services/oauth2/authorize?state=s","expiresAt":"2026-12-07T18:10:00Z"}';

describe('c-org-vault-connect-panel', () => {
  beforeEach(() => {
    window.open = jest.fn();
  });

  it('asks for a My Domain URL with a custom domain, then opens the login the engine hands out', async () => {
    connectOrg.mockResolvedValue(LINK);
    const element = mount('c-org-vault-connect-panel', OrgVaultConnectPanel, {});
    const onDone = jest.fn();
    element.addEventListener('done', onDone);
    element.shadowRoot.querySelector('lightning-radio-group').dispatchEvent(new CustomEvent('change', { detail: { value: 'custom' } }));
    await flushPromises();
    expect(dialogPart(element, 'lightning-button.primary').disabled).toBe(true);
    element.shadowRoot
      .querySelector('.my-domain')
      .dispatchEvent(new CustomEvent('change', { detail: { value: ' https://acme.my.salesforce.com ' } }));
    await flushPromises();
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(connectOrg).toHaveBeenCalledWith({ environment: 'custom', myDomainUrl: 'https://acme.my.salesforce.com' });
    expect(window.open).toHaveBeenCalledWith('https://acme.my.salesforce.com/services/oauth2/authorize?state=s', '_blank');
    expect(onDone).toHaveBeenCalled();
  });

  it('reconnects the org it is given, without asking where it logs in', async () => {
    reconnectOrg.mockResolvedValue(LINK);
    const element = mount('c-org-vault-connect-panel', OrgVaultConnectPanel, { org: org() });
    expect(element.shadowRoot.querySelector('lightning-radio-group')).toBeNull();
    expect(element.shadowRoot.querySelector('.reconnect-intro').textContent).toContain('Acme Production');
    dialogPart(element, 'lightning-button.primary').click();
    await flushPromises();
    expect(reconnectOrg).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(window.open).toHaveBeenCalledTimes(1);
  });
});
