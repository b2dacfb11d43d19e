/**
 * Which org the real-org suites run against, chosen before any test is declared:
 * - TEST_SF_ORG=<alias>: an org the sf CLI is logged in to (a scratch org from scripts/scratch-org.sh);
 * - otherwise, unless ORGVAULT_TEST_ORG_ONLY is set (`npm run test:org`), an emulator the sf CLI is
 *   logged in to in a throwaway home, reached exactly as a real org is: by alias, through
 *   @salesforce/core, REST only;
 * - TEST_ORG_DRIVER=emulator: the emulator through its in-process hooks (the suites' fault tests run too).
 */
import os from 'node:os';
import { expect, jest } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { SfCli } from '../emulator/support/sf-cli.js';
import { EmulatorOrgDriver } from './emulator-driver.js';
import { RestOrgDriver, type OrgDriver } from './org-driver.js';

export type OrgTarget =
  | { kind: 'sf-org'; alias: string; label: string }
  | { kind: 'emulator-rest' | 'emulator-hooks'; label: string }
  | { kind: 'none'; label: string; reason: string };

export function orgTarget(env: NodeJS.ProcessEnv = process.env): OrgTarget {
  const alias = env.TEST_SF_ORG?.trim();
  if (alias) return { kind: 'sf-org', alias, label: `the org "${alias}" (TEST_SF_ORG) through its REST API` };
  if (env.ORGVAULT_TEST_ORG_ONLY)
    return {
      kind: 'none',
      label: 'no org',
      reason:
        'TEST_SF_ORG is unset: set it to an org the sf CLI is logged in to (e.g. TEST_SF_ORG=orgvault after scripts/scratch-org.sh); ' +
        'npm test runs these suites against the emulator',
    };
  if (env.TEST_ORG_DRIVER === 'emulator') return { kind: 'emulator-hooks', label: 'the emulator through its in-process hooks' };
  return { kind: 'emulator-rest', label: 'an emulator as an sf CLI org, through its REST API' };
}

export interface OpenTarget {
  driver: OrgDriver;
  stop(): Promise<void>;
}

/** `records`: about how many records the emulator generates (a real org brings its own). */
export async function openOrgTarget(target: OrgTarget, records: number): Promise<OpenTarget> {
  if (target.kind === 'none') throw new Error(target.reason);
  if (target.kind === 'sf-org') {
    const driver = await RestOrgDriver.fromSfCli(target.alias);
    return { driver, stop: () => driver.close() };
  }
  const emulator = await startEmulator({ records, seed: 41, cdc: { entities: [], keepaliveMs: 200 } });
  if (target.kind === 'emulator-hooks') return { driver: new EmulatorOrgDriver(emulator), stop: () => emulator.stop() };
  const stop = async () => {
    jest.restoreAllMocks();
    await emulator.stop();
  };
  try {
    return { driver: await RestOrgDriver.fromSfCli(await sfCliLogin(emulator), pubSubEnv(emulator)), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function pubSubEnv(emulator: EmulatorHandle): Record<string, string> {
  return { ORGVAULT_PUBSUB_ENDPOINT: String(emulator.ready.pubSubEndpoint), ORGVAULT_PUBSUB_INSECURE_TLS: 'true' };
}

/**
 * Logs the real sf CLI in to the emulator in a throwaway home and points @salesforce/core (this
 * process's: the driver's and the engine's) at it; jest's process.env is a copy, so the home
 * directory is changed where @salesforce/core asks for it.
 */
async function sfCliLogin(emulator: EmulatorHandle): Promise<string> {
  const sf = new SfCli();
  const alias = 'orgvault-suite';
  const login = await sf.run(['org', 'login', 'access-token', '--instance-url', emulator.instanceUrl, '--no-prompt', '--alias', alias], {
    SF_ACCESS_TOKEN: emulator.accessToken,
  });
  expect(login.json.status).toBe(0);
  jest.spyOn(os, 'homedir').mockReturnValue(sf.home);
  process.env.SF_USE_GENERIC_UNIX_KEYCHAIN = 'true';
  return alias;
}
