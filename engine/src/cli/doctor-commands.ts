/** `orgvault doctor`: what stands between this install and working backups, one line each. */
import type { Command } from 'commander';
import { OrgVaultError, type ErrorCode } from '../errors.js';
import type { DoctorCheck, DoctorProblem } from '../doctor/index.js';
import { onOrg, ORG_HELP, resolveOrg, run } from './command.js';
import { output, say } from './output.js';

interface DoctorW {
  ok: boolean;
  orgs?: number;
  problems: DoctorProblem[];
}

/** When the services themselves cannot open, that is the finding (no engine answers to ask). */
const BROKEN_AT_OPEN: Partial<Record<ErrorCode, DoctorCheck>> = {
  CONFIG_INVALID: 'configuration',
  DATABASE_UNAVAILABLE: 'database',
  STORAGE_UNAVAILABLE: 'blob-store',
};

function print(report: DoctorW): void {
  if (report.ok) say(`No problems found${report.orgs === undefined ? '' : ` (${report.orgs} connected org(s) checked)`}.`);
  for (const p of report.problems) say(`${p.subject}: ${p.message} — ${p.action}`);
}

export function doctorCommands(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check the configuration, the database, the blob store and each connected org (token renewal, API requests left, ' +
        'the permissions a backup needs, Query All Files, the CDC selection); one line per problem, exit 1 if any',
    )
    .option('--org <ref>', `only this org, as the page's details check it (${ORG_HELP})`)
    .action(async (o: { org?: string }, cmd: Command) => {
      const checks = run(async ({ client, out }, _o: { org?: string }) => {
        const report = o.org
          ? await client.call<DoctorW>('getOrgDoctor', onOrg(await resolveOrg(client, o.org)))
          : await client.call<DoctorW>('getInstallDoctor', {});
        out.result(report, () => print(report));
        return report.ok ? 'done' : 'failed';
      });
      try {
        await checks(o, cmd);
      } catch (err) {
        const check = OrgVaultError.is(err) ? BROKEN_AT_OPEN[err.code] : undefined;
        if (!check || !OrgVaultError.is(err)) throw err;
        const subject = check === 'blob-store' ? 'blob store' : check;
        const report = { ok: false, problems: [{ check, subject, message: err.message, action: err.actions[0] ?? '' }] };
        output(Boolean(cmd.opts<{ json?: boolean }>().json)).result(report, () => print(report));
        process.exitCode = 1;
      }
    });
}
