/** `orgvault cdp on|off|status` and `orgvault recovery-point`: continuous data protection. */
import { Option, type Command } from 'commander';
import { onOrg, ORG_HELP, resolveOrg, run, type OrgRef } from './command.js';
import { fields, say, table } from './output.js';
import { list, parseTime } from './support.js';
import type { EngineClient } from './engine-client.js';
import type { CdpW, RecoveryPointW } from './types.js';

/** How far the stored state trails the org: now minus the time up to which everything is stored. */
const lagSeconds = (cdp: CdpW): number | null =>
  cdp.caughtUpAt === null ? null : Math.max(0, Math.round((Date.now() - Date.parse(cdp.caughtUpAt)) / 1000));

function printCdp(cdp: CdpW & { lagSeconds: number | null }): void {
  fields({
    protection: cdp.enabled ? 'on' : 'off',
    objects: cdp.objects,
    transport: `${cdp.transport} (following with ${cdp.activeTransport.transport}${cdp.activeTransport.reason ? `: ${cdp.activeTransport.reason}` : ''})`,
    lag: cdp.lagSeconds === null ? 'not caught up yet' : `${cdp.lagSeconds} s`,
    coveredFrom: cdp.coveredFrom,
    lastEventAt: cdp.lastEventAt,
  });
  const unselected = Object.entries(cdp.selection).filter(([, s]) => !s.selected);
  if (unselected.length) {
    say('');
    table(unselected.map(([object, s]) => ({ object, notSelected: s.reason ?? '' })));
  }
}

const showCdp = (client: EngineClient, org: OrgRef): Promise<CdpW> => client.call<CdpW>('getCdpSettings', onOrg(org));

function cdpCommands(program: Command): void {
  const cdp = program.command('cdp').description('Continuous data protection: change events stored between backups');
  cdp
    .command('status')
    .description('On or off, the objects, the transport following the change events, and the lag')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const now = await showCdp(client, await resolveOrg(client, o.org));
        const doc = { ...now, lagSeconds: lagSeconds(now) };
        out.result(doc, () => printCdp(doc));
      }),
    );
  cdp
    .command('on')
    .description('Switch protection on for the objects (selects them for Change Data Capture in the org)')
    .option('--org <ref>', ORG_HELP)
    .option('--objects <names>', 'comma-separated object API names (default: the objects chosen before)')
    .addOption(new Option('--transport <mode>', 'how change events are followed').choices(['auto', 'pubsub', 'cometd']))
    .action(
      run(async ({ client, out }, o: { org?: string; objects?: string; transport?: string }) => {
        const org = await resolveOrg(client, o.org);
        const objects = list(o.objects) ?? (await showCdp(client, org)).objects;
        const body = { enabled: true, objects, ...(o.transport ? { transport: o.transport } : {}) };
        const now = await client.call<CdpW>('putCdpSettings', onOrg(org, { body }));
        const doc = { ...now, lagSeconds: lagSeconds(now) };
        out.result(doc, () => printCdp(doc));
      }),
    );
  cdp
    .command('off')
    .description('Switch protection off (backup jobs go on)')
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        const org = await resolveOrg(client, o.org);
        const { objects, transport } = await showCdp(client, org);
        const now = await client.call<CdpW>('putCdpSettings', onOrg(org, { body: { enabled: false, objects, transport } }));
        const doc = { ...now, lagSeconds: lagSeconds(now) };
        out.result(doc, () => printCdp(doc));
      }),
    );
}

export function protectCommands(program: Command): void {
  cdpCommands(program);
  program
    .command('recovery-point')
    .description('Generate a recovery point: the chosen objects as they were at a time, ready to restore from')
    .option('--org <ref>', ORG_HELP)
    .requiredOption('--objects <names>', 'comma-separated object API names')
    .option('--at <time>', 'ISO-8601 time (default: now)')
    .action(
      run(async ({ client, out }, o: { org?: string; objects: string; at?: string }) => {
        const at = (o.at ? parseTime('--at', o.at) : new Date()).toISOString();
        const org = await resolveOrg(client, o.org);
        const point = await client.call<RecoveryPointW>(
          'createRecoveryPoint',
          onOrg(org, { body: { objects: list(o.objects) ?? [], at } }),
        );
        out.result(point, () => say(`Recovery point ${point.id} (${point.status}) of ${point.objects.join(', ')} at ${point.at}`));
      }),
    );
}
