/** Flag parsing every command shares, and tenants by name for the in-process commands. */
import { OrgVaultError } from '../errors.js';
import type { CliSession } from './session.js';

/** A tenant that must exist (see TenantService.named). */
export async function existingTenantId(s: CliSession, name: string): Promise<string> {
  return (await s.services.tenants.named(name)).id;
}

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

/** --from-job ID or --at TIME: the point a restore or compare reads the backup at (as the API takes it). */
export const pointOf = (o: { fromJob?: string; at?: string }, flags = ['--from-job', '--at']): { jobId: string } | { at: string } => {
  if (o.fromJob) return { jobId: o.fromJob };
  if (o.at) return { at: parseTime(flags[1]!, o.at).toISOString() };
  throw new OrgVaultError('VALIDATION_FAILED', `Say which backup with ${flags.join(' or ')}`);
};

/** A yes/no flag's value. */
export function parseBool(flag: string, value: string): boolean {
  if (/^(true|on|yes)$/i.test(value)) return true;
  if (/^(false|off|no)$/i.test(value)) return false;
  throw new OrgVaultError('VALIDATION_FAILED', `${flag} ${value} is not true or false`);
}

/** A whole number flag. */
export function parseCount(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new OrgVaultError('VALIDATION_FAILED', `${flag} ${value} is not a whole number`);
  return n;
}
