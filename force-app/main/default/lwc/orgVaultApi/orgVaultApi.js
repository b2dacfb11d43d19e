/**
 * The page's only way to the engine: each function calls one OrgVaultController method and parses
 * the engine's JSON it returns. Components never import Apex directly, so the local preview can
 * replace the Apex layer in one place.
 */
import getMeApex from '@salesforce/apex/OrgVaultController.getMe';
import listOrgsApex from '@salesforce/apex/OrgVaultController.listOrgs';
import getOrgApex from '@salesforce/apex/OrgVaultController.getOrg';
import setOrgHiddenApex from '@salesforce/apex/OrgVaultController.setOrgHidden';
import listObjectsApex from '@salesforce/apex/OrgVaultController.listObjects';
import startBackupApex from '@salesforce/apex/OrgVaultController.startBackup';
import listJobsApex from '@salesforce/apex/OrgVaultController.listJobs';
import getJobApex from '@salesforce/apex/OrgVaultController.getJob';
import getMonitorSeriesApex from '@salesforce/apex/OrgVaultController.getMonitorSeries';
import createRecoveryPointApex from '@salesforce/apex/OrgVaultController.createRecoveryPoint';
import getBackupSettingsApex from '@salesforce/apex/OrgVaultController.getBackupSettings';
import saveBackupSettingsApex from '@salesforce/apex/OrgVaultController.saveBackupSettings';
import getPermissionCheckSettingsApex from '@salesforce/apex/OrgVaultController.getPermissionCheckSettings';
import savePermissionCheckSettingsApex from '@salesforce/apex/OrgVaultController.savePermissionCheckSettings';
import runPermissionCheckApex from '@salesforce/apex/OrgVaultController.runPermissionCheck';
import getPermissionReportApex from '@salesforce/apex/OrgVaultController.getPermissionReport';
import getContinuousProtectionApex from '@salesforce/apex/OrgVaultController.getContinuousProtection';
import connectOrgApex from '@salesforce/apex/OrgVaultController.connectOrg';
import reconnectOrgApex from '@salesforce/apex/OrgVaultController.reconnectOrg';
import disconnectOrgApex from '@salesforce/apex/OrgVaultController.disconnectOrg';
import deleteOrgBackupsApex from '@salesforce/apex/OrgVaultController.deleteOrgBackups';
import listDisconnectedOrgsApex from '@salesforce/apex/OrgVaultController.listDisconnectedOrgs';
import getAuditTrailApex from '@salesforce/apex/OrgVaultController.getAuditTrail';
import getRecordHistoryApex from '@salesforce/apex/OrgVaultController.getRecordHistory';
import listDeletedRecordsApex from '@salesforce/apex/OrgVaultController.listDeletedRecords';
import restoreApex from '@salesforce/apex/OrgVaultController.restore';
import getRestoreApex from '@salesforce/apex/OrgVaultController.getRestore';
import listRestoresApex from '@salesforce/apex/OrgVaultController.listRestores';
import getRestoreResultsApex from '@salesforce/apex/OrgVaultController.getRestoreResults';
import compareApex from '@salesforce/apex/OrgVaultController.compare';

async function parsed(call) {
  const text = await call;
  return text ? JSON.parse(text) : null;
}

/** Lists may come bare or wrapped ({orgs: [...]}, {items: [...]}): the page wants the array. */
function items(value, key) {
  if (Array.isArray(value)) return value;
  if (value && Array.isArray(value[key])) return value[key];
  if (value && Array.isArray(value.items)) return value.items;
  return [];
}

export const getMe = () => parsed(getMeApex());
export const listOrgs = async () => items(await parsed(listOrgsApex()), 'orgs');
export const getOrg = (orgId) => parsed(getOrgApex({ orgId }));
export const setOrgHidden = (orgId, hidden) => parsed(setOrgHiddenApex({ orgId, hidden }));
/**
 * The org's objects as listbox options: by default only those in backup scope (what a job or a
 * recovery point can cover); with all, every object the engine knows (to choose exclusions).
 */
