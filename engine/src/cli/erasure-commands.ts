/**
 * `orgvault erasure request|dry-run|approve|status|list`: GDPR erasure with four eyes, and
 * `orgvault retention policy`, `orgvault prune run|list`: what the org keeps and the prune to it.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { OrgVaultError } from '../errors.js';
import { onOrg, ORG_HELP, resolveOrg, run } from './command.js';
import { cliActor } from './audit-commands.js';
import { fields, say, table } from './output.js';
import { list } from './support.js';
import type { ErasureW, PolicyW, PruneRunW } from './types.js';

const AS_HELP = 'the administrator acting (default: operator:<your OS account>); requester and approver must differ';
const asUser = (as: string | undefined): string => as ?? cliActor().actor;

const rowOf = (e: ErasureW) => ({
  id: e.id,
  reference: e.reference,
  status: e.status,
  asked: `${e.requestedAt} by ${e.requestedBy}`,
  approved: e.approvedAt ? `${e.approvedAt} by ${e.approvedBy ?? ''}` : '',
  versions: e.status === 'done' ? e.versionsRemoved : (e.dryRun?.versions ?? 0),
  files: e.status === 'done' ? e.filesDeleted : (e.dryRun?.files ?? 0),
});

const printErasure = (e: ErasureW): void => {
  fields({ ...rowOf(e), records: e.dryRun?.recordIds ?? [] });
  if (e.dryRun) table(e.dryRun.objects);
};

/** Values from --values (comma-separated) or --values-file (one per line): a file keeps them out of the shell's history. */
function valuesOf(o: { values?: string; valuesFile?: string }): string[] | undefined {
  if (o.values && o.valuesFile) throw new OrgVaultError('VALIDATION_FAILED', 'Give --values or --values-file, not both');
  if (o.valuesFile)
    return readFileSync(o.valuesFile, 'utf8')
      .split(/\r?\n/)
      .map((v) => v.trim())
      .filter(Boolean);
  return list(o.values);
}

type RequestOptions = {
  org?: string;
  reference: string;
  objects?: string;
  records?: string;
  values?: string;
  valuesFile?: string;
  as?: string;
};

export function erasureCommands(program: Command): void {
  const erasure = program
    .command('erasure')
    .description('GDPR erasure: a request with its dry run, approved by a second administrator, then run');
  erasure
    .command('request')
    .description('Ask to erase records by id and/or by values found in objects; prints the dry run (record ids and counts, no values)')
    .option('--org <ref>', ORG_HELP)
    .requiredOption('--reference <ref>', "the request's own reference (a ticket or case number; no personal data)")
    .option('--objects <names>', 'objects whose backups are searched for the values, e.g. Contact,Lead')
    .option('--records <ids>', 'comma-separated record ids to erase')
    .option('--values <values>', 'comma-separated values to find (emails, phone numbers)')
    .option('--values-file <file>', 'the values, one per line')
    .option('--as <user>', AS_HELP)
    .action(
      run(async ({ client, out }, o: RequestOptions) => {
        const org = await resolveOrg(client, o.org);
        const body = { reference: o.reference, objects: list(o.objects), recordIds: list(o.records), values: valuesOf(o) };
        const asked = await client.call<ErasureW>('createErasure', onOrg(org, { body, user: asUser(o.as) }));
        out.result(asked, () => {
          printErasure(asked);
          say(`Nothing is erased yet: another administrator runs \`orgvault erasure approve ${asked.id}\`.`);
        });
      }),
    );
  byIdCommands(erasure);
  erasure
    .command('list')
    .description("The org's erasure requests, newest first")
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const { erasures } = await client.call<{ erasures: ErasureW[] }>('listErasures', onOrg(org));
        out.result({ erasures }, () => (erasures.length ? table(erasures.map(rowOf)) : say(`No erasure request for ${org.name}.`)));
      }),
    );
  pruneCommands(program);
}

/** The commands on one request: its dry run again, approval, status. */
function byIdCommands(erasure: Command): void {
  const byId = (name: string, description: string, operationId: string, withUser: boolean) => {
    const cmd = erasure
      .command(name)
      .description(description)
      .argument('<id>', 'the id `erasure list` shows')
      .option('--org <ref>', ORG_HELP);
    if (withUser) cmd.option('--as <user>', AS_HELP);
    cmd.action((id: string, o: { org?: string; as?: string }, c: Command) =>
      run(async ({ client, out }) => {
        const org = await resolveOrg(client, o.org);
        const got = await client.call<ErasureW>(
          operationId,
          onOrg(org, { params: { erasureId: id }, ...(withUser ? { user: asUser(o.as) } : {}) }),
        );
        out.result(got, () => printErasure(got));
      })(o, c),
    );
  };
  byId('dry-run', "A pending request's dry run again, from what is stored now", 'erasureDryRun', false);
  byId(
    'approve',
    'Approve (not the requester) and run it: every stored version and sole file of the records goes; again finishes a run cut short',
    'approveErasure',
    true,
  );
  byId('status', "An erasure request's status and counts", 'getErasure', false);
}

type PolicyOptions = {
  org?: string;
  keepAllDays?: string;
  dailyWeeks?: string;
  weeklyMonths?: string;
  monthlyYears?: string;
  none?: boolean;
};

function pruneCommands(program: Command): void {
  program
    .command('retention')
    .description("The org's retention policy (Salesforce Backup & Recover's tiers); with flags, sets it")
    .option('--org <ref>', ORG_HELP)
    .option('--keep-all-days <n>', 'every version of the last N days')
    .option('--daily-weeks <n>', 'then one per day for N weeks')
    .option('--weekly-months <n>', 'then one per week for N months')
    .option('--monthly-years <n>', 'then one per month for N years')
    .option('--none', "remove the org's own policy (the tenant's default applies, else everything is kept)")
    .action(
      run(async ({ client, out }, o: PolicyOptions) => {
        const org = await resolveOrg(client, o.org);
        const tiers = [o.keepAllDays, o.dailyWeeks, o.weeklyMonths, o.monthlyYears];
        let got: PolicyW;
        if (o.none || tiers.some((t) => t !== undefined)) {
          const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
          const policy = o.none
            ? null
            : { keepAllDays: n(tiers[0]), dailyWeeks: n(tiers[1]), weeklyMonths: n(tiers[2]), monthlyYears: n(tiers[3]) };
          got = await client.call<PolicyW>('putRetentionPolicy', onOrg(org, { body: { policy } }));
        } else got = await client.call<PolicyW>('getRetentionPolicy', onOrg(org));
        out.result(got, () => fields({ ...(got.policy ?? { policy: 'none: every version is kept' }), source: got.source }));
      }),
    );
  const prune = program.command('prune').description('Prune the org to its retention policy, the way restic prunes');
  prune
    .command('run')
    .description('Prune now (or finish a run cut short); refused under a legal hold of the whole org')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const done = await client.call<PruneRunW>('startPrune', onOrg(org));
        out.result(done, () => fields({ ...done, policy: JSON.stringify(done.policy) }));
      }),
    );
  prune
    .command('list')
    .description("The org's prune runs, newest first")
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const { runs } = await client.call<{ runs: PruneRunW[] }>('listPruneRuns', onOrg(org));
        const rows = runs.map((r) => ({
          id: r.id,
          phase: r.phase,
          started: r.startedAt,
          versions: r.versionsRemoved,
          files: r.filesDeleted,
        }));
        out.result({ runs }, () => (runs.length ? table(rows) : say(`No prune of ${org.name} yet.`)));
      }),
    );
}
