/** `orgvault restore`, `compare` and `restores`: putting backed-up records back, and comparing. */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { OrgVaultError } from '../errors.js';
import { MAX_DEPTH, type RestoreMode, type RestoreOutcome } from '../restore/restore.js';
import { resolveOrg, type CliSession } from './session.js';
import type { Org } from '../orgs/registry.js';
import { list, parseTime, pointOf, table, withSession } from './support.js';

/** Per object: records backed up, to undelete, re-create, update, relink, the fields that change and those kept (conflicts), API calls. */
const planTable = (outcome: RestoreOutcome): void => {
  const counts = (m: Record<string, number>): string =>
    Object.entries(m)
      .map(([f, n]) => `${f}:${n}`)
      .join(' ');
  table(
    outcome.objects.map((p) => ({
      object: p.object,
      backedUp: p.backedUp,
      undelete: p.undelete,
      create: p.create,
      update: p.update,
      relink: p.relink,
      fields: counts(p.fieldsChanged),
      conflicts: counts(p.conflicts),
      apiCalls: p.apiCalls,
    })),
  );
  if (!outcome.survivors.length) return;
  process.stdout.write('\nLookups the delete cleared on records that survived it, set again:\n');
  table(outcome.survivors.map((s) => ({ object: s.object, field: s.field, records: s.records, apiCalls: s.apiCalls })));
};

/** Per object, what a finished run wrote. */
const writtenTable = (outcome: RestoreOutcome): void =>
  table(
    outcome.written.map((w) => ({
      object: w.object,
      undeleted: w.undeleted,
      created: w.created,
      updated: w.updated,
      relinked: w.relinked,
      failed: w.failed,
    })),
  );

interface RestoreFlags {
  org?: string;
  fromJob?: string;
  at?: string;
  objects: string;
  records?: string;
  depth?: string;
  mode: RestoreMode;
  fields?: string;
  keepNewer?: string | boolean;
  targetOrg?: string;
  dryRun?: boolean;
  wait?: boolean;
  results?: string;
}

export function restoreCommands(program: Command): void {
  restoreCommand(program);
  compareCommand(program);
  restoresCommand(program);
}

function restoreCommand(program: Command): void {
  program
    .command('restore')
    .description('Restore records from a backup job, recovery point or time, in place or into another org (try --dry-run first)')
    .option('--org <ref>', 'the org whose backup is read (default: the only one)')
    .option('--from-job <id>', 'a backup job or recovery point')
    .option('--at <time>', 'ISO-8601 time')
    .requiredOption('--objects <names>', 'comma-separated object API names')
    .option('--records <ids>', 'comma-separated record ids (default: every record of the objects)')
    .option('--depth <n>', 'also their children (child relationships) down n levels, 0-5, and the parents they need')
    .addOption(new Option('--mode <mode>', 'what to write').choices(['changed', 'deleted', 'overwrite']).default('changed'))
    .option(
      '--fields <names>',
      'update only these fields of live records (Field or Object.Field, comma-separated); records brought back come whole',
    )
    .option(
      '--keep-newer [time]',
      'leave fields of records modified after the backup (or after this time) as they are; the dry run lists them as conflicts',
    )
    .option('--target-org <ref>', 'write into this connected org instead (e.g. a sandbox)')
    .option('--dry-run', 'show what would change and the API calls it would cost; write nothing')
    .option('--wait', 'run the restore in this process and wait for it, with a progress bar (else an engine runs it)')
    .option('--results <file>', 'with --wait: write the per-record results (CSV) here')
    .action((o: RestoreFlags) => withSession((s) => restore(s, o)));
}

/** Queues the restore (or answers the dry run); with --wait runs it here and follows it. */
async function restore(s: CliSession, o: RestoreFlags): Promise<void> {
  const source = await resolveOrg(s, o.org);
  const target = o.targetOrg ? await resolveOrg(s, o.targetOrg) : source;
  const records = list(o.records);
  const depth = o.depth === undefined ? undefined : Number(o.depth);
  const fields = list(o.fields);
  const keepNewer = typeof o.keepNewer === 'string' ? parseTime('--keep-newer', o.keepNewer) : o.keepNewer;
  if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0 && depth <= MAX_DEPTH))
    throw new OrgVaultError('VALIDATION_FAILED', `--depth ${o.depth} is not a whole number from 0 to ${MAX_DEPTH}`);
  const queued = await s.services.restore.enqueue({
    orgId: source.id,
    targetOrgId: target.id,
    ...pointOf(o),
    objects: list(o.objects) ?? [],
    ...(records ? { recordIds: records } : {}),
    ...(depth !== undefined ? { depth } : {}),
    mode: o.mode,
    ...(fields ? { fields } : {}),
    ...(keepNewer ? { keepNewer } : {}),
    dryRun: !!o.dryRun,
    by: 'cli',
  });
  if (queued.dryRun) {
    planTable(queued);
    process.stdout.write(
      `Dry run as of ${queued.at.toISOString()} into ${target.name}: the restore would spend about ${queued.apiCalls} API calls (reads and writes; this dry run spent ${queued.planningCalls}). Nothing was written.\n`,
    );
    return;
  }
  process.stdout.write(`Restore ${queued.runId} queued into ${target.name}\n`);
  if (!o.wait) {
    process.stderr.write('A running engine (npm start) runs it; follow it with `orgvault restores`.\n');
    return;
  }
  await follow(s, queued, source.id, target, o.results);
}