export async function listObjectOptions(orgId, { all = false } = {}) {
  const objects = items(await parsed(listObjectsApex({ orgId })), 'objects');
  return objects
    .filter((o) => all || typeof o === 'string' || o.inScope !== false)
    .map((o) => (typeof o === 'string' ? { label: o, value: o } : { label: o.label ?? o.name, value: o.name }));
}
export const startBackup = (orgId, objects) => parsed(startBackupApex({ orgId, objects: objects ?? null }));
export const listJobs = async (orgId) => items(await parsed(listJobsApex({ orgId })), 'jobs');
export const getJob = (orgId, jobId) => parsed(getJobApex({ orgId, jobId }));
/** Protection over time: one point per day over the last `days` days. */
export const getMonitorSeries = (orgId, days) => parsed(getMonitorSeriesApex({ orgId, days: String(days) }));
export const createRecoveryPoint = (orgId, objects, at) => parsed(createRecoveryPointApex({ orgId, objects, at }));
export const getBackupSettings = (orgId) => parsed(getBackupSettingsApex({ orgId }));
export const saveBackupSettings = (orgId, settings) => parsed(saveBackupSettingsApex({ orgId, settingsJson: JSON.stringify(settings) }));
export const getPermissionCheckSettings = (orgId) => parsed(getPermissionCheckSettingsApex({ orgId }));
export const savePermissionCheckSettings = (orgId, settings) =>
  parsed(savePermissionCheckSettingsApex({ orgId, settingsJson: JSON.stringify(settings) }));
export const runPermissionCheck = (orgId) => parsed(runPermissionCheckApex({ orgId }));
export const getPermissionReport = (orgId) => parsed(getPermissionReportApex({ orgId }));
export const getContinuousProtection = (orgId) => parsed(getContinuousProtectionApex({ orgId }));
/** Salesforce's login URL for a new org: {authorizeUrl, expiresAt}. */
export const connectOrg = (environment, myDomainUrl) => parsed(connectOrgApex({ environment, myDomainUrl: myDomainUrl || null }));
export const reconnectOrg = (orgId) => parsed(reconnectOrgApex({ orgId }));
export const disconnectOrg = (orgId) => parsed(disconnectOrgApex({ orgId }));
/** Disconnect and delete every backup of the org: {packs, versions, files, blobObjects}. */
export const deleteOrgBackups = (orgId) => parsed(deleteOrgBackupsApex({ orgId }));
/** Disconnected organizations whose backups are kept, latest disconnect first (administrators). */
export const listDisconnectedOrgs = async () => items(await parsed(listDisconnectedOrgsApex()), 'orgs');
/**
 * A page of the audit trail, newest first: filters are {actor, action, since, until} (blank: any)
 * and before, the previous page's nextBefore. Answers {entries, nextBefore}.
 */
export const getAuditTrail = (orgId, { actor, action, since, until, before } = {}) =>
  parsed(
    getAuditTrailApex({
      orgId,
      actor: actor || null,
      action: action || null,
      since: since || null,
      until: until || null,
      before: before ?? null,
    }),
  );

/** Every backed-up version of a record (objectName blank: the engine finds it): {object, recordId, versions}. */
export const getRecordHistory = (orgId, recordId, objectName) =>
  parsed(getRecordHistoryApex({ orgId, recordId, objectName: objectName || null }));
/** Records deleted in a window and not back since: {since, until, objects: [{object, truncated, records}]}. */
export const listDeletedRecords = (orgId, { since, until, objects } = {}) =>
  parsed(listDeletedRecordsApex({ orgId, since: since || null, until: until || null, objects: objects?.length ? objects : null }));
/** A restore request as the engine takes it; with dryRun the plan, else the queued run. */
export const restore = (orgId, request) => parsed(restoreApex({ orgId, requestJson: JSON.stringify(request) }));
export const getRestore = (orgId, runId) => parsed(getRestoreApex({ orgId, runId }));
export const listRestores = async (orgId) => items(await parsed(listRestoresApex({ orgId })), 'runs');
/** A run's per-record results as CSV text. */
export const getRestoreResults = (orgId, runId) => getRestoreResultsApex({ orgId, runId });
export const compare = (orgId, request) => parsed(compareApex({ orgId, requestJson: JSON.stringify(request) }));
