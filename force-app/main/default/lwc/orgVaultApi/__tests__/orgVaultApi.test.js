import * as api from 'c/orgVaultApi';
import getMe from '@salesforce/apex/OrgVaultController.getMe';
import listOrgs from '@salesforce/apex/OrgVaultController.listOrgs';
import getOrg from '@salesforce/apex/OrgVaultController.getOrg';
import setOrgHidden from '@salesforce/apex/OrgVaultController.setOrgHidden';
import listObjects from '@salesforce/apex/OrgVaultController.listObjects';
import startBackup from '@salesforce/apex/OrgVaultController.startBackup';
import listJobs from '@salesforce/apex/OrgVaultController.listJobs';
import getJob from '@salesforce/apex/OrgVaultController.getJob';
import createRecoveryPoint from '@salesforce/apex/OrgVaultController.createRecoveryPoint';
import getBackupSettings from '@salesforce/apex/OrgVaultController.getBackupSettings';
import saveBackupSettings from '@salesforce/apex/OrgVaultController.saveBackupSettings';
import getPermissionCheckSettings from '@salesforce/apex/OrgVaultController.getPermissionCheckSettings';
import savePermissionCheckSettings from '@salesforce/apex/OrgVaultController.savePermissionCheckSettings';
import runPermissionCheck from '@salesforce/apex/OrgVaultController.runPermissionCheck';
import getPermissionReport from '@salesforce/apex/OrgVaultController.getPermissionReport';
import getContinuousProtection from '@salesforce/apex/OrgVaultController.getContinuousProtection';

describe('c/orgVaultApi', () => {
  it.each([
    ['getOrg', getOrg, ['o1'], { orgId: 'o1' }],
    ['setOrgHidden', setOrgHidden, ['o1', true], { orgId: 'o1', hidden: true }],
    ['startBackup', startBackup, ['o1'], { orgId: 'o1', objects: null }],
    ['startBackup', startBackup, ['o1', ['Account']], { orgId: 'o1', objects: ['Account'] }],
    ['getJob', getJob, ['o1', 'j1'], { orgId: 'o1', jobId: 'j1' }],
    [
      'createRecoveryPoint',
      createRecoveryPoint,
      ['o1', ['Case'], '2026-01-01T00:00:00.000Z'],
      { orgId: 'o1', objects: ['Case'], at: '2026-01-01T00:00:00.000Z' },
    ],
    ['getBackupSettings', getBackupSettings, ['o1'], { orgId: 'o1' }],
    ['saveBackupSettings', saveBackupSettings, ['o1', { enabled: true }], { orgId: 'o1', settingsJson: '{"enabled":true}' }],
    ['getPermissionCheckSettings', getPermissionCheckSettings, ['o1'], { orgId: 'o1' }],
    [
      'savePermissionCheckSettings',
      savePermissionCheckSettings,
      ['o1', { enabled: false }],
      { orgId: 'o1', settingsJson: '{"enabled":false}' },
    ],
    ['runPermissionCheck', runPermissionCheck, ['o1'], { orgId: 'o1' }],
    ['getPermissionReport', getPermissionReport, ['o1'], { orgId: 'o1' }],
    ['getContinuousProtection', getContinuousProtection, ['o1'], { orgId: 'o1' }],
  ])('%s passes its parameters to Apex and parses the JSON answer', async (name, apex, args, params) => {
    apex.mockResolvedValue('{"answer":42}');
    await expect(api[name](...args)).resolves.toEqual({ answer: 42 });
    expect(apex).toHaveBeenCalledWith(params);
  });

  it('getMe calls Apex without parameters', async () => {
    getMe.mockResolvedValue('{"allowedActions":["orgs.read"]}');
    await expect(api.getMe()).resolves.toEqual({ allowedActions: ['orgs.read'] });
    expect(getMe).toHaveBeenCalledWith();
  });

  it('answers null for an empty body', async () => {
    runPermissionCheck.mockResolvedValue('');
    await expect(api.runPermissionCheck('o1')).resolves.toBeNull();
  });

  it('unwraps lists whether bare or wrapped', async () => {
    listOrgs.mockResolvedValue('[{"id":"a"}]');
    await expect(api.listOrgs()).resolves.toEqual([{ id: 'a' }]);
    listOrgs.mockResolvedValue('{"orgs":[{"id":"b"}]}');
    await expect(api.listOrgs()).resolves.toEqual([{ id: 'b' }]);
    listJobs.mockResolvedValue('{"items":[{"id":"j"}]}');
    await expect(api.listJobs('o1')).resolves.toEqual([{ id: 'j' }]);
    expect(listJobs).toHaveBeenCalledWith({ orgId: 'o1' });
    listJobs.mockResolvedValue('{"unexpected":true}');
    await expect(api.listJobs('o1')).resolves.toEqual([]);
  });

  it('turns the object list into listbox options', async () => {
    listObjects.mockResolvedValue('{"objects":["Account",{"name":"Case","label":"Cases"},{"name":"Lead"}]}');
    await expect(api.listObjectOptions('o1')).resolves.toEqual([
      { label: 'Account', value: 'Account' },
      { label: 'Cases', value: 'Case' },
      { label: 'Lead', value: 'Lead' },
    ]);
    expect(listObjects).toHaveBeenCalledWith({ orgId: 'o1' });
  });

  it('offers only objects in scope unless asked for all', async () => {
    listObjects.mockResolvedValue(
      JSON.stringify({
        objects: [
          { name: 'Account', label: 'Account', custom: false, inScope: true, reason: null },
          { name: 'Task', label: 'Task', custom: false, inScope: false, reason: 'excluded by settings' },
        ],
      }),
    );
    await expect(api.listObjectOptions('o1')).resolves.toEqual([{ label: 'Account', value: 'Account' }]);
    await expect(api.listObjectOptions('o1', { all: true })).resolves.toEqual([
      { label: 'Account', value: 'Account' },
      { label: 'Task', value: 'Task' },
    ]);
  });

  it('lets Apex failures through unchanged', async () => {
    const failure = { body: { message: '{"code":"FORBIDDEN"}' } };
    getOrg.mockRejectedValue(failure);
    await expect(api.getOrg('o1')).rejects.toBe(failure);
  });
});
