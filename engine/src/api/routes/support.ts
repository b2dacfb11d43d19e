import type { ErrorCode } from '../../errors.js';
import type { Org } from '../../orgs/registry.js';
import type { ApiServices } from '../services.js';
import type { Caller } from '../auth.js';
import type { TileOut } from '../schemas.js';

/** The org of the path, within the caller's tenant and org scope — else NOT_FOUND. */
export function resolveOrg(services: ApiServices, caller: Caller, orgId: string): Promise<Org> {
  return services.orgs.get(caller.scope, orgId);
}

/** An org whose backups are kept, connected or disconnected: what legal holds, deleting backups, browsing and restoring from them reach. */
export function resolveOrgWithBackups(
  services: ApiServices,
  caller: Caller,
  orgId: string,
): Promise<Org & { disconnectedAt: Date | null }> {
  return services.orgs.getWithBackups(caller.scope, orgId);
}

/** Errors every org-scoped route can answer besides the common ones. */
export const ORG_ERRORS: ErrorCode[] = ['NOT_FOUND'];

/** An org as a tile: its row plus the last and current job, next start time and CDP state, each from the service that owns it. */
export async function toTile(services: ApiServices, org: Org): Promise<TileOut> {
  const [latest, nextBackupAt, cdpEnabled, protection] = await Promise.all([
    services.jobs.latest(org),
    services.schedule.nextBackupAt(org),
    services.cdp.enabled(org),
    services.jobs.protection(org),
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
    connection: org.reconnectNeeded ? 'reconnect_needed' : 'connected',
    reconnectReason: org.reconnectReason ?? null,
    protection,
  };
}
