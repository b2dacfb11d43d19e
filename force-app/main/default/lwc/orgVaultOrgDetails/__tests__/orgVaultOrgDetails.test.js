import OrgVaultOrgDetails from 'c/orgVaultOrgDetails';
import getOrg from '@salesforce/apex/OrgVaultController.getOrg';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import getJob from '@salesforce/apex/OrgVaultController.getJob';
import getPermissionReport from '@salesforce/apex/OrgVaultController.getPermissionReport';
import { apexError, flushPromises, mount, org } from 'test-lwc/helpers';

const JOBS = [
  { id: 'job-2', kind: 'incremental', status: 'running', startedAt: '2026-11-26T00:00:00.000Z', finishedAt: null },
  { id: 'job-1', kind: 'full', status: 'succeeded', startedAt: '2026-11-25T00:00:00.000Z', finishedAt: '2026-11-25T00:10:00.000Z' },
];

async function open() {
  const element = mount('c-org-vault-org-details', OrgVaultOrgDetails, { orgId: 'org-1' });
  await flushPromises();
  return element;
}

describe('c-org-vault-org-details', () => {
  beforeEach(() => {
    getOrg.mockResolvedValue(
      JSON.stringify(org({ currentJob: { id: 'job-2', status: 'running', progress: { objectsDone: 1, objectsTotal: 4 } } })),
    );
    listJobs.mockResolvedValue(JSON.stringify({ jobs: JOBS }));
    getPermissionReport.mockResolvedValue(
      JSON.stringify({
        generatedAt: '2026-11-25T03:00:00.000Z',
        findings: [{ severity: 'warning', message: 'Integration user lacks View All Data' }],
      }),
    );
  });

  it('shows the current job, the jobs and the permission report', async () => {
    const element = await open();
    const root = element.shadowRoot;
    expect(root.querySelector('h2').textContent).toBe('Acme Production — details');
    expect(root.querySelector('.current-job').textContent).toContain('running — 25%');
    expect([...root.querySelectorAll('.job-status')].map((td) => td.textContent)).toEqual(['running', 'succeeded']);
    expect(root.querySelector('.findings').textContent).toContain('Integration user lacks View All Data');
  });

  it('shows the result of every object of a chosen job', async () => {
    getJob.mockResolvedValue(
      JSON.stringify({
        id: 'job-1',
        objects: [
          { name: 'Account', status: 'succeeded', records: 1200 },
          { name: 'Case', status: 'failed', records: 0, error: 'INVALID_FIELD' },
        ],
      }),
    );
    const element = await open();
    element.shadowRoot.querySelector('button.show-objects[data-job-id="job-1"]').click();
    await flushPromises();
    expect(getJob).toHaveBeenCalledWith({ orgId: 'org-1', jobId: 'job-1' });
    const rows = [...element.shadowRoot.querySelectorAll('.job-objects tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ['Account', 'succeeded', '1200', ''],
      ['Case', 'failed', '0', 'INVALID_FIELD'],
    ]);
  });

  it('says when there are no jobs and no report yet', async () => {
    getOrg.mockResolvedValue(JSON.stringify(org()));
    listJobs.mockResolvedValue('[]');
    getPermissionReport.mockRejectedValue(apexError('NOT_FOUND', 'No report', [], 404));
    const element = await open();
    expect(element.shadowRoot.querySelector('.no-jobs')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.no-report')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.current-job')).toBeNull();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
  });

  it('shows other failures', async () => {
    getPermissionReport.mockRejectedValue(apexError('FORBIDDEN', 'Not allowed', [], 403));
    const element = await open();
    expect(element.shadowRoot.querySelector('c-error-panel')).not.toBeNull();
  });

  it('goes back to the organizations', async () => {
    const element = await open();
    const onBack = jest.fn();
    element.addEventListener('back', onBack);
    element.shadowRoot.querySelector('lightning-button.back').click();
    expect(onBack).toHaveBeenCalled();
  });

  it('is accessible', async () => {
    getJob.mockResolvedValue(JSON.stringify({ id: 'job-1', objects: [{ name: 'Account', status: 'succeeded', records: 3 }] }));
    const element = await open();
    element.shadowRoot.querySelector('button.show-objects').click();
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
