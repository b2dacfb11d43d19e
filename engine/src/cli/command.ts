/**
 * How a command runs: it gets a client (a running engine's API, or this process's services) and
 * an output (--json or words), and says how it ended. Adding a command is one `.action(run(...))`:
 *
 *   program.command('jobs').option('--org <ref>', ORG_HELP)
 *     .action(run(async ({ client, out }, o: { org?: string }) => {
 *       const org = await resolveOrg(client, o.org);
 *       const { jobs } = await client.call<JobList>('listJobs', onOrg(org));
 *       out.result(jobs, () => table(jobs));
 *     }));
 */
import type { Command } from 'commander';
import { OrgVaultError } from '../errors.js';
import { interruptedCode, onShutdown } from '../infra/shutdown.js';
import { openClient } from './client.js';
import type { CallInput, EngineClient } from './engine-client.js';
import { EXIT, output, type Outcome, type Output } from './output.js';
import type { CliSession } from './session.js';

export interface Run {
  client: EngineClient;
  out: Output;
}

/** Every command takes --json (program.ts). */
const jsonOf = (cmd: Command): boolean => Boolean(cmd.opts<{ json?: boolean }>().json);

/** Closes what it opened also when Ctrl-C cuts the command short (and says so with 128 + signal). */
async function opened<T extends { close(): Promise<void> }>(
  open: () => Promise<T>,
  use: (it: T) => Promise<Outcome | void>,
): Promise<void> {
  const holder: { it?: T } = {};
  onShutdown(async () => holder.it?.close(), { exitCode: interruptedCode });
  const it = (holder.it = await open());
  try {
    process.exitCode = EXIT[(await use(it)) ?? 'done'];
  } finally {
    await it.close();
  }
}

/** A command over the engine's API (through whichever client answers here). */
export function run<O>(fn: (run: Run, options: O) => Promise<Outcome | void>) {
  return (options: O, cmd: Command): Promise<void> => opened(openClient, (client) => fn({ client, out: output(jsonOf(cmd)) }, options));
}

/**
 * A command the API does not offer (operator work on the store or the tenants' contracts): it runs
 * on services in this process, sharing the embedded PostgreSQL and Azurite of a running engine.
 */
export function runLocal<O>(fn: (run: { session: CliSession; out: Output }, options: O) => Promise<Outcome | void>) {
  return (options: O, cmd: Command): Promise<void> =>
    opened(
      async () => (await import('./session.js')).openSession(),
      (session) => fn({ session, out: output(jsonOf(cmd)) }, options),
    );
}

/** An org as the operator routes answer it. */
export interface OrgRef {
  id: string;
  name: string;
  sfOrgId: string;
  hidden: boolean;
  tenant: { id: string; name: string };
}

export const ORG_HELP = 'org id, Salesforce org id or name (default: the only one)';

/** The org a command means: by OrgVault id, Salesforce org id or name; the only one when omitted. */
export const resolveOrg = (client: EngineClient, ref: string | undefined): Promise<OrgRef> =>
  client.call<OrgRef>('resolveOrg', { query: { ref } });

/** The org a command on kept backups means (legal holds, deleting backups): connected, or disconnected with its backups kept. */
export async function resolveOrgWithBackups(
  client: EngineClient,
  ref: string | undefined,
): Promise<Pick<OrgRef, 'id' | 'name' | 'tenant'>> {
  try {
    return await resolveOrg(client, ref);
  } catch (err) {
    if (!(err instanceof OrgVaultError) || err.code !== 'NOT_FOUND') throw err;
    return client.call<Pick<OrgRef, 'id' | 'name' | 'tenant'>>('resolveDisconnectedOrg', { query: { ref } });
  }
}

/** A call on one org's resource, in its tenant. */
export const onOrg = (org: Pick<OrgRef, 'id' | 'tenant'>, more: Omit<CallInput, 'tenantId'> = {}): CallInput => ({
  ...more,
  tenantId: org.tenant.id,
  params: { orgId: org.id, ...more.params },
});
