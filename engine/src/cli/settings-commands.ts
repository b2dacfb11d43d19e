/** `orgvault settings backup|permission-check` and `orgvault permissions check|report`. */
import { Option, type Command } from 'commander';
import { onOrg, ORG_HELP, resolveOrg, run } from './command.js';
import { fields, say, table } from './output.js';
import { list, parseBool, parseCount, parseTime } from './support.js';
import type { BackupSettingsW, CheckRunW, CheckSettingsW, ReportW } from './types.js';

interface BackupFlags {
  org?: string;
  enabled?: string;
  jobsPerDay?: string;
  startTime?: string;
  includeFeedAndShare?: string;
  excludeObjects?: string;
  excludeFields?: string;
}

/** The settings as they are, with what the flags change (none: they are only shown). */
function backupChanges(now: BackupSettingsW, o: BackupFlags): Omit<BackupSettingsW, 'maxJobsPerDay' | 'nextBackupAt'> | undefined {
  const { org: _org, ...flags } = o;
  if (Object.values(flags).every((v) => v === undefined)) return undefined;
  return {
    enabled: o.enabled === undefined ? now.enabled : parseBool('--enabled', o.enabled),
    includeFeedAndShare:
      o.includeFeedAndShare === undefined ? now.includeFeedAndShare : parseBool('--include-feed-and-share', o.includeFeedAndShare),
    excludedObjects: o.excludeObjects === undefined ? now.excludedObjects : (list(o.excludeObjects) ?? []),
    excludedFields: o.excludeFields === undefined ? now.excludedFields : (list(o.excludeFields) ?? []),
    jobsPerDay: o.jobsPerDay === undefined ? now.jobsPerDay : parseCount('--jobs-per-day', o.jobsPerDay),
    startTime: o.startTime === undefined ? now.startTime : o.startTime === 'none' ? null : o.startTime,
  };
}

function backupSettings(settings: Command): void {
  settings
    .command('backup')
    .description('Backup settings (Configure backup settings): shown, or changed by the flags given')
    .option('--org <ref>', ORG_HELP)
    .option('--enabled <bool>', 'scheduled backups on (true) or off (false)')
    .option('--jobs-per-day <n>', 'backups per day, up to what the subscription allows')
    .option('--start-time <HH:MM>', "first backup of the day in the org's time zone; none = spread from 00:00")
    .option('--include-feed-and-share <bool>', 'also back up Chatter feeds and sharing records')
    .option('--exclude-objects <names>', 'objects left out of backups (replaces the list; "" empties it)')
    .option('--exclude-fields <Object.Field,...>', 'fields left out of backups (replaces the list; "" empties it)')
    .action(
      run(async ({ client, out }, o: BackupFlags) => {
        const org = await resolveOrg(client, o.org);
        let now = await client.call<BackupSettingsW>('getBackupSettings', onOrg(org));
        const body = backupChanges(now, o);
        if (body) now = await client.call<BackupSettingsW>('putBackupSettings', onOrg(org, { body }));
        out.result(now, () => fields(now));
      }),
    );
}

interface CheckFlags {
  org?: string;
  enabled?: string;
  startAt?: string;
  every?: string;
  unit?: string;
}

function checkSettings(settings: Command): void {
  settings
    .command('permission-check')
    .description("When the integration user's permissions are checked (Configure permission check settings): shown, or changed")
    .option('--org <ref>', ORG_HELP)
    .option('--enabled <bool>', 'scheduled checks on (true) or off (false)')
    .option('--start-at <time>', 'ISO-8601 time of the first check')
    .option('--every <n>', 'how many units between checks')
    .addOption(new Option('--unit <unit>', 'unit of --every').choices(['day', 'week', 'month']))
    .action(
      run(async ({ client, out }, o: CheckFlags) => {
        const org = await resolveOrg(client, o.org);
        let now = await client.call<CheckSettingsW>('getPermissionCheckSettings', onOrg(org));
        if ([o.enabled, o.startAt, o.every, o.unit].some((v) => v !== undefined)) {
          const body = {
            enabled: o.enabled === undefined ? now.enabled : parseBool('--enabled', o.enabled),
            startAt: o.startAt === undefined ? now.startAt : parseTime('--start-at', o.startAt).toISOString(),
            intervalCount: o.every === undefined ? now.intervalCount : parseCount('--every', o.every),
            intervalUnit: o.unit ?? now.intervalUnit,
          };
          now = await client.call<CheckSettingsW>('putPermissionCheckSettings', onOrg(org, { body }));
        }
        out.result(now, () => fields(now));
      }),
    );
}

function permissionCommands(program: Command): void {
  const permissions = program.command('permissions').description("The integration user's permissions");
  permissions
    .command('check')
    .description('Check permissions now (Check permissions now); the report follows when the check has run')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const check = await client.call<CheckRunW>('runPermissionCheck', onOrg(org));
        out.result(check, () => say(`Permission check ${check.id} ${check.status}; see \`orgvault permissions report\``));
      }),
    );
  permissions
    .command('report')
    .description('The latest permission report: what a backup cannot read')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const report = await client.call<ReportW>('getPermissionReport', onOrg(org));
        out.result(report, () => {
          fields({ ranAt: report.ranAt, ...report.summary });
          const missing = [
            ...report.objectPermissions.filter((p) => p.status === 'unprotected').map((p) => ({ what: 'object', name: p.object })),
            ...report.fieldPermissions
              .filter((p) => p.status === 'unprotected')
              .map((p) => ({ what: 'field', name: `${p.object}.${p.field}` })),
            ...report.userPermissions.filter((p) => !p.granted).map((p) => ({ what: 'user permission', name: p.name })),
          ];
          if (missing.length) {
            say('');
            table(missing);
          }
        });
      }),
    );
}

export function settingsCommands(program: Command): void {
  const settings = program.command('settings').description("An org's settings");
  backupSettings(settings);
  checkSettings(settings);
  permissionCommands(program);
}