function compareCommand(program: Command): void {
  program
    .command('compare')
    .description('Compare a backup with another backup, or with the live org: records added, deleted, changed')
    .option('--org <ref>', 'org whose backup is compared (default: the only one)')
    .option('--from-job <id>', 'a backup job or recovery point')
    .option('--at <time>', 'ISO-8601 time')
    .option('--to-job <id>', 'compare with this job (default: the live org)')
    .option('--to-at <time>', 'compare with the backup at this time')
    .option('--target-org <ref>', 'with no --to-*: compare with this live org (one restored into)')
    .requiredOption('--objects <names>', 'comma-separated object API names')
    .option('--records <ids>', 'field-level differences for these records')
    .action(
      (o: {
        org?: string;
        fromJob?: string;
        at?: string;
        toJob?: string;
        toAt?: string;
        targetOrg?: string;
        objects: string;
        records?: string;
      }) =>
        withSession(async (s) => {
          const source = await resolveOrg(s, o.org);
          const side = async (p: { jobId: string } | { at: Date }) => ({ at: await s.services.restore.resolveAt(source.id, p) });
          const against = o.targetOrg ? await resolveOrg(s, o.targetOrg) : undefined;
          const records = list(o.records);
          const result = await s.services.compare.compare({
            orgId: source.id,
            from: await side(pointOf(o)),
            to:
              o.toJob || o.toAt
                ? await side(pointOf({ fromJob: o.toJob, at: o.toAt }, ['--to-job', '--to-at']))
                : { live: true, ...(against ? { orgId: against.id } : {}) },
            objects: list(o.objects) ?? [],
            ...(records ? { recordIds: records } : {}),
          });
          table(
            result.map((c) => ({
              object: c.object,
              added: c.added.length,
              deleted: c.deleted.length,
              changed: c.changed.length,
              fields: Object.entries(c.fieldCounts)
                .map(([f, n]) => `${f}:${n}`)
                .join(' '),
            })),
          );
          for (const c of result)
            for (const d of c.details)
              for (const f of d.fields)
                process.stdout.write(`${c.object} ${d.id} ${f.field}: ${f.from ?? '(null)'} -> ${f.to ?? '(null)'}\n`);
        }),
    );
}

function restoresCommand(program: Command): void {
  program
    .command('restores')
    .description("Restore runs of an org's backup, newest first: queued, running (with progress) or finished")
    .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
    .option('--limit <n>', 'how many', '20')
    .action((o: { org?: string; limit: string }) =>
      withSession(async (s) => {
        const source = await resolveOrg(s, o.org);
        const names = new Map<string, string>();
        const nameOf = async (id: string): Promise<string> => {
          if (!names.has(id))
            names.set(
              id,
              await resolveOrg(s, id).then(
                (org) => org.name,
                () => id,
              ),
            );
          return names.get(id)!;
        };
        const rows = [];
        for (const r of await s.services.restore.runs.list(source.id, Number(o.limit)))
          rows.push({
            id: r.id,
            status: r.status,
            mode: r.request.mode,
            target: await nameOf(r.targetOrgId),
            at: r.at,
            queued: r.createdAt,
            finished: r.finishedAt,
            records: r.progress ? `${r.progress.done}/${r.progress.total}` : '',
            succeeded: r.summary?.succeeded ?? '',
            failed: r.summary?.failed ?? '',
            apiCalls: r.summary?.apiCalls ?? '',
            error: r.error ?? '',
          });
        table(rows);
      }),
    );
}

/** Runs a queued restore in this process, with a progress bar, and reports how it ended. */
async function follow(s: CliSession, queued: RestoreOutcome, sourceId: string, target: Org, results: string | undefined): Promise<void> {
  await s.services.restoreWorker.start(queued.runId!);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} records | {status}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { status: 'queued' });
  let run = queued;
  while (run.status === 'queued' || run.status === 'running') {
    await new Promise((r) => setTimeout(r, 500));
    run = await s.services.restore.status(sourceId, queued.runId!);
    bar.setTotal(Math.max(1, run.progress.total));
    bar.update(run.progress.done, { status: run.status });
  }
  bar.stop();
  writtenTable(run);
  process.stdout.write(
    `Restore ${run.runId} ${run.status} into ${target.name}: ${run.succeeded} records written, ${run.failed} failed, ${run.apiCalls} API calls` +
      (run.error ? `; ${run.error}` : '') +
      '\n',
  );
  if (results) writeFileSync(results, await s.services.restore.ledger.resultsCsv(target.id, run.runId!));
  if (run.status !== 'succeeded' || run.failed > 0) process.exitCode = 1;
}
