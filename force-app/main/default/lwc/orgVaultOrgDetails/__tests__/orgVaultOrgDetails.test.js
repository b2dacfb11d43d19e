import OrgVaultOrgDetails from 'c/orgVaultOrgDetails';
import getOrg from '@salesforce/apex/OrgVaultController.getOrg';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import getJob from '@salesforce/apex/OrgVaultController.getJob';
import getPermissionReport from '@salesforce/apex/OrgVaultController.getPermissionReport';
import getContinuousProtection from '@salesforce/apex/OrgVaultController.getContinuousProtection';
import { apexError, flushPromises, mount, org } from 'test-lwc/helpers';

const JOBS = [
  { id: 'job-2', kind: 'incremental', status: 'running', startedAt: '2026-11-26T00:00:00.000Z', finishedAt: null },
  { id: 'job-1', kind: 'full', status: 'succeeded', startedAt: '2026-11-25T00:00:00.000Z', finishedAt: '2026-11-25T00:10:00.000Z' },
];
const REPORT = {
  id: 'rep-1',
  orgId: 'org-1',
  ranAt: '2026-11-25T03:00:00.000Z',
  fieldPermissions: [
    { object: 'Account', field: 'Name', read: true },
    { object: 'Account', field: 'Secret__c', read: false },
  ],
  objectPermissions: [
    { object: 'Account', read: true },
    { object: 'Invoice__c', read: false },
  ],
  userPermissions: [
    { name: 'ViewAllData', label: 'View All Data', granted: false, neededFor: ['backup'], usedFor: 'Read every record.' },
    { name: 'ApiEnabled', label: 'API Enabled', granted: true, neededFor: ['backup', 'restore'], usedFor: 'Every call.' },
  ],
};

const PROTECTION = {
  enabled: true,
  objects: ['Account', 'Invoice__c'],
  selection: { Account: { selected: true }, Invoice__c: { selected: false, reason: 'The org has no more Change Data Capture entities' } },
  coveredFrom: '2026-11-20T00:00:00.000Z',
  caughtUpAt: '2026-11-25T03:00:00.000Z',
  transport: 'auto',
  activeTransport: { transport: 'cometd', since: '2026-11-24T00:00:00.000Z', reason: 'Pub/Sub API unreachable' },
  lastEventAt: '2026-11-25T02:59:00.000Z',
  fallbacks: [
    { at: '2026-11-24T00:00:00.000Z', reason: 'transport_switch', objects: ['Account'], jobId: null, detail: 'to CometD' },
    { at: '2026-11-24T00:00:00.000Z', reason: 'stream_down', objects: ['Account'], jobId: 'job-9' },
    { at: '2026-11-20T00:00:00.000Z', reason: 'protection_on', objects: ['Account', 'Invoice__c'], jobId: null },
  ],
};

async function open() {
  const element = mount('c-org-vault-org-details', OrgVaultOrgDetails, { orgId: 'org-1' });
  await flushPromises();
  return element;
}

