/**
 * Scripts and cron jobs read the CLI's exit code: every command ends 0 when it did what it was
 * asked and non-zero when it did not (1 failed, 2 bad input, 3 partial) — also when a library's
 * exit hook would rather say 0.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';
import { runCli } from '../support/cli.js';
import type { Org } from '../../engine/src/orgs/registry.js';

describe('orgvault exit codes', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let org: Org;
  let jobId: string;
  const cli = async (args: string[]): Promise<{ code: number | null; out: string; err: string }> => {
    // The CLI runs what it is asked to wait for itself (ORGVAULT_ENGINE_URL=off); the rest asks the engine.
    const r = await runCli(engine, args, args.includes('--wait') ? { ORGVAULT_ENGINE_URL: 'off' } : {});
    return { code: r.code, out: r.stdout, err: r.stderr };
  };
  const faults = async (body: unknown): Promise<void> => {
    const res = await fetch(`${emulator.instanceUrl}/__emulator/faults`, {
      method: body === null ? 'DELETE' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(body === null ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.ok).toBe(true);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1000, seed: 61, admin: true });
    // The CLI runs what it is asked to wait for; this engine's workers take nothing.
    engine = await startTestEngine({ worker: { maxJobs: 0 }, restoreWorker: { maxRuns: 0 }, runner: { reconcileEveryMs: 0 } });
    org = await connectEmulatorOrg(engine, emulator, 'exit-codes');
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  it('backup run --wait: 0 when the job succeeds, 1 when it fails', async () => {
    const ok = await cli(['backup', 'run', '--org', org.id, '--wait']);
    expect([ok.code, ok.out]).toEqual([0, expect.stringMatching(/Job (\S+) succeeded/)]);
    jobId = /Job (\S+) succeeded/.exec(ok.out)![1]!;

    // The backup's Bulk queries fail; REST queries (which opening the org's connection makes) still answer.
    await faults({ errorRules: [{ pathPattern: '/jobs/query', rate: 1, status: 400, errorCode: 'MALFORMED_QUERY', message: 'refused' }] });
    try {
      const failed = await cli(['backup', 'run', '--org', org.id, '--objects', 'Account', '--wait']);
      expect([failed.code, failed.out]).toEqual([1, expect.stringMatching(/Job \S+ failed/)]);
    } finally {
      await faults(null);
    }
  });

  it('reading commands: 0 on success, 1 when what they name is not there, 2 on a bad argument', async () => {
    for (const args of [['org', 'list'], ['jobs'], ['usage'], ['restores'], ['export', '--object', 'Account']]) {
      const r = await cli([...args, ...(args[0] === 'org' ? [] : ['--org', org.id])]);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
    }
    const compared = await cli(['compare', '--org', org.id, '--from-job', jobId, '--objects', 'Account']);
    expect([compared.code, compared.out]).toEqual([0, expect.stringMatching(/^object\s+added/)]);

    for (const [code, args] of [
      [1, ['jobs', '--org', 'no-such-org']],
      [2, ['export', '--org', org.id, '--object', 'Account', '--at', 'not-a-time']],
      [2, ['compare', '--org', org.id, '--objects', 'Account']],
      [2, ['jobs', '--bogus']],
    ] as const) {
      const r = await cli([...args]);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.err).toMatch(/^(orgvault: |error: )/);
    }
  });

  it('restore --wait: 0 when every record is written, 1 when the run fails', async () => {
    const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const ids = (
      await conn.query<{ Id: string }>('SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Case) ORDER BY Id LIMIT 4')
    ).records.map((r) => r.Id);
    expect(ids).toHaveLength(4);
    await conn.sobject('Account').destroy(ids);
    const restore = (records: string[]) =>
      cli([
        'restore',
        '--org',
        org.id,
        '--from-job',
        jobId,
        '--objects',
        'Account',
        '--records',
        records.join(','),
        '--mode',
        'deleted',
        '--wait',
      ]);

    const dry = await cli(['restore', '--org', org.id, '--from-job', jobId, '--objects', 'Account', '--mode', 'deleted', '--dry-run']);
    expect(dry.code).toBe(0);
    const ok = await restore(ids.slice(0, 2));
    expect([ok.code, ok.out]).toEqual([0, expect.stringMatching(/Restore \S+ succeeded .*: 2 records written, 0 failed/)]);

    // Refused both ways back: undelete (SOAP) and re-create.
    await faults({
      errorRules: ['/composite/sobjects', '/services/Soap'].map((pathPattern) => ({
        pathPattern,
        rate: 1,
        status: 400,
        errorCode: 'INVALID_FIELD',
        message: 'refused',
      })),
    });
    try {
      const failed = await restore(ids.slice(2));
      expect(failed.code).toBe(1);
      expect(failed.out).toMatch(/Restore \S+ (failed|succeeded)/);
    } finally {
      await faults(null);
    }
  });

  it('check: 0 for a sound store, 1 when it finds damage', async () => {
    const sound = await cli(['check', '--read-data', '100']);
    const report = JSON.parse(sound.out) as { ok: boolean; problems: unknown[] };
    expect({ code: sound.code, ok: report.ok, problems: report.problems }).toEqual({ code: 0, ok: true, problems: [] });

    // Stands for damage below the application: the write-once trigger is bypassed on purpose.
    const { pool } = engine.ctx.infra;
    await pool.query('ALTER TABLE packs DISABLE TRIGGER packs_write_once');
    await pool.query(`UPDATE packs SET data = set_byte(data, 20, get_byte(data, 20) # 1) WHERE id = (SELECT id FROM packs LIMIT 1)`);
    await pool.query('ALTER TABLE packs ENABLE TRIGGER packs_write_once');
    const damaged = await cli(['check', '--read-data', '100']);
    expect({ code: damaged.code, report: JSON.parse(damaged.out) as unknown }).toMatchObject({ code: 1, report: { ok: false } });
  });
});
