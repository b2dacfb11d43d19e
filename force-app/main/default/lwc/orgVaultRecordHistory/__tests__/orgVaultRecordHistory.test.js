import OrgVaultRecordHistory from 'c/orgVaultRecordHistory';
import getRecordHistory from '@salesforce/apex/OrgVaultController.getRecordHistory';
import { apexError, flushPromises, mount } from 'test-lwc/helpers';

const HISTORY = require('./data/history.json');

const part = (element, selector) => element.shadowRoot.querySelector(selector);
const all = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const texts = (element, selector) => all(element, selector).map((e) => e.textContent);

async function open(props = {}) {
  const element = mount('c-org-vault-record-history', OrgVaultRecordHistory, { orgId: 'org-1', ...props });
  await flushPromises();
  return element;
}

describe('c-org-vault-record-history', () => {
  beforeEach(() => getRecordHistory.mockResolvedValue(JSON.stringify(HISTORY)));

  it('shows every version newest first: when, what, from where, and the fields that changed', async () => {
    const element = await open();
    expect(getRecordHistory).not.toHaveBeenCalled();
    expect(part(element, 'lightning-button.show').disabled).toBe(true);
    part(element, 'lightning-input.record-id').dispatchEvent(new CustomEvent('change', { detail: { value: ' 001000000000001AAA ' } }));
    await flushPromises();
    part(element, 'lightning-button.show').click();
    await flushPromises();
    expect(getRecordHistory).toHaveBeenCalledWith({ orgId: 'org-1', recordId: '001000000000001AAA', objectName: null });
    expect(part(element, 'h3.title').textContent).toBe('Account 001000000000001AAA: 3 versions');
    expect(texts(element, 'li.version .kind')).toEqual(['Deleted', 'Saved', 'Saved']);
    expect(texts(element, 'li.version .source')).toEqual(['Backup', 'Change event', 'Backup']);
    const second = all(element, 'li.version')[1];
    expect([...second.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['Industry', 'Energy', 'Oil']);
    expect(all(element, 'li.version')[0].querySelector('table')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('loads at once for a record it is given, and hands a version to the restore wizard', async () => {
    const element = await open({ recordId: '001000000000001AAA', objectName: 'Account' });
    expect(getRecordHistory).toHaveBeenCalledWith({ orgId: 'org-1', recordId: '001000000000001AAA', objectName: 'Account' });
    // A deletion known only as such has nothing to restore from.
    expect(all(element, 'lightning-button.restore-version').map((b) => b.dataset.at)).toEqual([
      '2026-11-02T10:00:00.000Z',
      '2026-11-01T10:00:00.000Z',
    ]);
    const handler = jest.fn();
    element.addEventListener('restore', handler);
    all(element, 'lightning-button.restore-version')[1].click();
    expect(handler.mock.calls[0][0].detail).toEqual({
      from: { at: '2026-11-01T10:00:00.000Z' },
      objects: ['Account'],
      recordIds: ['001000000000001AAA'],
      mode: 'overwrite',
    });
  });

  it("says why an id has no history (another org's, another object's)", async () => {
    getRecordHistory.mockRejectedValue(
      apexError('NOT_FOUND', 'Record 001000000000001AAA is stored as Account, not Contact', ['Look it up as Account.'], 404),
    );
    const element = await open({ recordId: '001000000000001AAA', objectName: 'Contact' });
    await flushPromises();
    const panel = part(element, 'c-error-panel');
    expect(panel.errors.body.message).toContain('not Contact');
    expect(part(element, 'h3.title')).toBeNull();
  });
});
