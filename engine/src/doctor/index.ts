/**
 * What stands between an install and working backups, named one problem at a time with what to do:
 * the database and blob store, and for each connected org its tokens, the API requests left today,
 * the permissions a backup needs (Query All Files among them) and the Change Data Capture
 * selection continuous protection relies on. It only reads; `orgvault doctor` and the page's
 * details ask the same service.
 */
import { OrgVaultError } from '../errors.js';
import type { Org } from '../orgs/registry.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { readOrgLimits } from '../salesforce/org-limits.js';
import { readEffectivePermissions } from '../salesforce/permissions.js';
import { changeEventName, selectedEvents } from '../salesforce/cdc-selection.js';
import { REQUIRED_USER_PERMISSIONS } from '../schedule/permission-check/report.js';

export const DOCTOR_CHECKS = ['configuration', 'database', 'blob-store', 'token', 'api-limits', 'permissions', 'cdc-selection'] as const;
export type DoctorCheck = (typeof DOCTOR_CHECKS)[number];

export interface DoctorProblem {
  check: DoctorCheck;
  /** The org the problem is in; absent for the install's own parts. */
  orgId?: string;
  /** What is broken, in one line: "database", "Acme (00D...): token". */
  subject: string;
  message: string;
  action: string;
}

export interface DoctorReport {
  checkedAt: Date;
  ok: boolean;
  orgs: number;
  problems: DoctorProblem[];
}

export interface DoctorDeps {
  /** 'ok' or what went wrong, by service (infra/stack.ts readiness). */
  readiness(): Promise<{ database: string; blob: string }>;
  listConnected(): Promise<Org[]>;
  /** The org's live connection (the one jobs use). */
  connectionTo(orgId: string): Promise<OrgConnection>;
  /** The objects continuous protection is on for; none when it is off. */
  protectedObjects(org: Org): Promise<string[]>;
}

const RECONNECT = 'Reconnect the org (Reconnect on its tile) so OrgVault gets new tokens.';

/** Fewer requests than this (or 1% of the limit) left under the budget cap: the next backup pauses soon. */
const API_RESERVE = 100;

export class Doctor {
  constructor(private readonly deps: DoctorDeps) {}

  /** The whole install: its services, then every connected org. */
  async install(): Promise<DoctorReport> {
    const checkedAt = new Date();
    const ready = await this.deps.readiness();
    const problems: DoctorProblem[] = [];
    if (ready.blob !== 'ok')
      problems.push({
        check: 'blob-store',
        subject: 'blob store',
        message: ready.blob,
        action: 'Check AZURE_STORAGE_CONNECTION_STRING and the network (or Azurite under the data directory).',
      });
    if (ready.database !== 'ok') {
      problems.push({
        check: 'database',
        subject: 'database',
        message: ready.database,
        action: 'Check DATABASE_URL and that PostgreSQL runs (embedded: restart `npm start`).',
      });
      return { checkedAt, ok: false, orgs: 0, problems };
    }
    const orgs = await this.deps.listConnected();
    for (const org of orgs) problems.push(...(await this.org(org)));
    return { checkedAt, ok: problems.length === 0, orgs: orgs.length, problems };
  }

  /** One org: can we get a token, how many API requests are left, what may its user do, what does CDC select. */
  async org(org: Org): Promise<DoctorProblem[]> {
    const about = (check: DoctorCheck, message: string, action: string): DoctorProblem => ({
      check,
      orgId: org.id,
      subject: `${org.name} (${org.sfOrgId}): ${check}`,
      message,
      action,
    });
    let conn: OrgConnection;
    try {
      conn = await this.deps.connectionTo(org.id);
      // A renewal now, not at the next expiry: a revoked refresh token shows today, not mid-backup.
      if (conn.tokens.canRefresh) await conn.tokens.refresh((await conn.tokens.session()).accessToken);
    } catch (err) {
      const e = OrgVaultError.is(err) ? err : null;
      return [about('token', `no session: ${e ? e.message : (err as Error).message}`, e?.actions[0] ?? RECONNECT)];
    }
    const problems: DoctorProblem[] = [];
    const attempt = async (check: DoctorCheck, read: () => Promise<DoctorProblem[]>): Promise<void> => {
      try {
        problems.push(...(await read()));
      } catch (err) {
        // A session that cannot renew (access token only) ends here, at its first call.
        if (OrgVaultError.is(err, 'ORG_AUTH_FAILED'))
          problems.push(about('token', `no session: ${err.message}`, err.actions[0] ?? RECONNECT));
        else
          problems.push(
            about(
              check,
              `cannot be read: ${OrgVaultError.is(err) ? err.oneLine() : (err as Error).message}`,
              'Look at the org and its integration user, then run the doctor again.',
            ),
          );
      }
    };
    await attempt('api-limits', async () => apiLimits(conn, about));
    if (problems.some((p) => p.check === 'token')) return problems;
    await attempt('permissions', async () => permissions(conn, about));
    await attempt('cdc-selection', async () => cdcSelection(conn, await this.deps.protectedObjects(org), about));
    return problems;
  }
}

type About = (check: DoctorCheck, message: string, action: string) => DoctorProblem;

async function apiLimits(conn: OrgConnection, about: About): Promise<DoctorProblem[]> {
  const api = (await readOrgLimits(conn)).dailyApiRequests;
  if (!api || conn.budget.maySpend(Math.max(API_RESERVE, api.max * 0.01))) return [];
  const { capPercent, remaining } = conn.budget.snapshot();
  return [
    about(
      'api-limits',
      `${api.max - api.used} of ${api.max} daily API requests left; OrgVault's budget (${capPercent}% of the limit) leaves ${remaining ?? 0}`,
      "Backups pause at the budget until requests return: wait for the 24-hour window, lower other integrations' use, or raise the org's limit.",
    ),
  ];
}

async function permissions(conn: OrgConnection, about: About): Promise<DoctorProblem[]> {
  const effective = await readEffectivePermissions(conn);
  const user = conn.identity.username;
  return REQUIRED_USER_PERMISSIONS.filter((p) => (p.neededFor as readonly string[]).includes('backup'))
    .filter((p) => effective[`Permissions${p.permission}`] !== true)
    .map((p) => about('permissions', `${user} lacks ${p.label}`, `Grant ${p.label} to ${user} (a permission set): ${p.usedFor}`));
}

async function cdcSelection(conn: OrgConnection, objects: string[], about: About): Promise<DoctorProblem[]> {
  if (objects.length === 0) return [];
  const selected = await selectedEvents(conn);
  return objects
    .filter((o) => !selected.has(changeEventName(o)))
    .map((o) =>
      about(
        'cdc-selection',
        `continuous protection is on for ${o}, but Change Data Capture does not select ${changeEventName(o)}`,
        `Select ${o} in Setup → Change Data Capture, or switch protection off and on again (\`orgvault cdp on\`) so OrgVault selects it.`,
      ),
    );
}
