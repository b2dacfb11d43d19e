import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../../../test/emulator/server.js';
import { openConnection, type ConnectionOptions, type OrgConnection } from '../../../src/salesforce/connection.js';
import { EMULATOR_ORIGINS } from '../../../../test/support/origins.js';

/** Short pauses so retry paths run quickly in tests. */
export const FAST_RETRY = { attempts: 6, baseDelayMs: 5, maxDelayMs: 50 };
export const FAST_POLL = { initialDelayMs: 5, maxDelayMs: 50 };

export interface TestOrg {
  emu: EmulatorHandle;
  /** Calls the emulator's test-only admin endpoint. */
  admin(path: string, body?: unknown, method?: string): Promise<unknown>;
  /** A fresh access token (refresh-token grant), for connections that cannot renew. */
  accessToken(): Promise<string>;
  /** A connection that renews its token with the emulator's refresh token. */
  connect(options?: ConnectionOptions): Promise<OrgConnection>;
  stop(): Promise<void>;
}

export async function startTestOrg(options: EmulatorOptions = {}): Promise<TestOrg> {
  const emu = await startEmulator({ records: 2000, admin: true, ...options });
  return {
    emu,
    admin: async (path, body, method = 'POST') => {
      const res = await fetch(`${emu.instanceUrl}/__emulator${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    },
    accessToken: async () => {
      const res = await fetch(`${emu.instanceUrl}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: emu.refreshToken, client_id: 'orgvault-test' }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
    connect: (o = {}) =>
      openConnection(
        { kind: 'refreshToken', loginUrl: emu.instanceUrl, clientId: 'orgvault-test', refreshToken: emu.refreshToken },
        { retry: FAST_RETRY, origins: EMULATOR_ORIGINS, ...o },
      ),
    stop: () => emu.stop(),
  };
}
