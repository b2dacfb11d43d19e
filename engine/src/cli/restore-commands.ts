/** `orgvault restore`, `compare` and `restores`: putting backed-up records back, and comparing. */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { onOrg, ORG_HELP, resolveOrg, resolveOrgWithBackups, run, type OrgRef, type Run } from './command.js';
import { say, table, type Outcome } from './output.js';
import { list, parseTime, pointOf } from './support.js';
import { chooseMode, MODES, MODES_HELP } from './restore-modes.js';
import type { CompareW, RestoreW } from './types.js';

const counts = (m: Record<string, number>): string =>
  Object.entries(m)
    .map(([f, n]) => `${f}:${n}`)
    .join(' ');

/** Per object: records backed up, to undelete, re-create, update, relink, the fields that change and those kept (conflicts), API calls, left out as erased. */
const planTable = (outcome: RestoreW): void => {
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
      erased: p.erased,
    })),
  );
  if (!outcome.survivors.length) return;
  say('\nLookups the delete cleared on records that survived it, set again:');
  table(outcome.survivors.map((s) => ({ object: s.object, field: s.field, records: s.records, apiCalls: s.apiCalls })));
};

/** Per object, what a finished run wrote. */
const writtenTable = (outcome: RestoreW): void =>
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
  mode?: string;
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
    .addOption(new Option('--mode <mode>', 'what to write (asked at a terminal when omitted; see below)').choices(Object.keys(MODES)))
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
    .option('--wait', 'wait for the restore to end, with a progress bar (no engine running: it runs in this process)')
    .option('--results <file>', 'with --wait: write the per-record results (CSV) here')
    .addHelpText('after', `\nModes:\n${MODES_HELP}\n`)
    .action(run((r, o: RestoreFlags) => restore(r, o)));
}

/** Queues the restore (or answers the dry run); with --wait follows it to its end. */
async function restore(r: Run, o: RestoreFlags): Promise<Outcome> {
  const { client, out } = r;
  const mode = await chooseMode(o.mode, !out.json && Boolean(process.stdin.isTTY && process.stderr.isTTY));
  const source = await resolveOrgWithBackups(client, o.org);
  const target = o.targetOrg ? await resolveOrg(client, o.targetOrg) : source;
  const records = list(o.records);
  const fields = list(o.fields);
  const keepNewer = typeof o.keepNewer === 'string' ? parseTime('--keep-newer', o.keepNewer).toISOString() : o.keepNewer;
  const body = {
    from: pointOf(o),
    objects: list(o.objects) ?? [],
    ...(records ? { recordIds: records } : {}),
    ...(o.depth !== undefined ? { depth: Number(o.depth) } : {}),
    ...(target.id !== source.id ? { targetOrgId: target.id } : {}),
    ...(fields ? { fields } : {}),
    ...(keepNewer ? { keepNewer } : {}),
    mode,
    dryRun: !!o.dryRun,
  };
  const queued = await client.call<RestoreW>('restore', onOrg(source, { body }));
  if (queued.dryRun) {
    out.result(queued, () => {
      planTable(queued);
      say(
        `Dry run as of ${queued.at} into ${target.name}: the restore would spend about ${queued.apiCalls} API calls (reads and writes; this dry run spent ${queued.planningCalls}). Nothing was written.`,
      );
    });
    return 'done';
  }
  if (!o.wait) {
    out.result(queued, () => say(`Restore ${queued.runId} queued into ${target.name}`));
    if (client.via === 'local') out.note('A running engine (npm start) runs it; follow it with `orgvault restores`.');
    return 'done';
  }
  out.early(`Restore ${queued.runId} queued into ${target.name}`);
  return follow(r, queued.runId!, source, target, o.results);
}

