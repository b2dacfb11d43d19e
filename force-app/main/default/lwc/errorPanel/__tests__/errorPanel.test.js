import ErrorPanel from 'c/errorPanel';
import { apexError, mount } from 'test-lwc/helpers';

describe('c-error-panel', () => {
  it('shows the friendly message and every error message', () => {
    const element = mount('c-error-panel', ErrorPanel, {
      friendlyMessage: 'Could not load',
      errors: [{ body: { message: 'Apex said no' } }, new Error('JS broke'), { statusText: 'Gateway Timeout' }],
    });
    expect(element.shadowRoot.querySelector('h2').textContent).toBe('Could not load');
    const items = [...element.shadowRoot.querySelectorAll('ul.messages li')].map((li) => li.textContent);
    expect(items).toEqual(['Apex said no', 'JS broke', 'Gateway Timeout']);
    expect(element.shadowRoot.querySelector('ul.actions')).toBeNull();
  });

  it('shows what the user can do for an engine error', () => {
    const element = mount('c-error-panel', ErrorPanel, {
      errors: apexError('STORAGE_NOT_CONFIGURED', 'Blob storage is not configured', ['Set AZURE_STORAGE_CONNECTION_STRING.'], 503),
    });
    expect(element.shadowRoot.querySelector('ul.messages li').textContent).toBe('Blob storage is not configured');
    expect(element.shadowRoot.querySelector('ul.actions li').textContent).toBe('Set AZURE_STORAGE_CONNECTION_STRING.');
    expect(element.shadowRoot.querySelector('[role="alert"]')).not.toBeNull();
  });

  it('is accessible', async () => {
    const element = mount('c-error-panel', ErrorPanel, { errors: apexError('JOB_RUNNING', 'A job runs', ['Wait.']) });
    await expect(element).toBeAccessible();
  });
});
