/** `orgvault org ...` and `orgvault tenant ...`: connected organizations and their tenants. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { OrgVaultError } from '../errors.js';
import type { ConnectMethod } from '../salesforce/credentials.js';
import { ORG_HELP, resolveOrg, run, runLocal, type OrgRef } from './command.js';
import { say, table } from './output.js';
import { existingTenantId, list, parseTime } from './support.js';
import { cliActor } from './audit-commands.js';
import type { DisconnectedOrgW, TileW } from './types.js';
import type { EngineClient } from './engine-client.js';
import { connectCommands } from './connect-commands.js';

/** `org add`'s flags as a connect request: which way to reach the org follows from the flags given. */
function connectMethod(o: Record<string, string | undefined>): ConnectMethod {
  if (o.sfOrg) return { method: 'sf_cli', usernameOrAlias: o.sfOrg };
  if (o.accessToken && o.instanceUrl) return { method: 'access_token', accessToken: o.accessToken, instanceUrl: o.instanceUrl };
  if (o.refreshToken && o.clientId)
    return {
      method: 'refresh_token',
      loginUrl: o.loginUrl!,
      clientId: o.clientId,
      refreshToken: o.refreshToken,
      clientSecret: o.clientSecret,
    };
  if (o.jwtKeyFile && o.clientId && o.username)
    return {
      method: 'jwt',
      loginUrl: o.loginUrl!,
      clientId: o.clientId,
      username: o.username,
      privateKey: readFileSync(o.jwtKeyFile, 'utf8'),
    };
  throw new OrgVaultError('VALIDATION_FAILED', 'Say how to reach the org', {
    actions: [
      'Use --sf-org ALIAS, or --instance-url URL --access-token TOKEN, or --refresh-token T --client-id ID, or --jwt-key-file F --client-id ID --username U.',
    ],
  });
}

function orgAdd(org: Command): void {
  org
    .command('add')
    .description('Connect an org (refresh token, JWT bearer, access token, or an org the sf CLI knows)')
    .option('--tenant <name>', 'tenant that owns the org', 'default')
    .option('--instance-url <url>', 'with --access-token')
    .option('--access-token <token>', 'a session id (cannot be renewed: for tests and one-off use)')
    .option('--login-url <url>', 'login or My Domain URL for refresh token and JWT', 'https://login.salesforce.com')
    .option('--client-id <id>', 'connected app consumer key')
    .option('--client-secret <secret>', 'connected app consumer secret')
    .option('--refresh-token <token>', 'OAuth refresh token')
    .option('--username <username>', 'with --jwt-key-file')
    .option('--jwt-key-file <path>', 'PEM private key for the JWT bearer flow')
    .option('--sf-org <aliasOrUsername>', 'an org the sf CLI is logged in to')
    // In this process, not through the API: the API's connect also reissues the org's Named Credential key.
    .action(
      runLocal(async ({ session: s, out }, o: Record<string, string | undefined>) => {
        const method = connectMethod(o);
        const { toCredentials } = await import('../salesforce/credentials.js');
        const tenant = await s.services.tenants.ensure(o.tenant!);
        const { orgId } = await s.services.connect(tenant.id, toCredentials(method));
        const added = await s.services.orgs.resolve(orgId);
        const doc = { id: orgId, sfOrgId: added.sfOrgId, name: added.name, isSandbox: added.isSandbox, timeZone: added.timeZone, tenant };
        out.result(doc, () =>
          say(`Connected ${added.name} (${added.sfOrgId}${added.isSandbox ? ', sandbox' : ''}, ${added.timeZone}) as ${orgId}`),
        );
      }),
    );
}

