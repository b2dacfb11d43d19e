import OrgVaultBackupPage, { REFRESH_INTERVAL_MS } from 'c/orgVaultBackupPage';
import getMe from '@salesforce/apex/OrgVaultController.getMe';
import listOrgs from '@salesforce/apex/OrgVaultController.listOrgs';
import setOrgHidden from '@salesforce/apex/OrgVaultController.setOrgHidden';
import runPermissionCheck from '@salesforce/apex/OrgVaultController.runPermissionCheck';
import getOrg from '@salesforce/apex/OrgVaultController.getOrg';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import getPermissionReport from '@salesforce/apex/OrgVaultController.getPermissionReport';
import listDisconnectedOrgs from '@salesforce/apex/OrgVaultController.listDisconnectedOrgs';
import { CurrentPageReference } from 'lightning/navigation';
import { apexError, flushPromises, mount, org } from 'test-lwc/helpers';

const PAGE_REFERENCES = require('./data/pageReferences.json');

const ORGS = [org(), org({ id: 'org-2', name: 'Acme Sandbox', isSandbox: true }), org({ id: 'org-3', name: 'Old Org', hidden: true })];
const ADMIN = ['orgs.read', 'jobs.read', 'backup.run', 'recovery-point.create', 'orgs.hide', 'settings.write', 'permission-check.run'];

async function open() {
  const element = mount('c-org-vault-backup-page', OrgVaultBackupPage);
  await flushPromises();
  return element;
}

function tiles(element, selector = '.organizations') {
  return [...element.shadowRoot.querySelectorAll(`${selector} c-org-vault-org-tile`)];
}

function command(element, orgId, name) {
  const tile = [...element.shadowRoot.querySelectorAll('c-org-vault-org-tile')].find((t) => t.org.id === orgId);
  tile.dispatchEvent(new CustomEvent('command', { detail: { command: name, orgId } }));
  return flushPromises();
}

