/** `orgvault org ...` and `orgvault tenant ...`: connected organizations and their tenants. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { OrgVaultError } from '../errors.js';
import { toCredentials, type ConnectMethod } from '../salesforce/credentials.js';
import { existingTenantId, list, parseTime, table, tenantId, withSession } from './support.js';

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

export function orgCommands(program: Command): void {
  const org = program.command('org').description('Connected organizations');
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
    .action(async (o: Record<string, string | undefined>) => {
      const credentials = toCredentials(connectMethod(o));
      await withSession(async (s) => {
        const { orgId } = await s.services.connect(await tenantId(s, o.tenant!), credentials);
        const added = await s.services.orgs.resolve(orgId);
        process.stdout.write(
          `Connected ${added.name} (${added.sfOrgId}${added.isSandbox ? ', sandbox' : ''}, ${added.timeZone}) as ${orgId}\n`,
        );
      });
    });
  org
    .command('list')
    .description('Connected organizations')
    .action(() =>
      withSession(async (s) => {
        const orgs = await s.services.orgs.listConnected();
        table(
          orgs.map((o) => ({ id: o.id, sfOrgId: o.sfOrgId, name: o.name, sandbox: o.isSandbox, timeZone: o.timeZone, hidden: o.hidden })),
        );
      }),
    );
}

export function tenantCommands(program: Command): void {
  const tenant = program.command('tenant').description("A tenant's administrators and subscription");
  tenant
    .command('admins')
    .description('Who receives permission-check reports; --set replaces the list (--set "" empties it)')
    .option('--tenant <name>', 'tenant', 'default')
    .option('--set <emails>', 'comma-separated addresses')
    .action((o: { tenant: string; set?: string }) =>
      withSession(async (s) => {
        const id = await existingTenantId(s, o.tenant);
        const settings = s.services.api.tenantSettings;
        const emails = o.set === undefined ? await settings.adminEmails(id) : await settings.putAdminEmails(id, list(o.set) ?? []);
        process.stdout.write(emails.map((e) => `${e}\n`).join(''));
      }),
    );
  tenant
    .command('subscription')
    .description("Show the tenant's subscription; with --type, set it (the operator's part: the API only reads it)")
    .option('--tenant <name>', 'tenant', 'default')
    .option('--type <code>', 'subscription type, e.g. essentials, professional, enterprise')
    .option('--expires <time>', 'ISO-8601 expiry (default: never)')
    .option('--seats <n>', 'licensed users a production org may have (default: not limited)')
    .action((o: { tenant: string; type?: string; expires?: string; seats?: string }) =>
      withSession(async (s) => {
        const id = await existingTenantId(s, o.tenant);
        if (o.type !== undefined) {
          await s.services.schedule.subscriptions.put(id, {
            type: o.type,
            expiresAt: o.expires === undefined ? null : parseTime('--expires', o.expires),
            seats: o.seats === undefined ? null : Number(o.seats),
          });
        } else if (o.expires !== undefined || o.seats !== undefined) {
          throw new OrgVaultError('VALIDATION_FAILED', '--expires and --seats are set together with --type', {
            actions: ['Pass the whole subscription: --type T [--expires TIME] [--seats N].'],
          });
        }
        table([await s.services.api.tenantSettings.subscription(id)]);
      }),
    );
}
