/**
 * `npx orgvault ...`: thin commands over the engine's services (the same ones the API calls).
 */
import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { OrgVaultError } from '../errors.js';
import { resolveOrg } from './session.js';
import { exportRecords, type ExportFormat } from '../backup/export.js';
import { apiUsage } from '../backup/jobs.js';
import { parseTime, table, withSession } from './support.js';
import { orgCommands, tenantCommands } from './org-commands.js';
import { restoreCommands } from './restore-commands.js';
import { auditCommands, cliActor } from './audit-commands.js';
import { exitNow } from '../infra/shutdown.js';

const program = new Command('orgvault').description('Backup and continuous data protection for Salesforce orgs').showHelpAfterError();
orgCommands(program);
tenantCommands(program);
const backup = program.command('backup').description('Backups');
backup
  .command('run')
  .description('Back up now: all objects in scope, or the ones named')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--objects <names>', 'comma-separated object API names')
  .option('--wait', 'run the job in this process and wait for it, with a progress bar')
  .action((o: { org?: string; objects?: string; wait?: boolean }) =>
    withSession(async (s) => {
      const ref = await resolveOrg(s, o.org);
      const target = await s.services.orgs.get({ tenantId: ref.tenantId, orgId: null }, ref.id);
      const objects = o.objects
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const job = await s.services.jobs.start(target, { ...(objects ? { objects } : {}), by: 'cli' });
      process.stdout.write(`Job ${job.id} (${job.kind}) queued for ${target.name}\n`);
      if (!o.wait) return;
      await s.services.worker.start();
      const bar = new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {value}/{total} objects | {records} records | {status}', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1, 0, { records: 0, status: 'queued' });
      let detail = await s.services.jobs.get(target, job.id);
      while (['queued', 'running', 'paused'].includes(detail.status)) {
        await new Promise((r) => setTimeout(r, 500));
        detail = await s.services.jobs.get(target, job.id);
        bar.setTotal(Math.max(1, detail.progress.objectsTotal));
        bar.update(detail.progress.objectsDone, { records: detail.progress.records, status: detail.status });
      }
      bar.stop();
      const failed = detail.objectDetails.filter((x) => x.status === 'failed');
      process.stdout.write(
        `Job ${job.id} ${detail.status}: ${detail.progress.records} records, ${detail.progress.files} files, ${detail.progress.apiCalls} API calls` +
          (failed.length ? `; failed: ${failed.map((f) => `${f.name} (${f.error})`).join(', ')}` : '') +
          '\n',
      );
      // A partial job failed some objects: a script must be able to tell.
      if (detail.status !== 'succeeded') process.exitCode = 1;
    }),
  );

program
  .command('jobs')
  .description('Backup jobs, newest first')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--limit <n>', 'how many', '20')
  .action((o: { org?: string; limit: string }) =>
    withSession(async (s) => {
      const ref = await resolveOrg(s, o.org);
      const target = await s.services.orgs.get({ tenantId: ref.tenantId, orgId: null }, ref.id);
      table(
        (await s.services.jobs.list(target, { limit: Number(o.limit) })).map((j) => ({
          id: j.id,
          kind: j.kind,
          trigger: j.trigger,
          status: j.status,
          queued: j.queuedAt,
          finished: j.finishedAt,
          objects: `${j.progress.objectsDone}/${j.progress.objectsTotal}`,
          records: j.progress.records,
          apiCalls: j.progress.apiCalls,
          error: j.error ?? j.reason ?? '',
        })),
      );
    }),
  );

program
  .command('usage')
  .description("API calls the org's backup jobs spent per day")
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--days <n>', 'how many days back', '7')
  .action((o: { org?: string; days: string }) =>
    withSession(async (s) => {
      const target = await resolveOrg(s, o.org);
      table(await apiUsage(s.ctx.infra.pool, target.id, Number(o.days)));
    }),
  );

program
  .command('export')
  .description('The records of one object as they were at a time, from the backup alone')
  .requiredOption('--object <name>', 'object API name')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--at <time>', 'ISO-8601 time (default: now)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
  .option('--out <file>', 'write here instead of stdout')
  .action((o: { object: string; org?: string; at?: string; format: ExportFormat; out?: string }) =>
    withSession(async (s) => {
      const at = o.at ? parseTime('--at', o.at) : new Date();
      const target = await resolveOrg(s, o.org);
      const out = o.out ? createWriteStream(o.out) : process.stdout;
      const n = await exportRecords(s.services.store, { orgId: target.id, object: o.object, at, format: o.format }, out);
      const exported = { tenantId: target.tenantId, orgId: target.id, action: 'export.run', target: o.object } as const;
      await s.services.audit.record({ ...cliActor(), ...exported, outcome: 'succeeded' });
      if (o.out)
        await new Promise<void>((resolve, reject) =>
          (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
      process.stderr.write(`${n} ${o.object} records as of ${at.toISOString()}\n`);
    }),
  );

restoreCommands(program);
auditCommands(program);
program
  .command('check')
  .description('Verify the store: structure, and with --read-data a share of the stored data decrypted and re-hashed')
  .option('--read-data <percent>', 'share of packs and files to read back, 0-100', '0')
  .action((o: { readData: string }) =>
    withSession(async (s) => {
      const report = await s.services.store.check({ readDataPercent: Number(o.readData) });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (!report.ok) process.exitCode = 1;
    }),
  );

// The exit code is decided here, not by whatever hooks process exit in a library.
program.parseAsync(process.argv).then(
  () => exitNow(Number(process.exitCode ?? 0)),
  (err: unknown) => {
    process.stderr.write(`orgvault: ${err instanceof OrgVaultError ? err.oneLine() : ((err as Error)?.message ?? String(err))}\n`);
    exitNow(1);
  },
);
