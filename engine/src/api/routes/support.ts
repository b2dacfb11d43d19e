import { OrgVaultError, type ErrorCode } from '../../errors.js';
import type { Org } from '../../orgs/registry.js';
import type { ApiServices } from '../services.js';
import type { Caller } from '../auth.js';
import type { TileOut } from '../schemas.js';

/** The service a route needs, or SERVICE_UNAVAILABLE when this build does not have it yet. */
export function need<T>(service: T | undefined, what: string): T {
  if (!service) {
    throw new OrgVaultError('SERVICE_UNAVAILABLE', `${what} is not available in this engine build yet`, {
      actions: ['Upgrade the engine to a version that includes it.'],
    });
  }
  return service;
}

/** The org of the path, within the caller's tenant and org scope — else NOT_FOUND. */
export function resolveOrg(services: ApiServices, caller: Caller, orgId: string): Promise<Org> {
  return services.orgs.get(caller.scope, orgId);
}

const NEVER_BACKED_UP: TileOut['protection'] = {
  neverBackedUp: true,
  recordsProtected: 0,
  filesProtected: 0,
  bytesStored: 0,
  newestPointAt: null,
  newestPointAgeMs: null,
  warning: null,
};

/** Errors every org-scoped route can answer besides the common ones. */
export const ORG_ERRORS: ErrorCode[] = ['NOT_FOUND'];

/**
 * An org as a tile: its row plus the last and current job, next start time and CDP state, each
 * from the service that owns it. A service this build lacks contributes nothing (no jobs, no
 * schedule, CDP off), which is the truth for such a build.
 */
export async function toTile(services: ApiServices, org: Org): Promise<TileOut> {
  const [latest, nextBackupAt, cdpEnabled, protection] = await Promise.all([
    services.jobs ? services.jobs.latest(org) : { last: null, current: null },
    services.schedule ? services.schedule.nextBackupAt(org) : null,
    services.cdp ? services.cdp.enabled(org) : false,
    services.jobs ? services.jobs.protection(org) : NEVER_BACKED_UP,
  ]);
  const { last, current } = latest;
  return {
    id: org.id,
    name: org.name,
    sfOrgId: org.sfOrgId,
    instanceUrl: org.instanceUrl,
    isSandbox: org.isSandbox,
    timeZone: org.timeZone,
    hidden: org.hidden,
    connectedAt: org.connectedAt,
    lastJob: last && { id: last.id, status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt },
    currentJob: current && { id: current.id, status: current.status, startedAt: current.startedAt, progress: current.progress },
    nextBackupAt,
    cdpEnabled,
    protection,
  };
}
