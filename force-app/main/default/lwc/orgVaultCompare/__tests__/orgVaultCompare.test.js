import OrgVaultCompare from 'c/orgVaultCompare';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import compare from '@salesforce/apex/OrgVaultController.compare';
import { apexError, flushPromises, mount } from 'test-lwc/helpers';

const JOBS = require('./data/jobs.json');
const OBJECTS = require('./data/objects.json');
const COMPARED = require('./data/compare.json');

const part = (element, selector) => element.shadowRoot.querySelector(selector);
const all = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const texts = (element, selector) => all(element, selector).map((e) => e.textContent);

async function open() {
  const element = mount('c-org-vault-compare', OrgVaultCompare, { orgId: 'org-1' });
  await flushPromises();
  await flushPromises();
  return element;
}

async function compareAccounts(element) {
  part(element, 'lightning-dual-listbox.objects').dispatchEvent(new CustomEvent('change', { detail: { value: ['Account'] } }));
  await flushPromises();
  part(element, 'lightning-button.run').click();
  await flushPromises();
  await flushPromises();
}

describe('c-org-vault-compare', () => {
  beforeEach(() => {
    listJobs.mockResolvedValue(JSON.stringify(JOBS));
    listObjects.mockResolvedValue(JSON.stringify(OBJECTS));
    compare.mockResolvedValue(JSON.stringify(COMPARED));
  });

  it('compares the newest backup with the live org: counts per object, then each changed field side by side', async () => {
    const element = await open();
    expect(part(element, 'lightning-button.run').disabled).toBe(true);
    await compareAccounts(element);
    expect(JSON.parse(compare.mock.calls[0][0].requestJson)).toEqual({
      from: { jobId: 'job-2' },
      to: { live: true },
      objects: ['Account'],
      detailLimit: 1000,
    });
    expect(texts(element, 'table.summary tbody td')).toEqual(['Account', '1', '1', '2']);
    expect(all(element, 'table.details tbody tr').map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent))).toEqual(
      [
        ['Account 001000000000001AAA', 'Industry', 'Energy', 'Oil'],
        ['Account 001000000000001AAA', 'Phone', '555-0100', '—'],
        ['Account 001000000000002AAA', 'Industry', 'Retail', 'Oil'],
        ['Account 001000000000003AAA', '(deleted)', '', ''],
      ],
    );
    // One choice per record, not per field.
    expect(all(element, 'input.choose').map((b) => b.dataset.id)).toEqual([
      '001000000000001AAA',
      '001000000000002AAA',
      '001000000000003AAA',
    ]);
    await expect(element).toBeAccessible();
  });

  it('compares two backups, and sends the chosen records to the restore wizard', async () => {
    const element = await open();
    part(element, 'lightning-combobox.to').dispatchEvent(new CustomEvent('change', { detail: { value: 'rp-1' } }));
    await compareAccounts(element);
    expect(JSON.parse(compare.mock.calls[0][0].requestJson).to).toEqual({ jobId: 'rp-1' });
    const handler = jest.fn();
    element.addEventListener('restore', handler);
    const box = part(element, 'input.choose[data-id="001000000000002AAA"]');
    box.checked = true;
    box.dispatchEvent(new CustomEvent('change'));
    await flushPromises();
    part(element, 'lightning-button.restore-chosen').click();
    expect(handler.mock.calls[0][0].detail).toEqual({
      from: { jobId: 'job-2' },
      objects: ['Account'],
      recordIds: ['001000000000002AAA'],
      mode: 'changed',
    });
    const deleted = part(element, 'input.choose[data-id="001000000000003AAA"]');
    deleted.checked = true;
    deleted.dispatchEvent(new CustomEvent('change'));
    await flushPromises();
    part(element, 'lightning-button.restore-chosen').click();
    expect(handler.mock.calls[1][0].detail.mode).toBe('overwrite');
  });

  it('shows a refusal in the error panel', async () => {
    compare.mockRejectedValue(apexError('VALIDATION_FAILED', 'Unknown object Acount', [], 400));
    const element = await open();
    await compareAccounts(element);
    expect(part(element, 'c-error-panel').errors.body.message).toContain('Acount');
    expect(part(element, 'table.summary')).toBeNull();
  });
});
