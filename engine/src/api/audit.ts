/**
 * Which audit action each route is, and the observer that records it: one table, so a route's
 * code holds no auditing, and a new route without a line here fails its test
 * (engine/test/api/audit.test.ts). The API only translates: who, from where, which route, how it
 * ended; the audit service chains and keeps the entry.
 */
import type { Request } from 'express';
import { OrgVaultError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import type { AuditAction, AuditOutcome, AuditRecord, AuditService, AuditSource } from '../audit/index.js';
import type { Org } from '../orgs/registry.js';
import type { KeyPrincipal } from '../tenants/keys.js';
import { assertedUser, principalOf, type Caller } from './auth.js';
import { HTTP_STATUS } from './errors.js';
import { requestIdOf } from './request-id.js';
import type { RouteObserver } from './route.js';
import type { ApiServices } from './services.js';

type Params = Record<string, string | undefined>;
// Results are the routes' own answers, typed by their schemas; the table reads one id from each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Result = any;

interface RouteAudit {
  action: AuditAction | ((body: Record<string, unknown>) => AuditAction);
  /** False for reads of no customer data: recorded only when refused. */
  always: boolean;
  target?: (params: Params, result: Result) => string | null | undefined;
  /** Settings: the state before the change, read once the caller is authorized. */
  before?: (s: ApiServices, org: () => Promise<Org>, caller: Caller) => Promise<unknown>;
  /** What a succeeded action's entry keeps of its answer: counts and names, never values. */
  details?: (result: Result) => Record<string, unknown>;
}

const readOnly = (action: AuditAction): RouteAudit => ({ action, always: false });

/** Route id → audit action. */
export const ROUTE_AUDIT: Record<string, RouteAudit> = {
  getMe: readOnly('me.read'),
  listKeys: readOnly('keys.read'),
  createKey: { action: 'key.create', always: true, target: (_p, r) => r?.info?.id },
  revokeKey: { action: 'key.revoke', always: true, target: (p) => p.keyId },
  getAdminEmails: readOnly('settings.read'),
  putAdminEmails: {
    action: 'settings.admin-emails.change',
    always: true,
    before: async (s, _org, caller) => ({ emails: await s.tenantSettings.adminEmails(caller.scope.tenantId) }),
  },
  getSubscription: readOnly('settings.read'),
  listOrgs: readOnly('org.read'),
  // The operator routes (the local admin key) act in no tenant: only a tenant key's refusal is recorded, in its own trail.
  listAllOrgs: readOnly('org.read'),
  resolveOrg: readOnly('org.read'),
  listAllDisconnectedOrgs: readOnly('org.read'),
  resolveDisconnectedOrg: readOnly('org.read'),
  findTenant: readOnly('settings.read'),
  ensureTenant: readOnly('settings.read'),
  connectOrg: { action: 'org.connect', always: true, target: (_p, r) => r?.org?.id },
  // The login in the browser is begun here; its end (oauth-callback.ts) records org.connect or org.reconnect.
  beginOrgLogin: { action: 'org.login.begin', always: true },
  beginOrgReconnect: { action: 'org.login.begin', always: true },
  listDisconnectedOrgs: readOnly('org.read'),
  getOrg: readOnly('org.read'),
  updateOrg: { action: 'org.hide', always: true },
  disconnectOrg: { action: 'org.disconnect', always: true },
  deleteOrgBackups: { action: 'org.backups.delete', always: true },
  listObjects: readOnly('org.read'),
  startJob: { action: 'backup.run', always: true, target: (_p, r) => r?.id },
  listJobs: readOnly('jobs.read'),
  getJob: readOnly('jobs.read'),
  getMonitorSeries: readOnly('jobs.read'),
  jobEvents: readOnly('jobs.read'),
  createRecoveryPoint: { action: 'recovery-point.create', always: true, target: (_p, r) => r?.id },
  getBackupSettings: readOnly('settings.read'),
  putBackupSettings: {
    action: 'settings.backup.change',
    always: true,
    before: async (s, org) => s.schedule.getBackupSettings(await org()),
  },
  getCdpSettings: readOnly('settings.read'),
  putCdpSettings: { action: 'settings.cdp.change', always: true, before: async (s, org) => s.cdp.getSettings(await org()) },
  getPermissionCheckSettings: readOnly('settings.read'),
  putPermissionCheckSettings: {
    action: 'settings.permission-check.change',
    always: true,
    before: async (s, org) => s.permissionChecks.getSettings(await org()),
  },
  runPermissionCheck: { action: 'permission-check.run', always: true, target: (_p, r) => r?.id },
  getPermissionReport: readOnly('settings.read'),
  restore: {
    action: (body) => (body?.dryRun === true ? 'restore.dry-run' : 'restore.run'),
    always: true,
    target: (_p, r) => r?.runId,
  },
  listRestores: readOnly('restore.read'),
  getRestore: readOnly('restore.read'),
  restoreResults: { action: 'restore.results.read', always: true, target: (p) => p.runId },
  compare: { action: 'compare.run', always: true },
  // Record values and names: customer data, so every read is kept.
  recordHistory: { action: 'record.history.read', always: true, target: (p) => p.recordId },
  deletedRecords: { action: 'records.deleted.read', always: true },
  checkOrgStore: { action: 'store.check', always: true },
  getOrgDoctor: readOnly('org.read'),
  getInstallDoctor: readOnly('org.read'),
  listAudit: readOnly('audit.read'),
  exportAudit: { action: 'audit.export', always: true },
  listLegalHolds: readOnly('legal-hold.read'),
  createLegalHold: { action: 'legal-hold.create', always: true, target: (_p, r) => r?.id },
  releaseLegalHold: { action: 'legal-hold.release', always: true, target: (p) => p.holdId },
  // Erasure: who asked (the request's entry), who approved, when, and how many versions and files went — no value, no record id.
  listErasures: readOnly('erasure.read'),
  getErasure: readOnly('erasure.read'),
  createErasure: { action: 'erasure.request', always: true, target: (_p, r) => r?.id, details: (r) => erasureCounts(r, 'dryRun') },
  erasureDryRun: { action: 'erasure.dry-run', always: true, target: (p) => p.erasureId, details: (r) => erasureCounts(r, 'dryRun') },
  approveErasure: { action: 'erasure.approve', always: true, target: (p) => p.erasureId, details: (r) => erasureCounts(r, 'run') },
  getRetentionPolicy: readOnly('settings.read'),
  putRetentionPolicy: {
    action: 'retention.policy.change',
    always: true,
    before: async (s, org) => (await s.retention.policy(await org())).policy,
  },
  listPruneRuns: readOnly('settings.read'),
  startPrune: { action: 'prune.run', always: true, target: (_p, r) => r?.id, details: (r) => pruneCounts(r) },
};

/** An erasure's entry: who asked and who approved, and counts only (its dry run's, or what its run removed). */
function erasureCounts(r: Result, which: 'dryRun' | 'run'): Record<string, unknown> {
  const base = { reference: r.reference, requestedBy: r.requestedBy, approvedBy: r.approvedBy, status: r.status };
  if (which === 'dryRun')
    return { ...base, records: r.dryRun?.recordIds.length ?? 0, versions: r.dryRun?.versions ?? 0, files: r.dryRun?.files ?? 0 };
  return { ...base, versionsRemoved: r.versionsRemoved, filesDeleted: r.filesDeleted, fileRefsRemoved: r.fileRefsRemoved };
}

function pruneCounts(r: Result): Record<string, unknown> {
  return { versionsRemoved: r.versionsRemoved, filesDeleted: r.filesDeleted, bytesReclaimed: r.bytesBefore - r.bytesAfter + r.fileBytes };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINTABLE = /^[\x20-\x7e]{1,255}$/;

/** Where the request came from, as the client says (the package's Apex and the CLI send it). */
export const CLIENT_HEADER = 'x-orgvault-client';
function sourceOf(req: Request): AuditSource {
  const client = req.get(CLIENT_HEADER)?.toLowerCase();
  return client === 'page' || client === 'cli' ? client : 'api';
}

function outcomeOf(outcome: { result: unknown } | { error: unknown }): { outcome: AuditOutcome; code: string | null } {
  if (!('error' in outcome)) return { outcome: 'succeeded', code: null };
  const code = outcome.error instanceof OrgVaultError ? outcome.error.code : 'INTERNAL';
  return { outcome: HTTP_STATUS[code] < 500 ? 'refused' : 'failed', code };
}

/** Settings before/after may be large: past the trail's limit only the fact of the change is kept. */
function changeDetails(before: unknown, after: unknown): Record<string, unknown> {
  const details = { before: before ?? null, after: after ?? null };
  return JSON.stringify(details).length > 12_000 ? { omitted: 'settings too large to keep before and after' } : details;
}

/** True when the org id names an org the caller's key reaches (no id: nothing foreign to hide). */
async function isOwnOrg(s: ApiServices, principal: KeyPrincipal, orgId: string | undefined): Promise<boolean> {
  if (orgId === undefined) return true;
  if (!UUID.test(orgId)) return false;
  // Disconnected orgs with kept backups included: their holds and deletion are still asked for.
  return s.orgs.getWithBackups({ tenantId: principal.tenantId, orgId: principal.orgId }, orgId).then(
    () => true,
    () => false,
  );
}

/** Records each request the table says to; a trail that cannot be written is logged, never the action's failure. */
export function auditObserver(s: ApiServices, audit: AuditService, log: Logger): RouteObserver {
  const before = new WeakMap<Request, unknown>();
  return {
    begun: async (route, req, caller) => {
      const spec = ROUTE_AUDIT[route.id];
      if (!spec?.before) return;
      const orgId = String(req.params.orgId ?? '');
      before.set(req, await spec.before(s, () => s.orgs.get(caller.scope, orgId), caller));
    },
    ended: async (route, req, outcome) => {
      const spec = ROUTE_AUDIT[route.id];
      const principal = principalOf(req);
      // The local admin key before it names a tenant has no trail to write to.
      if (!spec || !principal || principal.tenantId === '') return;
      const { outcome: result, code } = outcomeOf(outcome);
      if (!spec.always && (result !== 'refused' || (code !== 'FORBIDDEN' && code !== 'NOT_FOUND'))) return;
      const params = req.params as Params;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const value = 'result' in outcome ? outcome.result : undefined;
      const orgId = route.id === 'connectOrg' ? (value as Result)?.org?.id : params.orgId;
      // A refused request may carry another tenant's ids: it names its route, and an org only when it is the caller's own.
      const own = result === 'succeeded' || (await isOwnOrg(s, principal, orgId));
      const target = result === 'succeeded' ? (spec.target?.(params, value) ?? params.orgId ?? null) : `${req.method} /api/v1${route.path}`;
      const entry: AuditRecord = {
        tenantId: principal.tenantId,
        orgId: own && orgId && UUID.test(orgId) ? orgId : null,
        actor: assertedUser(req) ?? `key:${principal.keyId}`,
        keyId: principal.keyId,
        source: sourceOf(req),
        action: typeof spec.action === 'function' ? spec.action(body) : spec.action,
        target: target && PRINTABLE.test(target) ? target : null,
        outcome: result,
        code,
        requestId: requestIdOf(req),
        details: result !== 'succeeded' ? null : spec.before ? changeDetails(before.get(req), value) : (spec.details?.(value) ?? null),
      };
      await audit.record(entry).catch((err: unknown) => log.error({ err, route: route.id }, 'audit entry could not be written'));
    },
  };
}
