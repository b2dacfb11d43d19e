import OrgVaultDateTime from 'c/orgVaultDateTime';
import { mount } from 'test-lwc/helpers';

describe('c-org-vault-date-time', () => {
  it('formats with date, hour and minute', () => {
    const element = mount('c-org-vault-date-time', OrgVaultDateTime, { value: '2026-11-25T00:10:00.000Z' });
    const formatted = element.shadowRoot.querySelector('lightning-formatted-date-time');
    expect(formatted.value).toBe('2026-11-25T00:10:00.000Z');
    expect([formatted.year, formatted.month, formatted.day, formatted.hour, formatted.minute]).toEqual([
      'numeric',
      'short',
      'numeric',
      '2-digit',
      '2-digit',
    ]);
  });

  it('is accessible', async () => {
    const element = mount('c-org-vault-date-time', OrgVaultDateTime, { value: '2026-11-25T00:10:00.000Z' });
    await expect(element).toBeAccessible();
  });
});
