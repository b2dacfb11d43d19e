import OrgVaultAuditTrail from 'c/orgVaultAuditTrail';
import getMe from '@salesforce/apex/OrgVaultController.getMe';
import getAuditTrail from '@salesforce/apex/OrgVaultController.getAuditTrail';
import { apexError, flushPromises, mount } from 'test-lwc/helpers';

const PAGE = require('./data/auditPage.json');
const OLDER = require('./data/auditPageOlder.json');
const ADMIN = require('./data/meAdministrator.json');
const VIEWER = require('./data/meViewer.json');

async function open() {
  const element = mount('c-org-vault-audit-trail', OrgVaultAuditTrail, { orgId: 'org-1' });
  await flushPromises();
  await flushPromises();
  return element;
}

const part = (element, selector) => element.shadowRoot.querySelector(selector);
const all = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const cells = (element, selector) => all(element, selector).map((c) => c.textContent);

describe('c-org-vault-audit-trail', () => {
  beforeEach(() => {
    getMe.mockResolvedValue(JSON.stringify(ADMIN));
    getAuditTrail.mockResolvedValue(JSON.stringify(PAGE));
  });

  it("shows an administrator the org's newest entries: who, from where, what, on what, how it ended", async () => {
    const element = await open();
    expect(getAuditTrail).toHaveBeenCalledWith({ orgId: 'org-1', actor: null, action: null, since: null, until: null, before: null });
    expect(cells(element, 'tbody tr td.actor-cell')).toEqual(['ann@example.com', 'vic@example.com']);
    expect(cells(element, 'tbody tr td.source')).toEqual(['Page', 'API']);
    expect(cells(element, 'tbody tr td.action-cell')).toEqual(['Back up now', 'Restore']);
    expect(cells(element, 'tbody tr td.target')).toEqual(['job-41', '']);
    expect(cells(element, 'tbody tr td.outcome')).toEqual(['succeeded', 'refused (FORBIDDEN)']);
    expect(part(element, 'tbody tr td.slds-text-color_error').textContent).toBe('refused (FORBIDDEN)');
    expect(all(element, 'tbody c-org-vault-date-time').map((d) => d.value)).toEqual(PAGE.entries.map((e) => e.at));
    expect(part(element, 'lightning-button.older').disabled).toBe(false);
    expect(part(element, 'lightning-button.newer').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('asks nothing of the trail for a caller who may not read it (that would be a refusal on record)', async () => {
    getMe.mockResolvedValue(JSON.stringify(VIEWER));
    const element = await open();
    expect(getAuditTrail).not.toHaveBeenCalled();
    expect(part(element, 'section.audit')).toBeNull();
  });

  it('filters by who, action and time', async () => {
    const element = await open();
    const change = (selector, value) => part(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
    change('lightning-input.actor', 'ann@example.com');
    change('lightning-combobox.action', 'backup.run');
    change('lightning-input.since', '2026-12-01T00:00:00.000Z');
    expect(part(element, 'lightning-combobox.action').options.map((o) => o.value)).toContain('restore.dry-run');
    part(element, 'lightning-button.apply').click();
    await flushPromises();
    expect(getAuditTrail).toHaveBeenLastCalledWith({
      orgId: 'org-1',
      actor: 'ann@example.com',
      action: 'backup.run',
      since: '2026-12-01T00:00:00.000Z',
      until: null,
      before: null,
    });
  });

  it('pages to older entries and back to the newest', async () => {
    const element = await open();
    getAuditTrail.mockResolvedValue(JSON.stringify(OLDER));
    part(element, 'lightning-button.older').click();
    await flushPromises();
    expect(getAuditTrail.mock.calls[1][0].before).toBe(11);
    expect(cells(element, 'tbody tr td.actor-cell')).toEqual(['schedule']);
    expect(cells(element, 'tbody tr td.source')).toEqual(['Schedule']);
    expect(part(element, 'lightning-button.older').disabled).toBe(true);
    expect(part(element, 'lightning-button.newer').disabled).toBe(false);

    getAuditTrail.mockResolvedValue(JSON.stringify(PAGE));
    part(element, 'lightning-button.newer').click();
    await flushPromises();
    expect(getAuditTrail.mock.calls[2][0].before).toBeNull();
    expect(cells(element, 'tbody tr td.actor-cell')).toEqual(['ann@example.com', 'vic@example.com']);
  });

  it("says so when the engine refuses a filter, with the engine's message", async () => {
    const element = await open();
    getAuditTrail.mockRejectedValue(apexError('VALIDATION_FAILED', 'Invalid query: query.since: Invalid ISO datetime', [], 400));
    part(element, 'lightning-button.apply').click();
    await flushPromises();
    expect(part(element, 'c-error-panel')).not.toBeNull();
  });

  it('says when no entry matches', async () => {
    getAuditTrail.mockResolvedValue(JSON.stringify({ entries: [], nextBefore: null }));
    const element = await open();
    expect(part(element, '.no-entries').textContent).toBe('No entries match.');
    expect(part(element, 'lightning-button.older').disabled).toBe(true);
  });
});
