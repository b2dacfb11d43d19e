/**
 * `orgvault doctor` names each broken thing, one line each, as they are broken one by one: the
 * org's API requests nearly spent, Query All Files taken from the integration user, the refresh
 * token revoked, the database gone. The page's details ask the same checks (GET /orgs/{id}/doctor).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg, emulatorAdmin } from '../support/emulator-org.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import type { Org } from '../../engine/src/orgs/registry.js';

interface Report {
  ok: boolean;
  problems: Array<{ check: string; subject: string; message: string }>;
}

describe('orgvault doctor', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let admin: Connection;
  const doctor = async (extra: Record<string, string> = {}) => {
    const text = await runCli(engine, ['doctor'], extra);
    const json = await runCli(engine, ['doctor', '--json'], extra);
    return { code: text.code, lines: text.stdout.trim().split('\n'), report: JSON.parse(json.stdout) as Report, jsonCode: json.code };
  };
  const apiLimit = async (): Promise<{ Max: number; Remaining: number }> =>
    ((await admin.request('/services/data/v62.0/limits')) as { DailyApiRequests: { Max: number; Remaining: number } }).DailyApiRequests;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 50, seed: 220, admin: true });
    engine = await startTestEngine({ worker: { maxJobs: 0 }, restoreWorker: { maxRuns: 0 }, runner: { reconcileEveryMs: 0 } });
    org = await connectEmulatorOrg(engine, emulator, 'doctor', { renewable: true });
    admin = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('finds nothing wrong in a sound install, then names each thing broken in turn', async () => {
    const sound = await doctor();
    expect({ code: sound.code, lines: sound.lines, report: sound.report }).toMatchObject({
      code: 0,
      lines: [expect.stringMatching(/^No problems found \(1 connected org\(s\) checked\)/)],
      report: { ok: true, problems: [] },
    });

    // API requests nearly spent: the org allows a few more than it has used.
    const before = await apiLimit();
    await emulatorAdmin(emulator, 'limits', { DailyApiRequests: before.Max - before.Remaining + 40 });
    const spent = await doctor();
    expect([spent.code, spent.jsonCode]).toEqual([1, 1]);
    expect(spent.lines).toEqual([expect.stringMatching(/^.*\(00D\w+\): api-limits: \d+ of \d+ daily API requests left; .* — /)]);
    expect(spent.report.problems.map((p) => p.check)).toEqual(['api-limits']);
    await emulatorAdmin(emulator, 'limits', { DailyApiRequests: before.Max });

    // Query All Files taken from every permission set of the integration user.
    const sets = (
      await admin.query<{ PermissionSetId: string }>(
        `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${emulator.userId}'`,
      )
    ).records;
    const grant = (value: boolean) =>
      emulatorAdmin(emulator, 'mutate', {
        ops: sets.map((s) => ({ kind: 'update', id: s.PermissionSetId, fields: { PermissionsQueryAllFiles: value } })),
      });
    await grant(false);
    const noFiles = await doctor();
    expect(noFiles.code).toBe(1);
    expect(noFiles.lines).toEqual([expect.stringMatching(/: permissions: \S+ lacks Query All Files — Grant Query All Files/)]);
    const page = await fetch(`${engine.url}/api/v1/orgs/${org.id}/doctor`, {
      headers: { 'X-OrgVault-Key': (await engine.services.keys.create(org.tenantId, { name: 'page' })).key, 'X-OrgVault-Roles': 'viewer' },
    });
    expect(await page.json()).toMatchObject({ ok: false, problems: [{ check: 'permissions', orgId: org.id }] });
    await grant(true);

    // The refresh token revoked at Salesforce: no new session.
    const revoked = await fetch(`${emulator.instanceUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: emulator.refreshToken }),
    });
    expect(revoked.ok).toBe(true);
    const noToken = await doctor();
    expect(noToken.code).toBe(1);
    expect(noToken.lines).toEqual([expect.stringMatching(/: token: no session: .* — /)]);

    // The database gone (a CLI on its own services, pointed where no PostgreSQL listens).
    const down = await doctor({ ORGVAULT_ENGINE_URL: 'off', DATABASE_URL: `postgres://orgvault@127.0.0.1:${await freePort()}/orgvault` });
    expect({ code: down.code, jsonCode: down.jsonCode }).toEqual({ code: 1, jsonCode: 1 });
    expect(down.lines).toEqual([expect.stringMatching(/^database: PostgreSQL cannot be reached.* — /)]);
    expect(down.report).toMatchObject({ ok: false, problems: [{ check: 'database' }] });
  }, 300_000);
});
