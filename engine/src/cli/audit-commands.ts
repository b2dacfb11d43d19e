/** `orgvault audit ...`: the tenant's audit trail — read, export, verify, retention, forwarding. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { OrgVaultError } from '../errors.js';
// The list only, from the domain's types: its service would load pg into every command.
import { AUDIT_ACTIONS } from '../audit/types.js';
import type { AuditAction, AuditFilter, AuditRecord, ExportFormat } from '../audit/index.js';
import { existingTenantId, parseTime } from './support.js';
import { runLocal } from './command.js';
import { say, type Output } from './output.js';
import type { CliSession } from './session.js';

/** Who acts from the CLI: the operator's account on this machine. */
export function cliActor(): Pick<AuditRecord, 'actor' | 'source'> {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the source still says CLI.
  }
  return { actor: `operator:${name}`.slice(0, 255), source: 'cli' };
}

/** The tenant named, or the only one with a trail. */
async function tenantOf(s: CliSession, name: string | undefined): Promise<string> {
  if (name) return existingTenantId(s, name);
  const tenants = await s.services.audit.tenants();
  if (tenants.length === 1) return tenants[0]!;
  throw new OrgVaultError(
    'VALIDATION_FAILED',
    tenants.length ? 'Several tenants have a trail: say which with --tenant' : 'No audit trail yet',
    {
      actions: ['Pass --tenant NAME.'],
    },
  );
}

function actionOf(value: string | undefined): AuditAction | undefined {
  if (value === undefined) return undefined;
  if ((AUDIT_ACTIONS as readonly string[]).includes(value)) return value as AuditAction;
  throw new OrgVaultError('VALIDATION_FAILED', `--action ${value} is not an audit action`, {
    actions: [`One of: ${AUDIT_ACTIONS.join(', ')}`],
  });
}

interface ReadFlags {
  tenant?: string;
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  org?: string;
  format: ExportFormat;
  out?: string;
}

async function exportTrail(s: CliSession, o: ReadFlags, json: Output): Promise<void> {
  if (json.json && !o.out) throw new OrgVaultError('VALIDATION_FAILED', '--json needs --out FILE: stdout carries the summary');
  const tenantId = await tenantOf(s, o.tenant);
  const filter: AuditFilter = {
    tenantId,
    ...(o.org ? { orgId: (await s.services.orgs.resolve(o.org)).id } : {}),
    ...(o.actor ? { actor: o.actor } : {}),
    ...(o.action ? { action: actionOf(o.action) } : {}),
    ...(o.since ? { since: parseTime('--since', o.since) } : {}),
    ...(o.until ? { until: parseTime('--until', o.until) } : {}),
  };
  const out: NodeJS.WritableStream = o.out ? createWriteStream(o.out) : process.stdout;
  const n = await s.services.audit.exportTo(filter, o.format, (chunk) =>
    chunk && !out.write(chunk) ? new Promise<void>((r) => out.once('drain', () => r())) : undefined,
  );
  if (o.out)
    await new Promise<void>((resolve, reject) => (out as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
  await s.services.audit.record({ ...cliActor(), tenantId, action: 'audit.export', target: o.format, outcome: 'succeeded' });
  if (json.json) json.result({ entries: n, format: o.format, out: o.out }, () => undefined);
  else json.note(`${n} audit entries`);
}

function verifyCommand(audit: Command): void {
  audit
    .command('verify')
    .description('Walk each hash chain (or one tenant’s); name the first entry that does not fit; exit 1 if any')
    .option('--tenant <name>', 'only this tenant')
    .action(
      runLocal(async ({ session: s, out }, o: { tenant?: string }) => {
        const tenants = o.tenant ? [await existingTenantId(s, o.tenant)] : await s.services.audit.tenants();
        const reports: Array<Awaited<ReturnType<typeof s.services.audit.verify>>> = [];
        for (const tenantId of tenants) reports.push(await s.services.audit.verify(tenantId));
        out.result({ tenants: reports }, () => {
          for (const r of reports)
            say(
              r.ok
                ? `tenant ${r.tenantId}: ${r.checked} entries, chain intact`
                : `tenant ${r.tenantId}: entry ${r.firstBad!.seq} does not fit: ${r.firstBad!.reason}`,
            );
        });
        const intact = reports.every((r) => r.ok);
        return intact ? 'done' : 'failed';
      }),
    );
}

export function auditCommands(program: Command): void {
  const audit = program
    .command('audit')
    // `audit retention --tenant X`: the subcommand's --tenant, not the trail export's (which stand before any subcommand).
    .enablePositionalOptions()
    .description("A tenant's audit trail, oldest first (JSON Lines or CSV); `audit verify` checks its hash chain")
    .option('--tenant <name>', 'tenant (default: the only one with a trail)')
    .option('--since <time>', 'entries at or after this ISO-8601 time')
    .option('--until <time>', 'entries before this ISO-8601 time')
    .option('--actor <actor>', 'a Salesforce user name, key:<id>, operator:<name> or schedule')
    .option('--action <action>', `one of ${AUDIT_ACTIONS.join(', ')}`)
    .option('--org <ref>', "only this org's entries")
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write here instead of stdout')
    .action(runLocal(({ session: s, out }, o: ReadFlags) => exportTrail(s, o, out)));

  verifyCommand(audit);

  audit
    .command('retention')
    .description('How long a tenant keeps its trail (default 2557 days, 7 years; independent of backup retention)')
    .requiredOption('--tenant <name>', 'tenant')
    .option('--days <n>', 'set it to this many days')
    .action(
      runLocal(async ({ session: s, out }, o: { tenant: string; days?: string }) => {
        const tenantId = await existingTenantId(s, o.tenant);
        if (o.days !== undefined) await s.services.audit.setRetention(tenantId, Number(o.days), cliActor());
        const days = await s.services.audit.retentionDays(tenantId);
        out.result({ days }, () => say(`${days} days`));
      }),
    );

  audit
    .command('forward')
    .description("Forward a tenant's new entries to a SIEM webhook (POST, JSON Lines), or stop with --off")
    .requiredOption('--tenant <name>', 'tenant')
    .option('--url <url>', 'the webhook')
    .option('--off', 'stop forwarding')
    .action(
      runLocal(async ({ session: s, out }, o: { tenant: string; url?: string; off?: boolean }) => {
        if (!o.url && !o.off) throw new OrgVaultError('VALIDATION_FAILED', 'Say --url URL or --off');
        const url = o.off ? null : o.url!;
        await s.services.audit.setForwarding(await existingTenantId(s, o.tenant), url, cliActor());
        out.result({ forwarding: url }, () => undefined);
      }),
    );
}
