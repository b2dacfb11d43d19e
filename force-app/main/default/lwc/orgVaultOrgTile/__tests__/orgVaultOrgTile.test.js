import OrgVaultOrgTile from 'c/orgVaultOrgTile';
import { flushPromises, mount, org } from 'test-lwc/helpers';
import PROTECTION from './data/protection.json';

const ADMIN = [
  'orgs.read',
  'jobs.read',
  'settings.read',
  'permission-report.read',
  'backup.run',
  'recovery-point.create',
  'orgs.hide',
  'settings.write',
  'permission-check.run',
];
const OPERATOR = ['orgs.read', 'jobs.read', 'settings.read', 'permission-report.read', 'backup.run', 'recovery-point.create'];
const VIEWER = ['orgs.read', 'jobs.read', 'settings.read', 'permission-report.read'];

function menuLabels(element) {
  return [...element.shadowRoot.querySelectorAll('lightning-menu-item')].map((i) => i.label);
}

describe('c-org-vault-org-tile', () => {
  it('shows the organization, its last job and next start', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: VIEWER });
    const root = element.shadowRoot;
    expect(root.querySelector('.org-name').textContent).toBe('Acme Production');
    expect(root.textContent).toContain('Production · 00D000000000001AAA');
    expect(root.querySelector('.status').textContent).toBe('succeeded');
    expect(root.querySelector('.status').className).toContain('slds-theme_success');
    expect(root.querySelector('.last-time').value).toBe('2026-11-25T00:10:00.000Z');
    expect(root.querySelector('.next-backup c-org-vault-date-time').value).toBe('2026-11-27T00:00:00.000Z');
    expect(root.querySelector('.cdp').textContent).toBe('On');
    expect(root.querySelector('.current-job')).toBeNull();
  });

  it('says when an organization was never backed up or is not scheduled', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({ lastJob: null, nextBackupAt: null, isSandbox: true, cdpEnabled: false }),
    });
    const root = element.shadowRoot;
    expect(root.querySelector('.status').textContent).toBe('never backed up');
    expect(root.querySelector('.next-backup').textContent).toBe('Not scheduled');
    expect(root.textContent).toContain('Sandbox');
    expect(root.querySelector('.cdp').textContent).toBe('Off');
  });

  it('shows the progress of a running job', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({ currentJob: { id: 'j2', status: 'running', progress: { objectsDone: 3, objectsTotal: 12 } } }),
    });
    const current = element.shadowRoot.querySelector('.current-job');
    expect(current.textContent).toContain('Backup running: 3 of 12 objects');
    expect(current.querySelector('lightning-progress-bar').value).toBe(25);
  });

  it('takes a percentage when the engine gives one', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({ currentJob: { id: 'j2', status: 'queued', progress: { percent: 41.6 } } }),
    });
    expect(element.shadowRoot.querySelector('lightning-progress-bar').value).toBe(42);
    expect(element.shadowRoot.querySelector('.current-job').textContent).toContain('42%');
  });

  it('offers an administrator every command', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: ADMIN });
    expect(menuLabels(element)).toEqual([
      'Back up now',
      'Generate recovery point',
      'Configure permission check settings',
      'Check permissions now',
      'Configure backup settings',
      'Hide organization',
      'View details',
    ]);
    expect(element.shadowRoot.querySelector('lightning-button-menu').alternativeText).toBe('More commands for Acme Production');
  });

  it('offers Show instead of Hide on a hidden organization', () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ hidden: true }), allowedActions: ADMIN });
    expect(menuLabels(element)).toContain('Show organization');
    expect(menuLabels(element)).not.toContain('Hide organization');
  });

  it('does not offer what a backup operator or a viewer may not do', () => {
    const operator = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: OPERATOR });
    expect(menuLabels(operator)).toEqual(['Back up now', 'Generate recovery point', 'View details']);
    const viewer = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: VIEWER });
    expect(menuLabels(viewer)).toEqual(['View details']);
    const nobody = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: [] });
    expect(nobody.shadowRoot.querySelector('lightning-button-menu')).toBeNull();
  });

  it('dispatches the chosen command with the organization id', async () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org(), allowedActions: ADMIN });
    const onCommand = jest.fn();
    element.addEventListener('command', onCommand);
    element.shadowRoot.querySelector('lightning-button-menu').dispatchEvent(new CustomEvent('select', { detail: { value: 'backup' } }));
    await flushPromises();
    expect(onCommand.mock.calls[0][0].detail).toEqual({ command: 'backup', orgId: 'org-1' });
  });

  it('shows the records protected and the age of the newest restorable point', () => {
    const root = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ protection: PROTECTION.protected }) }).shadowRoot;
    expect(root.querySelector('.records-protected').textContent).toBe('1,203');
    expect(root.querySelector('.newest-point').textContent).toBe('2 h 30 min ago');
    expect(root.querySelector('.warning')).toBeNull();
  });

  it('warns when the last job was partial or the newest point is older than the schedule promises', () => {
    const partial = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ protection: PROTECTION.partial }) }).shadowRoot;
    expect(partial.querySelector('.warning').textContent).toBe(
      'Last backup partial: The last backup left some objects out; the next one retries them.',
    );
    expect(partial.querySelector('.warning').className).toContain('slds-theme_warning');
    const stale = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ protection: PROTECTION.stale }) }).shadowRoot;
    expect(stale.querySelector('.warning').textContent).toContain('Backups are late');
    expect(stale.querySelector('.newest-point').textContent).toBe('2 d 2 h ago');
  });

  it('says an organization never backed up has nothing protected yet', () => {
    const root = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ lastJob: null, protection: PROTECTION.never }) }).shadowRoot;
    expect(root.querySelector('.records-protected').textContent).toBe('None: never backed up');
    expect(root.querySelector('.newest-point').textContent).toBe('None yet');
    expect(root.querySelector('.warning')).toBeNull();
  });

  it('is accessible', async () => {
    const element = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({
        currentJob: { id: 'j2', status: 'running', progress: { objectsDone: 1, objectsTotal: 2 } },
        protection: PROTECTION.partial,
      }),
      allowedActions: ADMIN,
    });
    await expect(element).toBeAccessible();
  });
  it('says Salesforce revoked access and offers Reconnect only then, to those who may reconnect', () => {
    const actions = [...ADMIN, 'orgs.reconnect', 'orgs.disconnect'];
    const paused = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({ connection: 'reconnect_needed' }),
      allowedActions: actions,
    });
    expect(paused.shadowRoot.querySelector('.reconnect-needed').textContent).toContain('Reconnect needed');
    expect(paused.shadowRoot.querySelector('.cdp').textContent).toBe('Paused until reconnected');
    expect(menuLabels(paused)[0]).toBe('Reconnect');
    expect(menuLabels(paused)).toContain('Disconnect organization');

    const fine = mount('c-org-vault-org-tile', OrgVaultOrgTile, { org: org({ connection: 'connected' }), allowedActions: actions });
    expect(fine.shadowRoot.querySelector('.reconnect-needed')).toBeNull();
    expect(menuLabels(fine)).not.toContain('Reconnect');
    const operator = mount('c-org-vault-org-tile', OrgVaultOrgTile, {
      org: org({ connection: 'reconnect_needed' }),
      allowedActions: OPERATOR,
    });
    expect(menuLabels(operator)).not.toContain('Reconnect');
    expect(menuLabels(operator)).not.toContain('Disconnect organization');
  });
});
