/**
 * `orgvault` with an engine running for its data directory: every command goes through the engine's
 * API (no PostgreSQL, no Azurite of its own), every action of the page's tile has a command whose
 * effect the API shows, and every command answers `--json` with one JSON document.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { cliEnv, ROOT } from '../support/cli.js';
import { buildProgram, leafCommands } from '../../engine/src/cli/program.js';
import type { Org } from '../../engine/src/orgs/registry.js';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

describe('orgvault through a running engine', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let key: string;
  const scratch = mkdtempSync(path.join(tmpdir(), 'orgvault-cli-'));

  /**
   * Only the data directory: without the engine's API the command would have to start PostgreSQL
   * and Azurite there itself (the test then finds their folders).
   */
  const cli = (args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }): Promise<Ran> => {
    const child = spawn(process.execPath, ['bin/orgvault.js', ...args], {
      cwd: ROOT,
      env: { ...env, ORGVAULT_DATA_DIR: engine.ctx.config.dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
  };
  /** A command the API does not offer runs in-process, on the engine's database and store. */
  const local = (args: string[]): Promise<Ran> => cli(args, cliEnv(engine));
  const json = async (args: string[], run = cli): Promise<Record<string, unknown>> => {
    const r = await run([...args, '--json']);
    expect({ args, code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ args, code: 0, err: '' });
    return JSON.parse(r.out) as Record<string, unknown>;
  };
  const api = async (route: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${engine.url}/api/v1/orgs/${org.id}${route}`, {
      headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' },
    });
    expect({ route, status: res.status }).toEqual({ route, status: 200 });
    return (await res.json()) as Record<string, unknown>;
  };
  const onOrg = (args: string[]): string[] => [...args, '--org', org.id];

  beforeAll(async () => {
    emulator = await startEmulator({ records: 200, seed: 34 });
    // A connected app for the browser logins `org connect` and `org reconnect` begin.
    engine = await startTestEngine({
      worker: { pollMs: 200 },
      runner: { reconcileEveryMs: 0 },
      env: { ORGVAULT_OAUTH_CLIENT_ID: 'OrgVaultCli' },
    });
    org = await connectEmulatorOrg(engine, emulator, 'cli-api');
    key = (await engine.services.keys.create(org.tenantId, { name: 'test' })).key;
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it("walks the tile's actions through the CLI; the API shows each effect", async () => {
    // Back up now, then View details.
    const job = await json(onOrg(['backup', 'run', '--wait']));
    expect(job.status).toBe('succeeded');
    expect(await json(onOrg(['job', String(job.id)]))).toEqual(await api(`/jobs/${String(job.id)}`));
    // The tile's figures and the last job's (orgvault status); the age moves between the two asks.
    const protection = await json(onOrg(['status']));
    const tile = await api('');
    expect(protection).toEqual({
      org: { id: org.id, name: org.name },
      protection: { ...(tile.protection as object), newestPointAgeMs: expect.any(Number) },
      continuousProtection: false,
      currentJob: null,
      lastJob: await api(`/jobs/${String(job.id)}`),
    });

    // View details' charts: the same series through the CLI and the API.
    expect(await json(onOrg(['monitor', '--days', '3']))).toEqual(await api('/monitor?days=3'));

    // Generate recovery point.
    const point = await json(onOrg(['recovery-point', '--objects', 'Account', '--at', new Date().toISOString()]));
    expect(await api(`/jobs/${String(point.id)}`)).toMatchObject({ kind: 'recovery_point', objects: ['Account'] });

    // Configure permission check settings; Check permissions now.
    await json(onOrg(['settings', 'permission-check', '--enabled', 'false', '--every', '3', '--unit', 'day']));
    expect(await api('/permission-check/settings')).toMatchObject({ enabled: false, intervalCount: 3, intervalUnit: 'day' });
    const check = await json(onOrg(['permissions', 'check']));
    expect(check).toMatchObject({ id: expect.any(String) });
    expect(await eventually(() => api('/permission-check/report'))).toMatchObject({ orgId: org.id });

    // Configure backup settings.
    await json(onOrg(['settings', 'backup', '--jobs-per-day', '2', '--start-time', '03:00', '--exclude-objects', 'Lead']));
    expect(await api('/backup-settings')).toMatchObject({ jobsPerDay: 2, startTime: '03:00', excludedObjects: ['Lead'] });

    // Hide / Show.
    expect(await json(onOrg(['org', 'hide']))).toMatchObject({ hidden: true });
    expect(await api('')).toMatchObject({ hidden: true });
    await json(onOrg(['org', 'show']));
    expect(await api('')).toMatchObject({ hidden: false });

    // Continuous protection on, its status, off.
    await json(onOrg(['cdp', 'on', '--objects', 'Account']));
    expect(await api('/cdp')).toMatchObject({ enabled: true, objects: ['Account'] });
    const status = await json(onOrg(['cdp', 'status']));
    expect(status).toMatchObject({ enabled: true, objects: ['Account'] });
    expect(status).toHaveProperty('lagSeconds'); // null until the change stream has caught up once
    await json(onOrg(['cdp', 'off']));
    expect(await api('/cdp')).toMatchObject({ enabled: false });
  }, 300_000); // fifteen CLI processes and a backup: well past jest's default 120 s on a loaded machine

  it('answers every command with one JSON document, through the API without a PostgreSQL of its own', async () => {
    const jobs = (await json(onOrg(['jobs']))).jobs as Array<{ id: string; kind: string }>;
    const jobId = jobs.find((j) => j.kind === 'full')!.id;
    // A hold for `hold release` to release, placed through the API (one CLI process fewer).
    const admin = { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator' };
    const placed = await fetch(`${engine.url}/api/v1/orgs/${org.id}/legal-holds`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Case 7', recordIds: ['001000000000001AAA'] }),
    });
    const hold = (await placed.json()) as { id: string };
    // Any backed-up record, of whichever object holds one.
    let recordId = '';
    let recordObject = '';
    // Another record of the same object, for `erasure` to erase.
    let erased = '';
    for (const object of await engine.services.store.objects(org.id)) {
      for await (const id of engine.services.store.idsAt({ orgId: org.id, object, at: new Date('2100-01-01T00:00:00Z') })) {
        if (recordId) {
          erased = id;
          break;
        }
        [recordId, recordObject] = [id, object];
      }
      if (erased) break;
    }
    expect(recordId).not.toBe('');
    // An erasure request for `erasure approve` to approve (another administrator than ann).
    const asked = await fetch(`${engine.url}/api/v1/orgs/${org.id}/erasures`, {
      method: 'POST',
      headers: { ...admin, 'X-OrgVault-User': 'ann@example.com', 'Content-Type': 'application/json' },
      body: JSON.stringify({ reference: 'DSR-6', recordIds: [erased] }),
    });
    const request = (await asked.json()) as { id: string };
    // The same Salesforce org in a tenant of its own: an OrgVault org to disconnect with its backups.
    // By refresh token: disconnecting revokes that one, not the access token the org above works with.
    const gone = await connectEmulatorOrg(engine, emulator, 'cli-gone', { renewable: true });
    // And one to disconnect first and delete the backups of later (before `gone` revokes the refresh token).
    const later = await connectEmulatorOrg(engine, emulator, 'cli-later', { renewable: true });
    const every: Array<[string[], typeof cli]> = [
      [['org', 'list'], cli],
      [onOrg(['org', 'hide']), cli],
      [onOrg(['org', 'show']), cli],
      [['org', 'connect', '--tenant', 'cli-api', '--sandbox'], cli],
      [onOrg(['org', 'reconnect']), cli],
      [['org', 'add', '--tenant', 'cli-api', '--instance-url', emulator.instanceUrl, '--access-token', emulator.accessToken], local],
      [['tenant', 'admins', '--tenant', 'cli-api', '--set', 'ops@example.com'], cli],
      [['tenant', 'subscription', '--tenant', 'cli-api'], local],
      [onOrg(['backup', 'run', '--objects', 'Account', '--wait']), cli],
      [onOrg(['status']), cli],
      [onOrg(['monitor']), cli],
      [onOrg(['jobs']), cli],
      [['job', '--org', org.id, jobId], cli],
      [onOrg(['usage']), local],
      [onOrg(['export', '--object', 'Account', '--out', path.join(scratch, 'accounts.csv')]), local],
      [['check'], local],
      [['doctor'], cli],
      [onOrg(['cdp', 'status']), cli],
      [onOrg(['cdp', 'on', '--objects', 'Contact']), cli],
      [onOrg(['cdp', 'off']), cli],
      [onOrg(['recovery-point', '--objects', 'Account']), cli],
      [onOrg(['settings', 'backup']), cli],
      [onOrg(['settings', 'permission-check']), cli],
      [onOrg(['permissions', 'check']), cli],
      [onOrg(['permissions', 'report']), cli],
      [onOrg(['restore', '--from-job', jobId, '--objects', 'Account', '--mode', 'deleted', '--dry-run']), cli],
      [onOrg(['restore', '--from-job', jobId, '--objects', 'Account', '--mode', 'changed', '--wait']), cli],
      [onOrg(['restores']), cli],
      [onOrg(['compare', '--from-job', jobId, '--objects', 'Account']), cli],
      [['history', '--org', org.id, '--object', recordObject, recordId], cli],
      [onOrg(['deleted', '--objects', 'Account,Contact', '--since', '2020-01-01T00:00:00Z']), cli],
      [['audit', '--tenant', 'cli-api', '--out', path.join(scratch, 'audit.jsonl')], local],
      [['audit', 'verify', '--tenant', 'cli-api'], local],
      [['audit', 'retention', '--tenant', 'cli-api'], local],
      [['audit', 'forward', '--tenant', 'cli-api', '--off'], local],
      // Before the org-wide hold below, which prune and erasure obey.
      [onOrg(['retention', '--keep-all-days', '30', '--monthly-years', '1']), cli],
      [onOrg(['prune', 'run']), cli],
      [onOrg(['prune', 'list']), cli],
      [onOrg(['erasure', 'request', '--reference', 'DSR-7', '--records', erased, '--as', 'ann@example.com']), cli],
      [onOrg(['erasure', 'list']), cli],
      [['erasure', 'dry-run', '--org', org.id, request.id], cli],
      [['erasure', 'approve', '--org', org.id, request.id, '--as', 'bob@example.com'], cli],
      [['erasure', 'status', '--org', org.id, request.id], cli],
      [onOrg(['hold', 'create', '--name', 'Audit FY2026']), cli],
      [onOrg(['hold', 'list', '--all']), cli],
      [['hold', 'release', '--org', org.id, String(hold.id)], cli],
      [['org', 'disconnect', '--org', gone.id, '--delete-backups', '--yes'], cli],
    ];
    // The table above holds every command there is: a new command joins it.
    const tried = new Set(every.map(([args]) => commandOf(args)));
    expect(leafCommands(buildProgram()).filter((c) => !tried.has(c.join(' ')))).toEqual([]);
    for (const [args, run] of every) expect(await json(args, run)).toEqual(expect.any(Object));
    expect(await json(['erasure', 'status', '--org', org.id, request.id])).toMatchObject({ status: 'done', approvedBy: 'bob@example.com' });
    // Delete backups of an org disconnected earlier, its backups kept (the page's Disconnected organizations).
    await engine.services.orgs.disconnect({ tenantId: later.tenantId, orgId: null }, later.id);
    const kept = (await json(['org', 'list', '--disconnected'])).orgs as Array<{ id: string; tenant: { name: string } }>;
    expect(kept).toContainEqual(expect.objectContaining({ id: later.id, tenant: expect.objectContaining({ name: 'cli-later' }) }));
    expect(await json(['org', 'disconnect', '--org', later.id, '--delete-backups', '--yes'])).toMatchObject({ packs: 0 });
    expect(((await json(['org', 'list', '--disconnected'])).orgs as Array<{ id: string }>).map((o) => o.id)).not.toContain(later.id);
    // Record history as the page reads it: the same document through the CLI and the API.
    expect(await json(['history', '--org', org.id, recordId])).toEqual(await api(`/records/${recordId}/history`));
    const config = engine.ctx.config;
    expect(['postgres', 'azurite', 'embedded.json'].filter((f) => existsSync(path.join(config.dataDir, f)))).toEqual([]);
  }, 300_000);

  it('a bad flag exits 2 naming it; a restore without --mode refuses with the three modes', async () => {
    const bad = await cli(['jobs', '--bogus', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--bogus');
    expect(JSON.parse(bad.out)).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('--bogus') } });

    const unconfirmed = await cli(onOrg(['org', 'disconnect', '--delete-backups', '--json']));
    expect(unconfirmed.code).toBe(2);
    expect(JSON.parse(unconfirmed.out)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', actions: [expect.stringContaining('--yes')] },
    });
    expect(await api('')).toMatchObject({ id: org.id });

    const modeless = await cli(onOrg(['restore', '--at', new Date().toISOString(), '--objects', 'Account', '--json']));
    expect(modeless.code).toBe(2);
    const { error } = JSON.parse(modeless.out) as { error: { actions: string[] } };
    expect(error.actions.map((a) => /--mode (\w+)/.exec(a)?.[1])).toEqual(['changed', 'deleted', 'overwrite']);
  });
});

/** The command words of an argument list: what comes before the first flag. */
const commandOf = (args: string[]): string => {
  const flag = args.findIndex((a) => a.startsWith('-'));
  return (flag < 0 ? args : args.slice(0, flag)).join(' ');
};

async function eventually<T>(read: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
