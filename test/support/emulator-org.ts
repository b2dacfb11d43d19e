import { Connection } from 'jsforce';
import type { EmulatorHandle } from '../emulator/server.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { TestEngine } from './engine.js';

/**
 * A new tenant (with the engine's default self-hosted settings: no subscription limits) and the
 * emulator's org connected to it by access token, or by refresh token (`renewable`: the engine can then renew expired sessions).
 */
export async function connectEmulatorOrg(
  engine: TestEngine,
  emulator: Pick<EmulatorHandle, 'instanceUrl' | 'accessToken'> & Partial<Pick<EmulatorHandle, 'refreshToken'>>,
  tenantName: string,
  options: { renewable?: boolean } = {},
): Promise<Org> {
  const tenant = await engine.services.tenants.create(tenantName);
  const { orgId } = await engine.services.connect(
    tenant.id,
    options.renewable
      ? { kind: 'refreshToken', loginUrl: emulator.instanceUrl, clientId: 'orgvault-tests', refreshToken: emulator.refreshToken! }
      : { kind: 'accessToken', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
  );
  return engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
}

/** POSTs to the emulator's admin endpoint (faults, limits, sessions): the emulator must run with `admin`. */
export async function emulatorAdmin(emulator: Pick<EmulatorHandle, 'instanceUrl'>, route: string, body: unknown): Promise<void> {
  const res = await fetch(`${emulator.instanceUrl}/__emulator/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // Thrown rather than expect()ed: benchmarks (outside jest) import this module too.
  if (!res.ok) throw new Error(`emulator admin ${route} answered ${res.status}: ${await res.text()}`);
}

/** A jsforce connection that renews its session with the refresh token, as a real client would. */
export function refreshingConnection(emulator: Pick<EmulatorHandle, 'instanceUrl' | 'accessToken' | 'refreshToken'>): Connection {
  return new Connection({
    oauth2: { loginUrl: emulator.instanceUrl, clientId: 'orgvault-tests' },
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    refreshToken: emulator.refreshToken,
    version: '62.0',
  });
}
