/** What every command shares: a session for the time it runs, tenants by name, tables, flag parsing. */
import { OrgVaultError } from '../errors.js';
import { interruptedCode, onShutdown } from '../infra/shutdown.js';
import { openSession, type CliSession } from './session.js';

export async function withSession<T>(fn: (s: CliSession) => Promise<T>): Promise<T> {
  const opened: { session?: CliSession } = {};
  // A command cut short by Ctrl-C still closes what it opened (also while opening), and says so with 128 + signal.
  onShutdown(async () => opened.session?.close(), { exitCode: interruptedCode });
  const s = (opened.session = await openSession());
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function findTenant(s: CliSession, name: string): Promise<string | undefined> {
  return (await s.services.tenants.findByName(name))?.id;
}

/** Connecting an org makes its tenant on first use. */
export async function tenantId(s: CliSession, name: string): Promise<string> {
  return (await findTenant(s, name)) ?? (await s.services.tenants.create(name)).id;
}

/** Settings of a tenant that must exist: a mistyped name must not make a new, empty tenant. */
export async function existingTenantId(s: CliSession, name: string): Promise<string> {
  const id = await findTenant(s, name);
  if (id) return id;
  throw new OrgVaultError('NOT_FOUND', `No tenant is named "${name}"`, {
    actions: ['Pass --tenant with the name an org was connected under (`npx orgvault org add --tenant NAME`).'],
  });
}

export const table = (rows: ReadonlyArray<object>): void => {
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

export function parseTime(flag: string, value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new OrgVaultError('VALIDATION_FAILED', `${flag} ${value} is not a time`, {
      actions: ['Use ISO-8601, e.g. 2026-11-26T10:00:00Z.'],
    });
  return at;
}

export const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** --from-job ID or --at TIME: the point a restore or compare reads the backup at. */
export const pointOf = (o: { fromJob?: string; at?: string }, flags = ['--from-job', '--at']): { jobId: string } | { at: Date } => {
  if (o.fromJob) return { jobId: o.fromJob };
  if (o.at) return { at: parseTime('--at', o.at) };
  throw new OrgVaultError('VALIDATION_FAILED', `Say which backup with ${flags.join(' or ')}`);
};
