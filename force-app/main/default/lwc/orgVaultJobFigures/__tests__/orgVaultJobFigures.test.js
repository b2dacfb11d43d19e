import OrgVaultJobFigures from 'c/orgVaultJobFigures';
import { mount } from 'test-lwc/helpers';
import JOB from './data/job.json';

const fact = (root, key) => root.querySelector(`dd.${key}`).textContent;

describe('c-org-vault-job-figures', () => {
  it('shows what the job protects, changed, stored and cost, and which objects failed', () => {
    const root = mount('c-org-vault-job-figures', OrgVaultJobFigures, { job: JOB }).shadowRoot;
    expect(fact(root, 'records-protected')).toBe('1,203');
    expect(fact(root, 'files-protected')).toBe('10');
    expect(fact(root, 'changes')).toBe('+5 / ~7 / −2');
    expect(fact(root, 'storage')).toBe('517.6 KiB (5.6 KiB)');
    expect(fact(root, 'duration')).toBe('3 min 5 s');
    expect(fact(root, 'api-calls')).toBe('12 (0.08% of 15,000 a day)');
    expect([...root.querySelectorAll('.failed-objects li')].map((li) => li.textContent)).toEqual([
      "Case: INVALID_FIELD: No such column 'Secret__c'",
    ]);
  });

  it('gives every object the same figures', () => {
    const root = mount('c-org-vault-job-figures', OrgVaultJobFigures, { job: JOB }).shadowRoot;
    const rows = [...root.querySelectorAll('.object-figures tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Account', '1,003', '5', '7', '2', '0', '5.6 KiB', '8 s', '9 (0.06% of the daily limit)'],
      ['Case', '200', '0', '0', '0', '10', '0 B', '2 min 59 s', '3 (0.02% of the daily limit)'],
    ]);
  });

  it('lists no failures for a job without any', () => {
    const job = { ...JOB, figures: { ...JOB.figures, failedObjects: [] } };
    const root = mount('c-org-vault-job-figures', OrgVaultJobFigures, { job }).shadowRoot;
    expect(root.querySelector('.failed-objects')).toBeNull();
  });

  it('is accessible', async () => {
    const element = mount('c-org-vault-job-figures', OrgVaultJobFigures, { job: JOB });
    await expect(element).toBeAccessible();
  });
});
