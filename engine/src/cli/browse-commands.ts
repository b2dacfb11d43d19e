/** `orgvault history` and `orgvault deleted`: finding what to recover, as the page's Record history and Deleted records do. */
import type { Command } from 'commander';
import { onOrg, ORG_HELP, resolveOrgWithBackups, run } from './command.js';
import { say, table } from './output.js';
import { list, parseCount, parseTime } from './support.js';
import type { DeletedW, HistoryW } from './types.js';

const shown = (v: string | null): string => v ?? '(empty)';

export function browseCommands(program: Command): void {
  program
    .command('history')
    .description('Every backed-up version of a record: when, from which backup, recovery point or change event, and what changed')
    .argument('<recordId>', 'the Salesforce record id')
    .option('--org <ref>', ORG_HELP)
    .option('--object <name>', "the record's object (default: found from the backups)")
    .action((recordId: string, o: { org?: string; object?: string }, cmd: Command) =>
      run(async ({ client, out }) => {
        const org = await resolveOrgWithBackups(client, o.org);
        const query = o.object ? { object: o.object } : {};
        const h = await client.call<HistoryW>('recordHistory', onOrg(org, { params: { recordId }, query }));
        out.result(h, () => {
          say(`${h.object} ${h.recordId}: ${h.versions.length} versions`);
          for (const v of h.versions) {
            say(`\n${String(v.at)}  ${v.kind}  ${v.source.kind}${v.source.jobId ? ` ${v.source.jobId}` : ''} (${v.source.via})`);
            for (const c of v.changes) say(`  ${c.field}: ${shown(c.from)} -> ${shown(c.to)}`);
          }
        });
      })(o, cmd),
    );
  program
    .command('deleted')
    .description('Records deleted in a window and not back since, per object, with the parent a cascade took them with')
    .option('--org <ref>', ORG_HELP)
    .option('--since <time>', 'deleted at or after (default: 15 days ago)')
    .option('--until <time>', 'deleted at or before (default: now)')
    .option('--objects <names>', 'comma-separated object API names (default: every backed-up object)')
    .option('--limit <n>', 'at most this many records per object', '500')
    .action(
      run(async ({ client, out }, o: { org?: string; since?: string; until?: string; objects?: string; limit: string }) => {
        const org = await resolveOrgWithBackups(client, o.org);
        const query = {
          ...(o.since ? { since: parseTime('--since', o.since).toISOString() } : {}),
          ...(o.until ? { until: parseTime('--until', o.until).toISOString() } : {}),
          ...(o.objects ? { objects: list(o.objects)!.join(',') } : {}),
          limit: String(parseCount('--limit', o.limit)),
        };
        const d = await client.call<DeletedW>('deletedRecords', onOrg(org, { query }));
        out.result(d, () => {
          table(d.objects.map((x) => ({ object: x.object, deleted: x.records.length + (x.truncated ? '+' : '') })));
          for (const x of d.objects)
            for (const r of x.records)
              say(
                `${x.object} ${r.id} ${r.label ?? ''} deleted ${String(r.deletedAt)}${r.parent ? ` with ${r.parent.object} ${r.parent.id}` : ''}`,
              );
        });
      }),
    );
}
