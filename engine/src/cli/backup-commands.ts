/** `orgvault backup run`, `jobs`, `job`, `usage`, `export`, `check`: backups and what they hold. */
import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { OrgVaultError } from '../errors.js';
import { onOrg, ORG_HELP, resolveOrg, run, runLocal, type Run } from './command.js';
import { fields, say, table, type Outcome } from './output.js';
import { list, parseTime } from './support.js';
import type { JobDetailW, JobW } from './types.js';
import { cliActor } from './audit-commands.js';

const FINISHED_OK: Record<string, Outcome> = { succeeded: 'done', partial: 'partial' };
const active = (status: string): boolean => ['queued', 'running', 'paused'].includes(status);

/** Follows a job to its end with a progress bar on stderr. */
async function follow({ client }: Run, org: Parameters<typeof onOrg>[0], jobId: string): Promise<JobDetailW> {
  await client.runHere?.backups();
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} objects | {records} records | {status}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { records: 0, status: 'queued' });
  let detail = await client.call<JobDetailW>('getJob', onOrg(org, { params: { jobId } }));
  while (active(detail.status)) {
    await new Promise((r) => setTimeout(r, 500));
    detail = await client.call<JobDetailW>('getJob', onOrg(org, { params: { jobId } }));
    bar.setTotal(Math.max(1, detail.progress.objectsTotal));
    bar.update(detail.progress.objectsDone, { records: detail.progress.records, status: detail.status });
  }
  bar.stop();
  return detail;
}

function backupRun(program: Command): void {
  program
    .command('backup')
    .description('Backups')
    .command('run')
    .description('Back up now (the tile\'s "Back up now"): all objects in scope, or the ones named')
    .option('--org <ref>', ORG_HELP)
    .option('--objects <names>', 'comma-separated object API names')
    .option('--wait', 'wait for the job to end, with a progress bar (no engine running: the job runs in this process)')
    .action(
      run(async (r, o: { org?: string; objects?: string; wait?: boolean }) => {
        const org = await resolveOrg(r.client, o.org);
        const objects = list(o.objects);
        const job = await r.client.call<JobW>('startJob', onOrg(org, { body: objects ? { objects } : undefined }));
        if (!o.wait) return r.out.result(job, () => say(`Job ${job.id} (${job.kind}) queued for ${org.name}`));
        r.out.early(`Job ${job.id} (${job.kind}) queued for ${org.name}`);
        const d = await follow(r, org, job.id);
        const failed = d.objectDetails.filter((x) => x.status === 'failed');
        r.out.result(d, () =>
          say(
            `Job ${job.id} ${d.status}: ${d.progress.records} records, ${d.progress.files} files, ${d.progress.apiCalls} API calls` +
              (failed.length ? `; failed: ${failed.map((f) => `${f.name} (${f.error})`).join(', ')}` : ''),
          ),
        );
        // A partial job failed some objects: a script must be able to tell it from success and failure.
        return FINISHED_OK[d.status] ?? 'failed';
      }),
    );
}

const jobRow = (j: JobW) => ({
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
});

function jobCommands(program: Command): void {
  program
    .command('jobs')
    .description("Backup jobs, newest first (the details view's job list)")
    .option('--org <ref>', ORG_HELP)
    .option('--limit <n>', 'how many', '20')
    .action(
      run(async ({ client, out }, o: { org?: string; limit: string }) => {
        const org = await resolveOrg(client, o.org);
        const answer = await client.call<{ jobs: JobW[] }>('listJobs', onOrg(org, { query: { limit: o.limit } }));
        out.result(answer, () => table(answer.jobs.map(jobRow)));
      }),
    );
  program
    .command('job')
    .description('One backup job with its objects (View details)')
    .argument('<id>', 'job id')
    .option('--org <ref>', ORG_HELP)
    .action((id: string, o: { org?: string }, cmd: Command) =>
      run(async ({ client, out }) => {
        const org = await resolveOrg(client, o.org);
        const d = await client.call<JobDetailW>('getJob', onOrg(org, { params: { jobId: id } }));
        out.result(d, () => {
          fields(jobRow(d));
          say('');
          table(
            d.objectDetails.map(({ name, pass, status, records, deleted, files, apiCalls, error }) => ({
              name,
              pass,
              status,
              records,
              deleted,
              files,
              apiCalls,
              error,
            })),
          );
        });
      })(o, cmd),
    );
}

function storeCommands(program: Command): void {
  program
    .command('usage')
    .description("API calls the org's backup jobs spent per day")
    .option('--org <ref>', ORG_HELP)
    .option('--days <n>', 'how many days back', '7')
    .action(
      runLocal(async ({ session, out }, o: { org?: string; days: string }) => {
        const org = await session.services.orgs.resolve(o.org);
        const days = await session.services.backup.usage(org, Number(o.days));
        out.result({ days }, () => table(days));
      }),
    );
  program
    .command('export')
    .description('The records of one object as they were at a time, from the backup alone')
    .requiredOption('--object <name>', 'object API name')
    .option('--org <ref>', ORG_HELP)
    .option('--at <time>', 'ISO-8601 time (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .option('--out <file>', 'write here instead of stdout (needed with --json, whose stdout is the summary)')
    .action(
      runLocal(async ({ session, out }, o: { object: string; org?: string; at?: string; format: 'csv' | 'jsonl'; out?: string }) => {
        if (out.json && !o.out) throw new OrgVaultError('VALIDATION_FAILED', '--json needs --out FILE: stdout carries the summary');
        const at = o.at ? parseTime('--at', o.at) : new Date();
        const org = await session.services.orgs.resolveWithBackups(o.org);
        const sink = o.out ? createWriteStream(o.out) : process.stdout;
        const { records: n, erased } = await session.services.backup.exportRecords(org, { object: o.object, at, format: o.format }, sink);
        const exported = { tenantId: org.tenantId, orgId: org.id, action: 'export.run', target: o.object } as const;
        await session.services.audit.record({ ...cliActor(), ...exported, outcome: 'succeeded' });
        if (o.out)
          await new Promise<void>((resolve, reject) =>
            (sink as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
        const summary = { object: o.object, records: n, erased, at: at.toISOString(), format: o.format, ...(o.out ? { out: o.out } : {}) };
        if (out.json) out.result(summary, () => undefined);
        else out.note(`${n} ${o.object} records as of ${summary.at}${erased ? ` (${erased} left out: erased by a GDPR request)` : ''}`);
      }),
    );
  program
    .command('check')
    .description('Verify the store: structure, and with --read-data a share of the stored data decrypted and re-hashed (report as JSON)')
    .option('--read-data <percent>', 'share of packs and files to read back, 0-100', '0')
    .action(
      runLocal(async ({ session }, o: { readData: string }) => {
        const report = await session.services.store.check({ readDataPercent: Number(o.readData) });
        say(JSON.stringify(report, null, 2));
        return report.ok ? 'done' : 'failed';
      }),
    );
}

export function backupCommands(program: Command): void {
  backupRun(program);
  jobCommands(program);
  storeCommands(program);
}
