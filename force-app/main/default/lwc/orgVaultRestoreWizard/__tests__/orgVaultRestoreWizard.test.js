import OrgVaultRestoreWizard from 'c/orgVaultRestoreWizard';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import listOrgs from '@salesforce/apex/OrgVaultController.listOrgs';
import restore from '@salesforce/apex/OrgVaultController.restore';
import getRestore from '@salesforce/apex/OrgVaultController.getRestore';
import getRestoreResults from '@salesforce/apex/OrgVaultController.getRestoreResults';
import { apexError, flushPromises, mount } from 'test-lwc/helpers';

const JOBS = require('./data/jobs.json');
const OBJECTS = require('./data/objects.json');
const ORGS = require('./data/orgs.json');
const PLAN = require('./data/plan.json');
const RUN = require('./data/run.json');

const part = (element, selector) => element.shadowRoot.querySelector(selector);
const all = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const texts = (element, selector) => all(element, selector).map((e) => e.textContent);
const sent = (mock) => JSON.parse(mock.mock.calls[mock.mock.calls.length - 1][0].requestJson);

async function open(props = {}) {
  const element = mount('c-org-vault-restore-wizard', OrgVaultRestoreWizard, { orgId: 'org-1', ...props });
  await flushPromises();
  await flushPromises();
  return element;
}

function change(element, selector, value) {
  part(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  return flushPromises();
}

async function click(element, selector) {
  part(element, selector).click();
  await flushPromises();
  await flushPromises();
}

describe('c-org-vault-restore-wizard', () => {
  beforeEach(() => {
    listJobs.mockResolvedValue(JSON.stringify(JOBS));
    listObjects.mockResolvedValue(JSON.stringify(OBJECTS));
    listOrgs.mockResolvedValue(JSON.stringify(ORGS));
    restore.mockImplementation(async ({ requestJson }) =>
      JSON.stringify(JSON.parse(requestJson).dryRun ? PLAN : { ...RUN, status: 'queued' }),
    );
    getRestore.mockResolvedValue(JSON.stringify(RUN));
  });

  it('offers finished backups and recovery points, the objects and the orgs, and explains the three modes', async () => {
    const element = await open();
    expect(part(element, 'lightning-combobox.job').options.map((o) => o.value)).toEqual(['job-2', 'rp-1']);
    expect(part(element, 'lightning-combobox.job').value).toBe('job-2');
    expect(part(element, 'lightning-dual-listbox.objects').options.map((o) => o.value)).toEqual(['Account', 'Contact']);
    expect(part(element, 'lightning-combobox.target').options.map((o) => o.label)).toEqual(['Acme Production (this org)', 'Acme Sandbox']);
    const modes = part(element, 'lightning-radio-group.mode').options;
    expect(modes.map((m) => m.value)).toEqual(['changed', 'deleted', 'overwrite']);
    expect(modes[1].label).toContain('Recycle Bin');
    expect(part(element, 'lightning-button.preview').disabled).toBe(true);
    expect(part(element, 'lightning-button.run').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('previews only Industry for chosen records, then restores and shows what was written with the results to download', async () => {
    const element = await open();
    await change(element, 'lightning-dual-listbox.objects', ['Account']);
    await change(element, 'lightning-textarea.records', '001000000000001AAA, 001000000000002AAA');
    await change(element, 'lightning-radio-group.mode', 'overwrite');
    await change(element, 'lightning-input.fields', 'Industry');
    const keep = part(element, 'lightning-input.keep-newer');
    keep.checked = true;
    keep.dispatchEvent(new CustomEvent('change'));
    await click(element, 'lightning-button.preview');
    expect(sent(restore)).toEqual({
      from: { jobId: 'job-2' },
      objects: ['Account'],
      recordIds: ['001000000000001AAA', '001000000000002AAA'],
      mode: 'overwrite',
      fields: ['Industry'],
      keepNewer: true,
      dryRun: true,
    });
    expect(texts(element, 'table.plan tbody td')).toEqual(['Account', '200', '3', '12', '0', 'Industry: 12', 'Phone: 2', '6']);
    expect(part(element, 'table.plan caption').textContent).toContain('9 API calls');
    expect(texts(element, 'li.survivor')).toEqual(['Task.WhatId: 14']);

    await click(element, 'lightning-button.run');
    expect(sent(restore)).toMatchObject({ dryRun: false, fields: ['Industry'] });
    expect(getRestore).toHaveBeenCalledWith({ orgId: 'org-1', runId: 'run-1' });
    expect(part(element, 'p.summary').textContent).toBe('Restore succeeded: 215 records written, 1 failed, 10 API calls');
    expect(part(element, 'lightning-progress-bar').value).toBe(100);

    getRestoreResults.mockResolvedValue(
      'object,operation,old_id,new_id,success,error\nAccount,update,001,,false,FIELD_CUSTOM_VALIDATION_EXCEPTION\n',
    );
    const downloads = [];
    const anchorClick = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function record() {
      downloads.push({ name: this.download, csv: decodeURIComponent(this.href.split(',').slice(1).join(',')) });
    });
    await click(element, 'lightning-button.results');
    anchorClick.mockRestore();
    expect(getRestoreResults).toHaveBeenCalledWith({ orgId: 'org-1', runId: 'run-1' });
    expect(downloads).toEqual([{ name: 'restore-run-1.csv', csv: expect.stringContaining('FIELD_CUSTOM_VALIDATION_EXCEPTION') }]);
  });

  it('is filled from a choice made elsewhere (deleted records), into another org', async () => {
    const element = await open({
      preset: {
        from: { at: '2026-12-01T07:59:59.999Z' },
        objects: ['Account', 'Contact'],
        recordIds: ['001000000000002AAA'],
        mode: 'deleted',
      },
    });
    expect(part(element, 'lightning-input.at').value).toBe('2026-12-01T07:59:59.999Z');
    await change(element, 'lightning-combobox.target', 'org-2');
    await change(element, 'lightning-combobox.depth', '1');
    await click(element, 'lightning-button.preview');
    expect(sent(restore)).toEqual({
      from: { at: '2026-12-01T07:59:59.999Z' },
      objects: ['Account', 'Contact'],
      recordIds: ['001000000000002AAA'],
      depth: 1,
      mode: 'deleted',
      targetOrgId: 'org-2',
      dryRun: true,
    });
  });

  it('shows a refusal (a field that does not exist) and writes nothing', async () => {
    restore.mockRejectedValue(apexError('VALIDATION_FAILED', 'Account has no field Industri', ['Check the field names.'], 400));
    const element = await open();
    await change(element, 'lightning-dual-listbox.objects', ['Account']);
    await change(element, 'lightning-input.fields', 'Industri');
    await click(element, 'lightning-button.preview');
    expect(part(element, 'c-error-panel').errors.body.message).toContain('Industri');
    expect(part(element, 'table.plan')).toBeNull();
    expect(part(element, 'lightning-button.run').disabled).toBe(true);
  });
});