/** Follows a queued restore to its end with a progress bar on stderr, and reports how it ended. */
async function follow(
  { client, out }: Run,
  runId: string,
  source: Pick<OrgRef, 'id' | 'name' | 'tenant'>,
  target: Pick<OrgRef, 'id' | 'name' | 'tenant'>,
  results: string | undefined,
): Promise<Outcome> {
  await client.runHere?.restore(runId);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} records | {status}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { status: 'queued' });
  let run = await client.call<RestoreW>('getRestore', onOrg(source, { params: { runId } }));
  while (run.status === 'queued' || run.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    run = await client.call<RestoreW>('getRestore', onOrg(source, { params: { runId } }));
    bar.setTotal(Math.max(1, run.progress.total));
    bar.update(run.progress.done, { status: run.status });
  }
  bar.stop();
  out.result(run, () => {
    writtenTable(run);
    say(
      `Restore ${run.runId} ${run.status} into ${target.name}: ${run.succeeded} records written, ${run.failed} failed, ${run.apiCalls} API calls` +
        (run.error ? `; ${run.error}` : ''),
    );
  });
  if (results) writeFileSync(results, await client.restoreResults(source.tenant.id, source.id, runId));
  if (run.status !== 'succeeded') return 'failed';
  // Some records written and some not: neither done nor failed.
  if (run.failed > 0) return run.succeeded > 0 ? 'partial' : 'failed';
  return 'done';
}

interface CompareFlags {
  org?: string;
  fromJob?: string;
  at?: string;
  toJob?: string;
  toAt?: string;
  targetOrg?: string;
  objects: string;
  records?: string;
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
      run(async ({ client, out }, o: CompareFlags) => {
        const from = pointOf(o);
        const to =
          o.toJob || o.toAt
            ? pointOf({ fromJob: o.toJob, at: o.toAt }, ['--to-job', '--to-at'])
            : { live: true as const, ...(o.targetOrg ? { targetOrgId: (await resolveOrg(client, o.targetOrg)).id } : {}) };
        const source = await resolveOrgWithBackups(client, o.org);
        const records = list(o.records);
        const body = { from, to, objects: list(o.objects) ?? [], ...(records ? { recordIds: records } : {}) };
        const result = await client.call<CompareW>('compare', onOrg(source, { body }));
        out.result(result, () => {
          table(
            result.objects.map((c) => ({
              object: c.object,
              added: c.added.length,
              deleted: c.deleted.length,
              changed: c.changed.length,
              fields: Object.entries(c.fieldCounts)
                .map(([f, n]) => `${f}:${n}`)
                .join(' '),
            })),
          );
          for (const c of result.objects)
            for (const d of c.details)
              for (const f of d.fields) say(`${c.object} ${d.id} ${f.field}: ${f.from ?? '(null)'} -> ${f.to ?? '(null)'}`);
        });
      }),
    );
}

function restoresCommand(program: Command): void {
  program
    .command('restores')
    .description("Restore runs of an org's backup, newest first: queued, running (with progress) or finished")
    .option('--org <ref>', ORG_HELP)
    .option('--limit <n>', 'how many', '20')
    .action(
      run(async ({ client, out }, o: { org?: string; limit: string }) => {
        const source = await resolveOrgWithBackups(client, o.org);
        const answer = await client.call<{ runs: RestoreW[] }>('listRestores', onOrg(source, { query: { limit: o.limit } }));
        const names = new Map<string, string>();
        for (const id of new Set(answer.runs.map((r) => r.targetOrgId)))
          names.set(
            id,
            await resolveOrg(client, id).then(
              (org) => org.name,
              () => id,
            ),
          );
        out.result(answer, () =>
          table(
            answer.runs.map((r) => ({
              id: r.runId,
              status: r.status,
              mode: r.mode,
              target: names.get(r.targetOrgId),
              at: r.at,
              queued: r.queuedAt,
              finished: r.finishedAt,
              records: `${r.progress.done}/${r.progress.total}`,
              succeeded: r.succeeded,
              failed: r.failed,
              apiCalls: r.apiCalls,
              error: r.error ?? '',
            })),
          ),
        );
      }),
    );
}
