/**
 * `orgvault status`: are we protected, and since when (the tile's figures and the last job's, as
 * View details shows them); `orgvault monitor`: the same over time, per day (View details' charts).
 */
import type { Command } from 'commander';
import { onOrg, ORG_HELP, resolveOrg, run } from './command.js';
import { fields, say, table } from './output.js';
import { parseCount } from './support.js';
import type { JobDetailW, MonitorSeriesW, TileW } from './types.js';

const count = (n: number): string => n.toLocaleString('en-US');

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 6) / 10;
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 2.4) / 10} days ago`;
}

type Status = { org: { id: string; name: string }; tile: TileW; lastJob: JobDetailW | null };

function print({ org, tile, lastJob }: Status): void {
  const p = tile.protection;
  fields({
    organization: `${org.name} (${tile.sfOrgId})`,
    recordsProtected: p.neverBackedUp ? 'none: never backed up' : count(p.recordsProtected),
    filesProtected: count(p.filesProtected),
    bytesStored: count(p.bytesStored),
    newestRestorablePoint: p.newestPointAt ? `${p.newestPointAt} (${ago(p.newestPointAgeMs ?? 0)})` : 'none yet',
    continuousProtection: tile.cdpEnabled ? 'on' : 'off',
    warning: p.warning?.message ?? 'none',
    runningNow: tile.currentJob ? `${tile.currentJob.id} ${tile.currentJob.status}` : 'no job',
  });
  if (!lastJob) return;
  const f = lastJob.figures;
  const failed = f.failedObjects.map((o) => `${o.object} (${o.error ?? 'failed'})`);
  fields({
    lastJob: `${lastJob.id} ${lastJob.kind} ${lastJob.status}, finished ${lastJob.finishedAt ?? '-'}`,
    changes: `+${count(f.inserted)} / ~${count(f.updated)} / −${count(f.deleted)}`,
    bytesAdded: count(f.bytesAdded),
    duration: f.durationMs === null ? '-' : `${Math.round(f.durationMs / 100) / 10} s`,
    apiCalls:
      f.apiShare === null || f.apiLimit === null
        ? count(f.apiCalls)
        : `${count(f.apiCalls)} (${f.apiShare}% of the daily ${count(f.apiLimit)})`,
    failedObjects: failed.length ? failed : 'none',
  });
}

export function statusCommands(program: Command): void {
  program
    .command('status')
    .description('Are we protected, and since when: the tile’s figures and the last job’s (records, changes, bytes, API calls)')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const ref = await resolveOrg(client, o.org);
        const tile = await client.call<TileW>('getOrg', onOrg(ref));
        const last = tile.lastJob && tile.lastJob.status !== 'skipped' ? tile.lastJob : null;
        const lastJob = last ? await client.call<JobDetailW>('getJob', onOrg(ref, { params: { jobId: last.id } })) : null;
        const org = { id: ref.id, name: ref.name };
        out.result({ org, protection: tile.protection, continuousProtection: tile.cdpEnabled, currentJob: tile.currentJob, lastJob }, () =>
          print({ org, tile, lastJob }),
        );
      }),
    );
  program
    .command('monitor')
    .description("Protection over time, per UTC day (View details' charts): jobs, records and files protected, changes, bytes, API calls")
    .option('--org <ref>', ORG_HELP)
    .option('--days <n>', 'days in the window, the last one included (default 30)')
    .option('--to <day>', "the window's last UTC day, YYYY-MM-DD (default today)")
    .action(
      run(async ({ client, out }, o: { org?: string; days?: string; to?: string }) => {
        const ref = await resolveOrg(client, o.org);
        const query = { days: o.days === undefined ? undefined : parseCount('--days', o.days), to: o.to };
        const series = await client.call<MonitorSeriesW>('getMonitorSeries', onOrg(ref, { query }));
        out.result(series, () => {
          say(`${ref.name}, ${series.from} to ${series.to}: ${series.jobs} job(s)`);
          table(series.days.filter((d) => d.jobs > 0 || d.recordsProtected > 0));
        });
      }),
    );
}
