/**
 * `npx orgvault ...`: thin commands over the engine's services (the same ones the API calls).
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { OrgVaultError } from '../errors.js';
import { openSession, resolveOrg, type CliSession } from './session.js';
import type { OrgCredentials } from '../salesforce/credentials.js';
import { exportRecords, type ExportFormat } from '../backup/export.js';
import { apiUsage } from '../backup/jobs.js';
import { exitNow, interruptedCode, onShutdown } from '../infra/shutdown.js';
import { MAX_DEPTH, type RestoreMode, type RestoreOutcome } from '../restore/restore.js';

async function withSession<T>(fn: (s: CliSession) => Promise<T>): Promise<T> {
  let session: CliSession | undefined;
  // A command cut short by Ctrl-C still closes what it opened, and says so with 128 + signal.
  onShutdown(async () => session?.close(), { exitCode: interruptedCode });
  const s = (session = await openSession());
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function findTenant(s: CliSession, name: string): Promise<string | undefined> {
  const { rows } = await s.ctx.infra.pool.query<{ id: string }>('SELECT id FROM tenants WHERE name = $1 ORDER BY created_at LIMIT 1', [
    name,
  ]);
  return rows[0]?.id;
}

/** Connecting an org makes its tenant on first use. */
async function tenantId(s: CliSession, name: string): Promise<string> {
  return (await findTenant(s, name)) ?? (await s.services.tenants.create(name)).id;
}

/** Settings of a tenant that must exist: a mistyped name must not make a new, empty tenant. */
async function existingTenantId(s: CliSession, name: string): Promise<string> {
  const id = await findTenant(s, name);
  if (id) return id;
  throw new OrgVaultError('NOT_FOUND', `No tenant is named "${name}"`, {
    actions: ['Pass --tenant with the name an org was connected under (`npx orgvault org add --tenant NAME`).'],
  });
}

