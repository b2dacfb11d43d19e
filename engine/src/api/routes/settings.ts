import type { ApiServices } from '../services.js';
import {
  BackupSettings,
  BackupSettingsInput,
  CdpSettings,
  CdpSettingsInput,
  Empty,
  OrgIdParams,
  PermissionCheckRun,
  PermissionCheckSettings,
  PermissionCheckSettingsInput,
  PermissionReport,
} from '../schemas.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { ORG_ERRORS, resolveOrg } from './support.js';
import { OrgVaultError } from '../../errors.js';

export function settingsRoutes(s: ApiServices): AnyRoute[] {
  return [
    defineRoute({
      id: 'getBackupSettings',
      method: 'get',
      path: '/orgs/:orgId/backup-settings',
      tag: 'settings',
      summary: 'Backup settings of the organization, with what the subscription allows and the next start time',
      action: 'settings.read',
      params: OrgIdParams,
      status: 200,
      response: BackupSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => s.schedule.getBackupSettings(await resolveOrg(s, caller, params.orgId)),
    }),
    defineRoute({
      id: 'putBackupSettings',
      method: 'put',
      path: '/orgs/:orgId/backup-settings',
      tag: 'settings',
      summary: 'Replace the backup settings; they take effect from the next start time',
      action: 'settings.write',
      params: OrgIdParams,
      body: BackupSettingsInput,
      status: 200,
      response: BackupSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        await s.scope.assertKnown(org, { objects: body.excludedObjects, fields: body.excludedFields });
        return s.schedule.putBackupSettings(org, body, caller.user);
      },
    }),
    defineRoute({
      id: 'getCdpSettings',
      method: 'get',
      path: '/orgs/:orgId/cdp',
      tag: 'settings',
      summary: 'Continuous data protection: on/off, objects, their CDC selection, coverage and fall-backs',
      action: 'settings.read',
      params: OrgIdParams,
      status: 200,
      response: CdpSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => s.cdp.getSettings(await resolveOrg(s, caller, params.orgId)),
    }),
    defineRoute({
      id: 'putCdpSettings',
      method: 'put',
      path: '/orgs/:orgId/cdp',
      tag: 'settings',
      summary: 'Switch continuous data protection on or off for chosen objects (selects them for Change Data Capture)',
      action: 'settings.write',
      params: OrgIdParams,
      body: CdpSettingsInput,
      status: 200,
      response: CdpSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, body }) => {
        const org = await resolveOrg(s, caller, params.orgId);
        await s.scope.assertKnown(org, { objects: body.objects });
        return s.cdp.putSettings(org, body, caller.user);
      },
    }),
    defineRoute({
      id: 'getPermissionCheckSettings',
      method: 'get',
      path: '/orgs/:orgId/permission-check/settings',
      tag: 'permission-check',
      summary: 'When the permission check of the integration user runs',
      action: 'settings.read',
      params: OrgIdParams,
      status: 200,
      response: PermissionCheckSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => s.permissionChecks.getSettings(await resolveOrg(s, caller, params.orgId)),
    }),
    defineRoute({
      id: 'putPermissionCheckSettings',
      method: 'put',
      path: '/orgs/:orgId/permission-check/settings',
      tag: 'permission-check',
      summary: 'Replace the permission check schedule (start, interval, on/off)',
      action: 'settings.write',
      params: OrgIdParams,
      body: PermissionCheckSettingsInput,
      status: 200,
      response: PermissionCheckSettings,
      errors: ORG_ERRORS,
      handler: async ({ caller, params, body }) =>
        s.permissionChecks.putSettings(await resolveOrg(s, caller, params.orgId), body, caller.user),
    }),
    defineRoute({
      id: 'runPermissionCheck',
      method: 'post',
      path: '/orgs/:orgId/permission-check/runs',
      tag: 'permission-check',
      summary: 'Check permissions now; the report follows when the run finishes',
      action: 'permission-check.run',
      params: OrgIdParams,
      body: Empty,
      bodyOptional: true,
      status: 202,
      response: PermissionCheckRun,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => s.permissionChecks.run(await resolveOrg(s, caller, params.orgId), caller.user),
    }),
    defineRoute({
      id: 'getPermissionReport',
      method: 'get',
      path: '/orgs/:orgId/permission-check/report',
      tag: 'permission-check',
      summary: 'The latest permission report: field, object and user permissions of the integration user',
      action: 'permission-report.read',
      params: OrgIdParams,
      status: 200,
      response: PermissionReport,
      errors: ORG_ERRORS,
      handler: async ({ caller, params }) => {
        const report = await s.permissionChecks.latestReport(await resolveOrg(s, caller, params.orgId));
        if (!report) {
          throw new OrgVaultError('NOT_FOUND', 'No permission check has finished for this organization yet', {
            actions: ['Run one with POST .../permission-check/runs.'],
          });
        }
        return report;
      },
    }),
  ];
}