describe('c-org-vault-org-details', () => {
  beforeEach(() => {
    getOrg.mockResolvedValue(
      JSON.stringify(org({ currentJob: { id: 'job-2', status: 'running', progress: { objectsDone: 1, objectsTotal: 4, percent: null } } })),
    );
    listJobs.mockResolvedValue(JSON.stringify({ jobs: JOBS }));
    getPermissionReport.mockResolvedValue(JSON.stringify(REPORT));
    getContinuousProtection.mockResolvedValue(JSON.stringify(PROTECTION));
  });

  it('shows continuous protection: objects, what it could not select, how far it caught up and every fall-back', async () => {
    const root = (await open()).shadowRoot;
    expect(root.querySelector('.protection-state').textContent).toBe('On for Account, Invoice__c');
    expect(root.querySelector('.caught-up').textContent).toContain('is stored');
    expect([...root.querySelectorAll('.unselected li')].map((li) => li.textContent)).toEqual([
      'Invoice__c: The org has no more Change Data Capture entities',
    ]);
    expect(root.querySelector('.transport').textContent).toBe('Following changes over CometD (Streaming API) (Pub/Sub API unreachable)');
    expect([...root.querySelectorAll('.fallback-reason')].map((td) => td.textContent)).toEqual([
      'Switched between the Pub/Sub API and CometD (Streaming API): to CometD',
      'The change event stream was down too long',
      'Protection switched on: a backup caught the objects up',
    ]);
    expect(root.querySelectorAll('.fallbacks tbody tr')[1].textContent).toContain('job-9');
  });

  it('says when protection is off or still catching up, and names a fall-back reason it does not know', async () => {
    getContinuousProtection.mockResolvedValue(JSON.stringify({ ...PROTECTION, caughtUpAt: null }));
    const first = await open();
    expect(first.shadowRoot.querySelector('.caught-up').textContent).toBe('Catching up: recent changes are not all stored yet.');
    document.body.removeChild(first);
    getContinuousProtection.mockResolvedValue(
      JSON.stringify({ ...PROTECTION, enabled: false, fallbacks: [{ at: '2026-11-24T00:00:00.000Z', reason: 'new_reason', objects: [] }] }),
    );
    const root = (await open()).shadowRoot;
    expect(root.querySelector('.protection-state').textContent).toBe('Off: the org is protected by its scheduled backups only.');
    expect(root.querySelector('.fallback-reason').textContent).toBe('new_reason');
  });

  it('says protection is paused while the organization waits for a reconnect', async () => {
    const running = await open();
    expect(running.shadowRoot.querySelector('.paused')).toBeNull();
    document.body.removeChild(running);
    getContinuousProtection.mockResolvedValue(JSON.stringify({ ...PROTECTION, paused: 'reconnect_needed' }));
    const root = (await open()).shadowRoot;
    expect(root.querySelector('.paused').textContent).toContain('Paused until the organization is reconnected');
  });

  it('shows the current job, the jobs and what the permission report found missing', async () => {
    const element = await open();
    const root = element.shadowRoot;
    expect(root.querySelector('h2').textContent).toBe('Acme Production — details');
    expect(root.querySelector('.current-job').textContent).toContain('running — 25%');
    expect([...root.querySelectorAll('.job-status')].map((td) => td.textContent)).toEqual(['running', 'succeeded']);
    expect([...root.querySelectorAll('.gaps li')].map((li) => li.textContent)).toEqual([
      'View All Data (ViewAllData) is missing — needed for backup. Read every record.',
      'Cannot read the object Invoice__c',
      'Cannot read the field Account.Secret__c',
    ]);
  });

  it('gives each job its figures, and the running job what it has stored and spent so far', async () => {
    getOrg.mockResolvedValue(
      JSON.stringify(
        org({ currentJob: { id: 'job-2', status: 'running', progress: { objectsDone: 1, objectsTotal: 4, records: 1500, apiCalls: 23 } } }),
      ),
    );
    const figures = { recordsProtected: 1203, inserted: 5, updated: 7, deleted: 2, durationMs: 185000, apiCalls: 12, apiShare: 0.08 };
    listJobs.mockResolvedValue(JSON.stringify({ jobs: [JOBS[0], { ...JOBS[1], figures }] }));
    const root = (await open()).shadowRoot;
    expect(root.querySelector('.current-figures').textContent).toBe('1,500 records stored, 23 API calls so far');
    const done = root.querySelector('tr[data-job-id="job-1"]');
    expect(done.querySelector('.job-protected').textContent).toBe('1,203');
    expect(done.querySelector('.job-changes').textContent).toBe('+5 / ~7 / −2');
    expect(done.querySelector('.job-duration').textContent).toBe('3 min 5 s');
    expect(done.querySelector('.job-api-calls').textContent).toBe('12 (0.08% of the daily limit)');
  });

  it('refreshes by itself while a job runs, and stops once it has ended', async () => {
    jest.useFakeTimers();
    try {
      const element = mount('c-org-vault-org-details', OrgVaultOrgDetails, { orgId: 'org-1' });
      await jest.advanceTimersByTimeAsync(0);
      expect(getOrg).toHaveBeenCalledTimes(1);
      getOrg.mockResolvedValue(JSON.stringify(org()));
      await jest.advanceTimersByTimeAsync(5000);
      expect(getOrg).toHaveBeenCalledTimes(2);
      expect(element.shadowRoot.querySelector('.current-job')).toBeNull();
      await jest.advanceTimersByTimeAsync(20000);
      expect(getOrg).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('says when the integration user lacks nothing', async () => {
    getPermissionReport.mockResolvedValue(JSON.stringify({ ...REPORT, fieldPermissions: [], objectPermissions: [], userPermissions: [] }));
    const element = await open();
    expect(element.shadowRoot.querySelector('.no-gaps')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.gaps')).toBeNull();
  });

  it('shows the result of every object of a chosen job', async () => {
    getJob.mockResolvedValue(
      JSON.stringify({
        id: 'job-1',
        objects: null,
        objectDetails: [
          { name: 'Account', status: 'succeeded', records: 1200, error: null },
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
    listJobs.mockResolvedValue('{"jobs":[]}');
    getPermissionReport.mockRejectedValue(apexError('NOT_FOUND', 'No report', [], 404));
    const element = await open();
    expect(element.shadowRoot.querySelector('.no-jobs')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.no-report')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.current-job')).toBeNull();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
  });

  it('shows other failures, and still the parts that loaded', async () => {
    getPermissionReport.mockRejectedValue(apexError('SERVICE_UNAVAILABLE', 'This engine build does not offer this service yet', [], 503));
    const element = await open();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toHaveLength(1);
    expect(panel.shadowRoot.textContent).toContain('This engine build does not offer this service yet');
    expect([...element.shadowRoot.querySelectorAll('.job-status')]).toHaveLength(2);
    expect(element.shadowRoot.querySelector('.no-report')).toBeNull();
  });

  it('goes back to the organizations', async () => {
    const element = await open();
    const onBack = jest.fn();
    element.addEventListener('back', onBack);
    element.shadowRoot.querySelector('lightning-button.back').click();
    expect(onBack).toHaveBeenCalled();
  });

  it('is accessible', async () => {
    getJob.mockResolvedValue(
      JSON.stringify({ id: 'job-1', objectDetails: [{ name: 'Account', status: 'succeeded', records: 3, error: null }] }),
    );
    const element = await open();
    element.shadowRoot.querySelector('button.show-objects').click();
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
