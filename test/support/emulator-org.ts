import type { EmulatorHandle } from '../emulator/server.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { TestEngine } from './engine.js';

/** A new tenant with an enterprise subscription and the emulator's org connected to it by access token. */
export async function connectEmulatorOrg(
  engine: TestEngine,
  emulator: Pick<EmulatorHandle, 'instanceUrl' | 'accessToken'>,
  tenantName: string,
): Promise<Org> {
  const tenant = await engine.services.tenants.create(tenantName);
  await engine.services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
  const { orgId } = await engine.services.connect(tenant.id, {
    kind: 'accessToken',
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
  });
  return engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
}
