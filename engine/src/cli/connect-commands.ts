/**
 * `orgvault org connect | reconnect | disconnect`: the tile menu's Connect organization,
 * Reconnect and Disconnect. A browser login (OAuth web-server flow) ends at the running engine's
 * /oauth/callback, so connecting and reconnecting need one; the command prints the login URL.
 */
import type { Command } from 'commander';
import { OrgVaultError } from '../errors.js';
import { ORG_HELP, onOrg, resolveOrg, resolveOrgWithBackups, run } from './command.js';
import type { EngineClient } from './engine-client.js';
import { say } from './output.js';
import type { TileW } from './types.js';

interface LoginLinkW {
  authorizeUrl: string;
  expiresAt: string;
}

const POLL_MS = 2000;

function needsEngine(client: EngineClient): void {
  if (client.via === 'api') return;
  throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Logging in to Salesforce in the browser needs a running engine to come back to', {
    actions: ['Start the engine (`npm start`, or set ORGVAULT_ENGINE_URL), then run the command again.'],
  });
}

function environmentOf(o: { sandbox?: boolean; myDomain?: string }): { environment: string; myDomainUrl?: string } {
  if (o.sandbox && o.myDomain) {
    throw new OrgVaultError('VALIDATION_FAILED', '--sandbox and --my-domain exclude each other', {
      actions: ['A sandbox with its own domain logs in with --my-domain alone.'],
    });
  }
  if (o.myDomain) return { environment: 'custom', myDomainUrl: o.myDomain };
  return { environment: o.sandbox ? 'sandbox' : 'production' };
}

const tenantNamed = (client: EngineClient, name: string) => client.call<{ id: string; name: string }>('ensureTenant', { body: { name } });

/** Waits until the tenant has a connected org it did not have before; answers it. */
async function newOrgIn(client: EngineClient, tenantId: string, known: Set<string>, until: Date): Promise<TileW | undefined> {
  while (Date.now() < until.getTime()) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const { orgs } = await client.call<{ orgs: Array<TileW & { tenant: { id: string } }> }>('listAllOrgs');
    const added = orgs.find((o) => o.tenant.id === tenantId && !known.has(o.id));
    if (added) return added;
  }
  return undefined;
}

function connectCommand(org: Command): void {
  org
    .command('connect')
    .description('Connect an org in the browser (Connect organization): prints the Salesforce login URL to open')
    .option('--tenant <name>', 'tenant that owns the org', 'default')
    .option('--sandbox', 'log in at the sandbox login host (test.salesforce.com)')
    .option('--my-domain <url>', "log in at the org's My Domain URL")
    .option('--wait', 'wait until the login has connected a new org')
    .action(
      run(async ({ client, out }, o: { tenant: string; sandbox?: boolean; myDomain?: string; wait?: boolean }) => {
        needsEngine(client);
        const tenant = await tenantNamed(client, o.tenant);
        const before = await client.call<{ orgs: Array<{ id: string; tenant: { id: string } }> }>('listAllOrgs');
        const link = await client.call<LoginLinkW>('beginOrgLogin', { tenantId: tenant.id, body: environmentOf(o) });
        if (!o.wait)
          return void out.result(link, () => say(`Open this URL in a browser and log in (until ${link.expiresAt}):\n${link.authorizeUrl}`));
        process.stderr.write(`Open this URL in a browser and log in:\n${link.authorizeUrl}\n`);
        const known = new Set(before.orgs.filter((b) => b.tenant.id === tenant.id).map((b) => b.id));
        const added = await newOrgIn(client, tenant.id, known, new Date(link.expiresAt));
        if (!added) {
          throw new OrgVaultError('LOGIN_LINK_INVALID', 'No new organization was connected before the login link expired', {
            actions: ['Run the command again and finish the login within 10 minutes (an org connected already is updated, not added).'],
          });
        }
        out.result(added, () => say(`Connected ${added.name} (${added.sfOrgId}${added.isSandbox ? ', sandbox' : ''}) as ${added.id}`));
      }),
    );
}

function reconnectCommand(org: Command): void {
  org
    .command('reconnect')
    .description("Reconnect an org whose access Salesforce revoked (Reconnect): prints the login URL at the org's own domain")
    .option('--org <ref>', ORG_HELP)
    .action(
      run(async ({ client, out }, o: { org?: string }) => {
        needsEngine(client);
        const ref = await resolveOrg(client, o.org);
        const link = await client.call<LoginLinkW>('beginOrgReconnect', onOrg(ref));
        out.result(link, () =>
          say(`Open this URL in a browser and log in as a user of ${ref.name} (until ${link.expiresAt}):\n${link.authorizeUrl}`),
        );
      }),
    );
}

function disconnectCommand(org: Command): void {
  org
    .command('disconnect')
    .description('Disconnect an org (Disconnect): tokens revoked at Salesforce, schedule and stream stopped; its backups are kept')
    .option('--org <ref>', ORG_HELP)
    .option(
      '--delete-backups',
      'also delete all its backups (refused under a legal hold); needs --yes. Also for an org disconnected earlier (Delete backups)',
    )
    .option('--yes', 'confirm --delete-backups')
    .action(
      run(async ({ client, out }, o: { org?: string; deleteBackups?: boolean; yes?: boolean }) => {
        if (!o.deleteBackups) {
          const ref = await resolveOrg(client, o.org);
          await client.call('disconnectOrg', onOrg(ref));
          return void out.result({ disconnected: ref.id }, () => say(`${ref.name} is disconnected; its backups are kept`));
        }
        const ref = await resolveOrgWithBackups(client, o.org);
        if (!o.yes) {
          throw new OrgVaultError('VALIDATION_FAILED', `Deleting every backup of ${ref.name} cannot be undone: confirm it with --yes`, {
            actions: [`orgvault org disconnect --org ${ref.id} --delete-backups --yes`],
          });
        }
        const deleted = await client.call<{ packs: number; versions: number; files: number }>('deleteOrgBackups', onOrg(ref));
        out.result(deleted, () =>
          say(
            `${ref.name} is disconnected; deleted its backups: ${deleted.versions} record versions in ${deleted.packs} packs, ${deleted.files} files`,
          ),
        );
      }),
    );
}

export function connectCommands(org: Command): void {
  connectCommand(org);
  reconnectCommand(org);
  disconnectCommand(org);
}
