import type { EmulatorHandle } from '../emulator/server.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { TestEngine } from './engine.js';

/**
 * A new tenant with an enterprise subscription and the emulator's org connected to it by access
 * token, or by refresh token (`renewable`: the engine can then renew expired sessions).
 */
export async function connectEmulatorOrg(
  engine: TestEngine,
  emulator: Pick<EmulatorHandle, 'instanceUrl' | 'accessToken'> & Partial<Pick<EmulatorHandle, 'refreshToken'>>,
  tenantName: string,
  options: { renewable?: boolean } = {},
): Promise<Org> {
  const tenant = await engine.services.tenants.create(tenantName);
  await engine.services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
  const { orgId } = await engine.services.connect(
    tenant.id,
    options.renewable
      ? { kind: 'refreshToken', loginUrl: emulator.instanceUrl, clientId: 'orgvault-tests', refreshToken: emulator.refreshToken! }
      : { kind: 'accessToken', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  );
  return engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
}
