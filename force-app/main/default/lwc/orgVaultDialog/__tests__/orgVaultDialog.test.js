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
