import OrgVaultDeletedRecords from 'c/orgVaultDeletedRecords';
import listDeletedRecords from '@salesforce/apex/OrgVaultController.listDeletedRecords';
import { apexError, flushPromises, mount } from 'test-lwc/helpers';

const DELETED = require('./data/deleted.json');

const part = (element, selector) => element.shadowRoot.querySelector(selector);
const all = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const texts = (element, selector) => all(element, selector).map((e) => e.textContent);

async function open() {
  const element = mount('c-org-vault-deleted-records', OrgVaultDeletedRecords, { orgId: 'org-1' });
  await flushPromises();
  return element;
}

function check(box, checked = true) {
  box.checked = checked;
  box.dispatchEvent(new CustomEvent('change'));
  return flushPromises();
}

describe('c-org-vault-deleted-records', () => {
  beforeEach(() => listDeletedRecords.mockResolvedValue(JSON.stringify(DELETED)));

  it('lists what was deleted per object, each beside the parent it went with', async () => {
    const element = await open();
    expect(listDeletedRecords).toHaveBeenCalledWith({ orgId: 'org-1', since: null, until: null, objects: null });
    expect(texts(element, 'h3.heading')).toEqual(['Account (2)', 'Contact (2+)']);
    expect(texts(element, 'td.label')).toEqual(['Globex', 'Initech', 'Ng', 'Ode']);
    expect(texts(element, 'td.went-with')).toEqual(['', '', 'Account Globex', '']);
    expect(part(element, 'lightning-button.restore-selected').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('choosing a parent chooses what went with it; restore hands the choice to the wizard from before the first deletion', async () => {
    const element = await open();
    await check(part(element, 'input.select[data-id="001000000000002AAA"]'));
    expect(all(element, 'input.select').map((b) => b.checked)).toEqual([true, false, true, false]);
    expect(part(element, 'p.selected-count').textContent).toBe('2 selected');
    await check(part(element, 'input.select[data-id="003000000000009AAA"]'));
    const handler = jest.fn();
    element.addEventListener('restore', handler);
    part(element, 'lightning-button.restore-selected').click();
    expect(handler.mock.calls[0][0].detail).toEqual({
      from: { at: '2026-12-01T07:59:59.999Z' },
      objects: ['Account', 'Contact'],
      recordIds: ['001000000000002AAA', '003000000000001AAA', '003000000000009AAA'],
      mode: 'deleted',
    });
  });

  it('selects and clears a whole object, and asks again from another time', async () => {
    const element = await open();
    await check(part(element, 'input.select-object[data-object="Account"]'));
    expect(all(element, 'input.select').map((b) => b.checked)).toEqual([true, true, true, false]);
    await check(part(element, 'input.select-object[data-object="Account"]'), false);
    expect(part(element, 'p.selected-count').textContent).toBe('0 selected');
    part(element, 'lightning-input.since').dispatchEvent(new CustomEvent('change', { detail: { value: '2026-12-02T00:00:00.000Z' } }));
    part(element, 'lightning-button.show').click();
    await flushPromises();
    expect(listDeletedRecords).toHaveBeenLastCalledWith({ orgId: 'org-1', since: '2026-12-02T00:00:00.000Z', until: null, objects: null });
  });

  it('shows the engine’s refusal in the error panel', async () => {
    listDeletedRecords.mockRejectedValue(apexError('VALIDATION_FAILED', 'The window ends before it begins', [], 400));
    const element = await open();
    expect(part(element, 'c-error-panel')).not.toBeNull();
    expect(part(element, 'p.none')).not.toBeNull();
  });
});
