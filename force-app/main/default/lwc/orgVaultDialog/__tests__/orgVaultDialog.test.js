import OrgVaultDialog from 'c/orgVaultDialog';
import { mount } from 'test-lwc/helpers';

describe('c-org-vault-dialog', () => {
  it('is a labelled modal dialog with focus on its close button', () => {
    const element = mount('c-org-vault-dialog', OrgVaultDialog, { heading: 'Back up Acme now' });
    const dialog = element.shadowRoot.querySelector('section[role="dialog"]');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const heading = element.shadowRoot.querySelector('h1');
    expect(heading.textContent).toBe('Back up Acme now');
    expect(dialog.getAttribute('aria-labelledby')).toBe(heading.id);
    expect(element.shadowRoot.activeElement).toBe(element.shadowRoot.querySelector('button.close'));
  });

  it('asks to close from its close button and from Escape', () => {
    const element = mount('c-org-vault-dialog', OrgVaultDialog, { heading: 'x' });
    const onClose = jest.fn();
    element.addEventListener('close', onClose);
    element.shadowRoot.querySelector('button.close').click();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('has Cancel and one primary button, and shows the panel error', async () => {
    const element = mount('c-org-vault-dialog', OrgVaultDialog, { heading: 'x', primaryLabel: 'Start backup', primaryDisabled: true });
    const primary = element.shadowRoot.querySelector('lightning-button.primary');
    expect(primary.label).toBe('Start backup');
    expect(primary.disabled).toBe(true);
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    const onPrimary = jest.fn();
    const onClose = jest.fn();
    element.addEventListener('primary', onPrimary);
    element.addEventListener('close', onClose);
    primary.click();
    element.shadowRoot.querySelector('lightning-button.cancel').click();
    expect(onPrimary).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledTimes(1);
    element.errors = new Error('boom');
    element.errorTitle = 'It failed';
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('It failed');
  });

  it('stops listening for Escape once removed', () => {
    const element = mount('c-org-vault-dialog', OrgVaultDialog, { heading: 'x' });
    const onClose = jest.fn();
    element.addEventListener('close', onClose);
    document.body.removeChild(element);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(onClose).not.toHaveBeenCalled();
  });

  it('is accessible', async () => {
    const element = mount('c-org-vault-dialog', OrgVaultDialog, { heading: 'Settings' });
    await expect(element).toBeAccessible();
  });
});
