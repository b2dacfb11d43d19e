/** `orgvault hold list|create|release`: legal holds, which prune, erasure and deleting backups obey. */
import type { Command } from 'commander';
import { onOrg, ORG_HELP, resolveOrgWithBackups, run } from './command.js';
import { fields, say, table } from './output.js';
import { list } from './support.js';
import type { LegalHoldW } from './types.js';

const rowOf = (h: LegalHoldW) => ({
  id: h.id,
  name: h.name,
  holds: h.scope === 'org' ? 'whole org' : `${h.recordIds.length} records`,
  placed: `${h.createdAt}${h.createdBy ? ` by ${h.createdBy}` : ''}`,
  released: h.releasedAt ? `${h.releasedAt}${h.releasedBy ? ` by ${h.releasedBy}` : ''}` : '',
});

const printHold = (h: LegalHoldW): void => fields({ ...rowOf(h), ...(h.scope === 'records' ? { records: h.recordIds } : {}) });

export function holdCommands(program: Command): void {
  const hold = program.command('hold').description('Legal holds: an org or records kept as they are until released');
  hold
    .command('list')
    .description("The org's active legal holds (with --all, released ones too)")
    .option('--org <ref>', ORG_HELP)
    .option('--all', 'released holds too')
    .action(
      run(async ({ client, out }, o: { org?: string; all?: boolean }) => {
        const org = await resolveOrgWithBackups(client, o.org);
        const { holds } = await client.call<{ holds: LegalHoldW[] }>(
          'listLegalHolds',
          onOrg(org, { query: { includeReleased: o.all ? 'true' : 'false' } }),
        );
        out.result({ holds }, () => (holds.length ? table(holds.map(rowOf)) : say(`No legal hold on ${org.name}.`)));
      }),
    );
  hold
    .command('create')
    .description('Hold the whole org, or (--records) only those records: prune, erasure and deleting backups refuse while it holds')
    .option('--org <ref>', ORG_HELP)
    .requiredOption('--name <matter>', 'the matter it is for (a case number or request; no personal data)')
    .option('--records <ids>', 'comma-separated Salesforce record ids (default: the whole org)')
    .action(
      run(async ({ client, out }, o: { org?: string; name: string; records?: string }) => {
        const org = await resolveOrgWithBackups(client, o.org);
        const body = { name: o.name, ...(o.records ? { recordIds: list(o.records) } : {}) };
        const created = await client.call<LegalHoldW>('createLegalHold', onOrg(org, { body }));
        out.result(created, () => printHold(created));
      }),
    );
  hold
    .command('release')
    .description('Release a legal hold (it stays listed with --all, with who released it and when)')
    .argument('<holdId>', 'the id `hold list` shows')
    .option('--org <ref>', ORG_HELP)
    .action((holdId: string, o: { org?: string }, cmd: Command) =>
      run(async ({ client, out }) => {
        const org = await resolveOrgWithBackups(client, o.org);
        const released = await client.call<LegalHoldW>('releaseLegalHold', onOrg(org, { params: { holdId } }));
        out.result(released, () => printHold(released));
      })(o, cmd),
    );
}