describe('c-org-vault-backup-page', () => {
  beforeEach(() => {
    getMe.mockResolvedValue(JSON.stringify({ roles: ['administrator'], actions: ADMIN }));
    listOrgs.mockResolvedValue(JSON.stringify(ORGS));
  });

  it('shows a tile per visible organization with what the user may do', async () => {
    const element = await open();
    const shown = tiles(element);
    expect(shown.map((t) => t.org.name)).toEqual(['Acme Production', 'Acme Sandbox']);
    expect(shown[0].allowedActions).toEqual(ADMIN);
  });

  it('keeps hidden organizations in their own section until asked to show them', async () => {
    const element = await open();
    const toggle = element.shadowRoot.querySelector('.hidden-orgs lightning-button.toggle-hidden');
    expect(toggle.label).toBe('Show hidden organizations (1)');
    expect(tiles(element, '.hidden-orgs')).toHaveLength(0);
    toggle.click();
    await flushPromises();
    expect(tiles(element, '.hidden-orgs').map((t) => t.org.name)).toEqual(['Old Org']);
    expect(toggle.label).toBe('Hide hidden organizations');
  });

  it('refreshes on the Refresh button, every 10 minutes, and when shown again', async () => {
    const setIntervalSpy = jest.spyOn(window, 'setInterval');
    const element = await open();
    expect(listOrgs).toHaveBeenCalledTimes(1);

    element.shadowRoot.querySelector('lightning-button.refresh').click();
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(2);

    const [tick, every] = setIntervalSpy.mock.calls.find(([, ms]) => ms === REFRESH_INTERVAL_MS);
    expect(every).toBe(600000);
    tick();
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(3);

    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new CustomEvent('visibilitychange'));
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new CustomEvent('visibilitychange'));
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(4);
    setIntervalSpy.mockRestore();
  });

  it('refreshes each time the admin navigates back to the page inside Lightning', async () => {
    const element = await open();
    expect(listOrgs).toHaveBeenCalledTimes(1);
    // The first reference is the page's own at its first load: already refreshed.
    CurrentPageReference.emit(PAGE_REFERENCES.backupPage);
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(1);
    // Away to another page (the page stays alive, cached): nothing to refresh.
    CurrentPageReference.emit(PAGE_REFERENCES.elsewhere);
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(1);
    // Back: the tiles are loaded again.
    CurrentPageReference.emit({ ...PAGE_REFERENCES.backupPage });
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(2);
    expect(getMe).toHaveBeenCalledTimes(2);
    CurrentPageReference.emit(PAGE_REFERENCES.elsewhere);
    CurrentPageReference.emit({ ...PAGE_REFERENCES.backupPage });
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(3);
    expect(tiles(element).map((t) => t.org.name)).toEqual(['Acme Production', 'Acme Sandbox']);
  });

  it('stops refreshing once removed', async () => {
    const clearSpy = jest.spyOn(window, 'clearInterval');
    const element = await open();
    document.body.removeChild(element);
    expect(clearSpy).toHaveBeenCalled();
    document.dispatchEvent(new CustomEvent('visibilitychange'));
    await flushPromises();
    expect(listOrgs).toHaveBeenCalledTimes(1);
    clearSpy.mockRestore();
  });

  it('hides and shows an organization', async () => {
    setOrgHidden.mockResolvedValue('{}');
    const element = await open();
    await command(element, 'org-2', 'hide');
    expect(setOrgHidden).toHaveBeenCalledWith({ orgId: 'org-2', hidden: true });
    expect(listOrgs).toHaveBeenCalledTimes(2);
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('Acme Sandbox is hidden.');
    element.shadowRoot.querySelector('lightning-button.toggle-hidden').click();
    await flushPromises();
    await command(element, 'org-3', 'show');
    expect(setOrgHidden).toHaveBeenCalledWith({ orgId: 'org-3', hidden: false });
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('Old Org is shown again.');
  });

  it('starts a permission check and reports a refusal', async () => {
    runPermissionCheck.mockResolvedValueOnce('{"id":"run-1"}');
    const element = await open();
    await command(element, 'org-1', 'checkPermissions');
    expect(runPermissionCheck).toHaveBeenCalledWith({ orgId: 'org-1' });
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('Permission check of Acme Production started.');

    runPermissionCheck.mockRejectedValueOnce(apexError('FORBIDDEN', 'Administrators only', [], 403));
    await command(element, 'org-1', 'checkPermissions');
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('You do not have permission to do this: Administrators only');
  });

  it.each([
    ['backup', 'c-org-vault-backup-now-panel'],
    ['recoveryPoint', 'c-org-vault-recovery-point-panel'],
    ['permissionCheckSettings', 'c-org-vault-permission-check-settings-panel'],
    ['backupSettings', 'c-org-vault-backup-settings-panel'],
  ])('opens the %s panel for the organization and refreshes when it is done', async (name, tag) => {
    const element = await open();
    await command(element, 'org-2', name);
    const panel = element.shadowRoot.querySelector(tag);
    expect(panel.org.name).toBe('Acme Sandbox');
    panel.dispatchEvent(new CustomEvent('done', { detail: { message: 'All good.' } }));
    await flushPromises();
    expect(element.shadowRoot.querySelector(tag)).toBeNull();
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('All good.');
    expect(listOrgs).toHaveBeenCalledTimes(2);
  });

  it('closes a panel without refreshing', async () => {
    const element = await open();
    await command(element, 'org-1', 'backup');
    element.shadowRoot.querySelector('c-org-vault-backup-now-panel').dispatchEvent(new CustomEvent('close'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-org-vault-backup-now-panel')).toBeNull();
    expect(listOrgs).toHaveBeenCalledTimes(1);
  });

  it('opens the details of an organization and goes back', async () => {
    getOrg.mockResolvedValue(JSON.stringify(org()));
    listJobs.mockResolvedValue('[]');
    getPermissionReport.mockResolvedValue('null');
    const element = await open();
    await command(element, 'org-1', 'details');
    const details = element.shadowRoot.querySelector('c-org-vault-org-details');
    expect(details.orgId).toBe('org-1');
    expect(tiles(element)).toHaveLength(0);
    details.dispatchEvent(new CustomEvent('back'));
    await flushPromises();
    expect(tiles(element)).toHaveLength(2);
  });

  it('shows why the organizations could not be loaded', async () => {
    listOrgs.mockRejectedValue(apexError('ENGINE_UNREACHABLE', 'cannot reach', ['Check the Named Credential.'], 503));
    const element = await open();
    const panel = element.shadowRoot.querySelector('c-error-panel.page-error');
    expect(panel.friendlyMessage).toBe('The OrgVault engine cannot be reached');
    expect(element.shadowRoot.querySelector('.empty')).toBeNull();
  });

  it('says when no organization is connected', async () => {
    listOrgs.mockResolvedValue('[]');
    const element = await open();
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('No organization is connected');
    expect(element.shadowRoot.querySelector('.hidden-orgs')).toBeNull();
  });

  it('lists administrators the disconnected organizations whose backups are kept; Delete backups opens the panel for one', async () => {
    getMe.mockResolvedValue(JSON.stringify({ roles: ['administrator'], actions: [...ADMIN, 'orgs.disconnect'] }));
    const gone = { id: 'org-9', name: 'Gone Org', sfOrgId: '00D000000000009AAA', disconnectedAt: '2026-12-01T10:00:00.000Z' };
    listDisconnectedOrgs.mockResolvedValue(JSON.stringify({ orgs: [gone] }));
    const element = await open();
    const rows = [...element.shadowRoot.querySelectorAll('.disconnected-orgs li.disconnected-org')];
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining('Gone Org (00D000000000009AAA), disconnected')]);
    await expect(element).toBeAccessible();
    rows[0].querySelector('lightning-button.delete-backups').click();
    await flushPromises();
    const panel = element.shadowRoot.querySelector('c-org-vault-disconnect-panel');
    expect(panel.org).toEqual(gone);
    panel.dispatchEvent(new CustomEvent('done', { detail: { message: 'The backups of Gone Org are deleted.' } }));
    await flushPromises();
    expect(listDisconnectedOrgs).toHaveBeenCalledTimes(2);
  });

  it('asks for disconnected organizations only when the user may delete their backups', async () => {
    const element = await open();
    expect(listDisconnectedOrgs).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('.disconnected-orgs')).toBeNull();
  });

  it('is accessible', async () => {
    const element = await open();
    element.shadowRoot.querySelector('lightning-button.toggle-hidden').click();
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