export function orgCommands(program: Command): void {
  const org = program.command('org').description('Connected organizations');
  orgAdd(org);
  connectCommands(org);
  org
    .command('list')
    .description('Connected organizations (the tiles), of every tenant')
    .option('--disconnected', 'instead, the disconnected ones whose backups are kept (Disconnected organizations)')
    .action(
      run(async ({ client, out }, o: { disconnected?: boolean }) => {
        if (o.disconnected) {
          const gone = await client.call<{ orgs: Array<DisconnectedOrgW & Pick<OrgRef, 'tenant'>> }>('listAllDisconnectedOrgs');
          const rows = gone.orgs.map(({ id, sfOrgId, name, disconnectedAt, tenant }) => ({
            id,
            sfOrgId,
            name,
            disconnectedAt,
            tenant: tenant.name,
          }));
          return void out.result(gone, () => table(rows));
        }
        const answer = await client.call<{ orgs: Array<TileW & OrgRef> }>('listAllOrgs');
        out.result(answer, () =>
          table(
            answer.orgs.map((o) => ({
              id: o.id,
              sfOrgId: o.sfOrgId,
              name: o.name,
              sandbox: o.isSandbox,
              timeZone: o.timeZone,
              hidden: o.hidden,
              tenant: o.tenant.name,
            })),
          ),
        );
      }),
    );
  for (const [verb, hidden] of [
    ['hide', true],
    ['show', false],
  ] as const)
    org
      .command(verb)
      .description(
        hidden ? "Hide the org's tile (Hide organization); its backups go on" : "Show a hidden org's tile again (Show organization)",
      )
      .option('--org <ref>', ORG_HELP)
      .action(
        run(async ({ client, out }, o: { org?: string }) => {
          const ref = await resolveOrg(client, o.org);
          const tile = await client.call<TileW>('updateOrg', { tenantId: ref.tenant.id, params: { orgId: ref.id }, body: { hidden } });
          out.result(tile, () => say(`${tile.name} is ${tile.hidden ? 'hidden' : 'shown'}`));
        }),
      );
}

/** A tenant by name; a mistyped name must not make a new, empty tenant. */
const findTenant = (client: EngineClient, name: string) => client.call<{ id: string; name: string }>('findTenant', { query: { name } });

export function tenantCommands(program: Command): void {
  const tenant = program.command('tenant').description("A tenant's administrators and subscription");
  tenant
    .command('admins')
    .description('Who receives permission-check reports; --set replaces the list (--set "" empties it)')
    .option('--tenant <name>', 'tenant', 'default')
    .option('--set <emails>', 'comma-separated addresses')
    .action(
      run(async ({ client, out }, o: { tenant: string; set?: string }) => {
        const { id } = await findTenant(client, o.tenant);
        const answer =
          o.set === undefined
            ? await client.call<{ emails: string[] }>('getAdminEmails', { tenantId: id })
            : await client.call<{ emails: string[] }>('putAdminEmails', { tenantId: id, body: { emails: list(o.set) ?? [] } });
        out.result(answer, () => answer.emails.forEach(say));
      }),
    );
  tenant
    .command('subscription')
    .description("Show the tenant's subscription; with --type, set it (the operator's part: the API only reads it)")
    .option('--tenant <name>', 'tenant', 'default')
    .option('--type <code>', 'subscription type, e.g. essentials, professional, enterprise')
    .option('--expires <time>', 'ISO-8601 expiry (default: never)')
    .option('--seats <n>', 'licensed users a production org may have (default: not limited)')
    .action(
      runLocal(async ({ session: s, out }, o: { tenant: string; type?: string; expires?: string; seats?: string }) => {
        const found = { id: await existingTenantId(s, o.tenant) };
        if (o.type !== undefined) {
          const before = await s.services.api.tenantSettings.subscription(found.id);
          await s.services.schedule.subscriptions.put(found.id, {
            type: o.type,
            expiresAt: o.expires === undefined ? null : parseTime('--expires', o.expires),
            seats: o.seats === undefined ? null : Number(o.seats),
          });
          const after = await s.services.api.tenantSettings.subscription(found.id);
          const change = { tenantId: found.id, action: 'subscription.change', target: 'subscription', details: { before, after } } as const;
          await s.services.audit.record({ ...cliActor(), ...change, outcome: 'succeeded' });
        } else if (o.expires !== undefined || o.seats !== undefined) {
          throw new OrgVaultError('VALIDATION_FAILED', '--expires and --seats are set together with --type', {
            actions: ['Pass the whole subscription: --type T [--expires TIME] [--seats N].'],
          });
        }
        const subscription = await s.services.api.tenantSettings.subscription(found.id);
        out.result(JSON.parse(JSON.stringify(subscription)), () => table([subscription]));
      }),
    );
}