const table = (rows: ReadonlyArray<object>): void => {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v ?? ''));
  const text = rows.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(cols)}\n${text.map(line).join('\n')}\n`);
};

function parseTime(flag: string, value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new OrgVaultError('VALIDATION_FAILED', `${flag} ${value} is not a time`, {
      actions: ['Use ISO-8601, e.g. 2026-11-26T10:00:00Z.'],
    });
  return at;
}

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** --from-job ID or --at TIME: the point a restore or compare reads the backup at. */
const pointOf = (o: { fromJob?: string; at?: string }, flags = ['--from-job', '--at']): { jobId: string } | { at: Date } => {
  if (o.fromJob) return { jobId: o.fromJob };
  if (o.at) return { at: parseTime('--at', o.at) };
  throw new OrgVaultError('VALIDATION_FAILED', `Say which backup with ${flags.join(' or ')}`);
};

const program = new Command('orgvault').description('Backup and continuous data protection for Salesforce orgs').showHelpAfterError();

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
    let credentials: OrgCredentials;
    if (o.sfOrg) credentials = { kind: 'sfCli', usernameOrAlias: o.sfOrg };
    else if (o.accessToken && o.instanceUrl) credentials = { kind: 'accessToken', accessToken: o.accessToken, instanceUrl: o.instanceUrl };
    else if (o.refreshToken && o.clientId)
      credentials = {
        kind: 'refreshToken',
        loginUrl: o.loginUrl!,
        clientId: o.clientId,
        refreshToken: o.refreshToken,
        ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}),
      };
    else if (o.jwtKeyFile && o.clientId && o.username)
      credentials = {
        kind: 'jwt',
        loginUrl: o.loginUrl!,
        clientId: o.clientId,
        username: o.username,
        privateKey: readFileSync(o.jwtKeyFile, 'utf8'),
      };
    else
      throw new OrgVaultError('VALIDATION_FAILED', 'Say how to reach the org', {
        actions: [
          'Use --sf-org ALIAS, or --instance-url URL --access-token TOKEN, or --refresh-token T --client-id ID, or --jwt-key-file F --client-id ID --username U.',
        ],
      });
    await withSession(async (s) => {
      const { orgId } = await s.services.connect(await tenantId(s, o.tenant!), credentials);
      const { rows } = await s.ctx.infra.pool.query('SELECT name, sf_org_id, time_zone, is_sandbox FROM orgs WHERE id = $1', [orgId]);
      process.stdout.write(
        `Connected ${rows[0].name} (${rows[0].sf_org_id}${rows[0].is_sandbox ? ', sandbox' : ''}, ${rows[0].time_zone}) as ${orgId}\n`,
      );
    });
  });
org
  .command('list')
  .description('Connected organizations')
  .action(() =>
    withSession(async (s) => {
      const { rows } = await s.ctx.infra.pool.query(
        'SELECT id, sf_org_id AS "sfOrgId", name, is_sandbox AS sandbox, time_zone AS "timeZone", hidden FROM orgs WHERE disconnected_at IS NULL ORDER BY connected_at',
      );
      table(rows);
    }),
  );

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

const backup = program.command('backup').description('Backups');
backup
  .command('run')
  .description('Back up now: all objects in scope, or the ones named')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--objects <names>', 'comma-separated object API names')
  .option('--wait', 'run the job in this process and wait for it, with a progress bar')
  .action((o: { org?: string; objects?: string; wait?: boolean }) =>
    withSession(async (s) => {
      const ref = await resolveOrg(s, o.org);
      const target = await s.services.orgs.get({ tenantId: ref.tenantId, orgId: null }, ref.id);
      const objects = o.objects
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const job = await s.services.jobs.start(target, { ...(objects ? { objects } : {}), by: 'cli' });
      process.stdout.write(`Job ${job.id} (${job.kind}) queued for ${target.name}\n`);
      if (!o.wait) return;
      await s.services.worker.start();
      const bar = new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {value}/{total} objects | {records} records | {status}', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1, 0, { records: 0, status: 'queued' });
      let detail = await s.services.jobs.get(target, job.id);
      while (['queued', 'running', 'paused'].includes(detail.status)) {
        await new Promise((r) => setTimeout(r, 500));
        detail = await s.services.jobs.get(target, job.id);
        bar.setTotal(Math.max(1, detail.progress.objectsTotal));
        bar.update(detail.progress.objectsDone, { records: detail.progress.records, status: detail.status });
      }
      bar.stop();
      const failed = detail.objectDetails.filter((x) => x.status === 'failed');
      process.stdout.write(
        `Job ${job.id} ${detail.status}: ${detail.progress.records} records, ${detail.progress.files} files, ${detail.progress.apiCalls} API calls` +
          (failed.length ? `; failed: ${failed.map((f) => `${f.name} (${f.error})`).join(', ')}` : '') +
          '\n',
      );
      // A partial job failed some objects: a script must be able to tell.
      if (detail.status !== 'succeeded') process.exitCode = 1;
    }),
  );

program
  .command('jobs')
  .description('Backup jobs, newest first')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--limit <n>', 'how many', '20')
  .action((o: { org?: string; limit: string }) =>
    withSession(async (s) => {
      const ref = await resolveOrg(s, o.org);
      const target = await s.services.orgs.get({ tenantId: ref.tenantId, orgId: null }, ref.id);
      table(
        (await s.services.jobs.list(target, { limit: Number(o.limit) })).map((j) => ({
          id: j.id,
          kind: j.kind,
          trigger: j.trigger,
          status: j.status,
          queued: j.queuedAt,
          finished: j.finishedAt,
          objects: `${j.progress.objectsDone}/${j.progress.objectsTotal}`,
          records: j.progress.records,
          apiCalls: j.progress.apiCalls,
          error: j.error ?? j.reason ?? '',
        })),
      );
    }),
  );

program
  .command('usage')
  .description("API calls the org's backup jobs spent per day")
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--days <n>', 'how many days back', '7')
  .action((o: { org?: string; days: string }) =>
    withSession(async (s) => {
      const target = await resolveOrg(s, o.org);
      table(await apiUsage(s.ctx.infra.pool, target.id, Number(o.days)));
    }),
  );

program
  .command('export')
  .description('The records of one object as they were at a time, from the backup alone')
  .requiredOption('--object <name>', 'object API name')
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--at <time>', 'ISO-8601 time (default: now)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
  .option('--out <file>', 'write here instead of stdout')
  .action((o: { object: string; org?: string; at?: string; format: ExportFormat; out?: string }) =>
    withSession(async (s) => {
      const at = o.at ? parseTime('--at', o.at) : new Date();
      const target = await resolveOrg(s, o.org);
      const out = o.out ? createWriteStream(o.out) : process.stdout;
      const n = await exportRecords(s.services.store, { orgId: target.id, object: o.object, at, format: o.format }, out);
      if (o.out)
        await new Promise<void>((resolve, reject) =>
          (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
      process.stderr.write(`${n} ${o.object} records as of ${at.toISOString()}\n`);
    }),
  );

/** Per object: records backed up, to create, update, relink, the fields that change, API calls. */
const planTable = (outcome: RestoreOutcome): void =>
  table(
    outcome.objects.map((p) => ({
      object: p.object,
      backedUp: p.backedUp,
      create: p.create,
      update: p.update,
      relink: p.relink,
      fields: Object.entries(p.fieldsChanged)
        .map(([f, n]) => `${f}:${n}`)
        .join(' '),
      apiCalls: p.apiCalls,
    })),
  );

program
  .command('restore')
  .description('Restore records from a backup job, recovery point or time, in place or into another org (try --dry-run first)')
  .option('--org <ref>', 'the org whose backup is read (default: the only one)')
  .option('--from-job <id>', 'a backup job or recovery point')
  .option('--at <time>', 'ISO-8601 time')
  .requiredOption('--objects <names>', 'comma-separated object API names')
  .option('--records <ids>', 'comma-separated record ids (default: every record of the objects)')
  .option('--depth <n>', 'also their children (child relationships) down n levels, 0-5, and the parents they need')
  .addOption(new Option('--mode <mode>', 'what to write').choices(['changed', 'deleted', 'overwrite']).default('changed'))
  .option('--target-org <ref>', 'write into this connected org instead (e.g. a sandbox)')
  .option('--dry-run', 'show what would change and the API calls it would cost; write nothing')
  .option('--wait', 'run the restore in this process and wait for it, with a progress bar (else an engine runs it)')
  .option('--results <file>', 'with --wait: write the per-record results (CSV) here')
  .action(
    (o: {
      org?: string;
      fromJob?: string;
      at?: string;
      objects: string;
      records?: string;
      depth?: string;
      mode: RestoreMode;
      targetOrg?: string;
      dryRun?: boolean;
      wait?: boolean;
      results?: string;
    }) =>
      withSession(async (s) => {
        const source = await resolveOrg(s, o.org);
        const target = o.targetOrg ? await resolveOrg(s, o.targetOrg) : source;
        const records = list(o.records);
        const depth = o.depth === undefined ? undefined : Number(o.depth);
        if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0 && depth <= MAX_DEPTH))
          throw new OrgVaultError('VALIDATION_FAILED', `--depth ${o.depth} is not a whole number from 0 to ${MAX_DEPTH}`);
        const queued = await s.services.restore.enqueue({
          orgId: source.id,
          targetOrgId: target.id,
          ...pointOf(o),
          objects: list(o.objects) ?? [],
          ...(records ? { recordIds: records } : {}),
          ...(depth !== undefined ? { depth } : {}),
          mode: o.mode,
          dryRun: !!o.dryRun,
          by: 'cli',
        });
        if (queued.dryRun) {
          planTable(queued);
          process.stdout.write(
            `Dry run as of ${queued.at.toISOString()} into ${target.name}: about ${queued.apiCalls} API calls to write (${queued.planningCalls} spent reading). Nothing was written.\n`,
          );
          return;
        }
        process.stdout.write(`Restore ${queued.runId} queued into ${target.name}\n`);
        if (!o.wait) {
          process.stderr.write('A running engine (npm start) runs it; follow it with `orgvault restores`.\n');
          return;
        }
        await s.services.restoreWorker.start(queued.runId!);
        const bar = new cliProgress.SingleBar(
          { format: ' {bar} {percentage}% | {value}/{total} records | {status}', stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1, 0, { status: 'queued' });
        let run = queued;
        while (run.status === 'queued' || run.status === 'running') {
          await new Promise((r) => setTimeout(r, 500));
          run = await s.services.restore.status(source.id, queued.runId!);
          bar.setTotal(Math.max(1, run.progress.total));
          bar.update(run.progress.done, { status: run.status });
        }
        bar.stop();
        planTable(run);
        process.stdout.write(
          `Restore ${run.runId} ${run.status} into ${target.name}: ${run.succeeded} records written, ${run.failed} failed, ${run.apiCalls} API calls` +
            (run.error ? `; ${run.error}` : '') +
            '\n',
        );
        if (o.results) writeFileSync(o.results, await s.services.restore.ledger.resultsCsv(target.id, run.runId!));
        if (run.status !== 'succeeded' || run.failed > 0) process.exitCode = 1;
      }),
  );

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
    (o: {
      org?: string;
      fromJob?: string;
      at?: string;
      toJob?: string;
      toAt?: string;
      targetOrg?: string;
      objects: string;
      records?: string;
    }) =>
      withSession(async (s) => {
        const source = await resolveOrg(s, o.org);
        const side = async (p: { jobId: string } | { at: Date }) => ({ at: await s.services.restore.resolveAt(source.id, p) });
        const against = o.targetOrg ? await resolveOrg(s, o.targetOrg) : undefined;
        const records = list(o.records);
        const result = await s.services.compare.compare({
          orgId: source.id,
          from: await side(pointOf(o)),
          to:
            o.toJob || o.toAt
              ? await side(pointOf({ fromJob: o.toJob, at: o.toAt }, ['--to-job', '--to-at']))
              : { live: true, ...(against ? { orgId: against.id } : {}) },
          objects: list(o.objects) ?? [],
          ...(records ? { recordIds: records } : {}),
        });
        table(
          result.map((c) => ({
            object: c.object,
            added: c.added.length,
            deleted: c.deleted.length,
            changed: c.changed.length,
            fields: Object.entries(c.fieldCounts)
              .map(([f, n]) => `${f}:${n}`)
              .join(' '),
          })),
        );
        for (const c of result)
          for (const d of c.details)
            for (const f of d.fields)
              process.stdout.write(`${c.object} ${d.id} ${f.field}: ${f.from ?? '(null)'} -> ${f.to ?? '(null)'}\n`);
      }),
  );

program
  .command('restores')
  .description("Restore runs of an org's backup, newest first: queued, running (with progress) or finished")
  .option('--org <ref>', 'org id, Salesforce org id or name (default: the only one)')
  .option('--limit <n>', 'how many', '20')
  .action((o: { org?: string; limit: string }) =>
    withSession(async (s) => {
      const source = await resolveOrg(s, o.org);
      table(
        (await s.services.restore.runs.list(source.id, Number(o.limit))).map((r) => ({
          id: r.id,
          status: r.status,
          mode: r.request.mode,
          target: r.targetOrgId,
          at: r.at,
          queued: r.createdAt,
          finished: r.finishedAt,
          records: r.progress ? `${r.progress.done}/${r.progress.total}` : '',
          succeeded: r.summary?.succeeded ?? '',
          failed: r.summary?.failed ?? '',
          error: r.error ?? '',
        })),
      );
    }),
  );

program
  .command('check')
  .description('Verify the store: structure, and with --read-data a share of the stored data decrypted and re-hashed')
  .option('--read-data <percent>', 'share of packs and files to read back, 0-100', '0')
  .action((o: { readData: string }) =>
    withSession(async (s) => {
      const report = await s.services.store.check({ readDataPercent: Number(o.readData) });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (report.problems.length > 0) process.exitCode = 1;
    }),
  );

program.parseAsync(process.argv).then(
  () => exitNow(Number(process.exitCode ?? 0)),
  (err: unknown) => {
    process.stderr.write(`orgvault: ${err instanceof OrgVaultError ? err.oneLine() : ((err as Error)?.message ?? String(err))}\n`);
    exitNow(1);
  },
);
