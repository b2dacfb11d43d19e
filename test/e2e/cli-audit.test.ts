/**
 * `orgvault audit` and `orgvault audit verify` as an operator runs them: the trail exported as
 * JSON Lines or CSV with filters, and a chain a superuser edited behind the engine's back makes
 * verify exit non-zero naming the entry.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import pg from 'pg';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { runCli } from '../support/cli.js';
import { testDatabaseUrl } from '../support/db.js';

describe('orgvault audit', () => {
  let engine: TestEngine;
  let tenantId: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    tenantId = (await engine.services.tenants.create('Acme')).id;
    const audit = engine.services.audit;
    await audit.record({ tenantId, actor: 'ann@example.com', source: 'page', action: 'backup.run', target: 'job-1', outcome: 'succeeded' });
    await audit.record({ tenantId, actor: 'bob@example.com', source: 'api', action: 'restore.run', outcome: 'refused', code: 'FORBIDDEN' });
    await audit.record({ tenantId, actor: 'schedule', source: 'schedule', action: 'backup.run', target: 'job-2', outcome: 'succeeded' });
  }, 60_000);
  afterAll(async () => {
    await engine.close();
  });

  it('exports the trail oldest first, filtered, as JSON Lines or CSV, and records the export', async () => {
    const all = await runCli(engine, ['audit', '--tenant', 'Acme']);
    expect([all.code, all.stderr]).toEqual([0, '3 audit entries\n']);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; actor: string; action: string });
    expect(lines.map((l) => [l.seq, l.actor, l.action])).toEqual([
      [1, 'ann@example.com', 'backup.run'],
      [2, 'bob@example.com', 'restore.run'],
      [3, 'schedule', 'backup.run'],
    ]);
    const csv = await runCli(engine, [
      'audit',
      '--action',
      'backup.run',
      '--actor',
      'schedule',
      '--format',
      'csv',
      '--since',
      '2020-01-01T00:00:00Z',
    ]);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/^3,.*,schedule,,schedule,backup\.run,job-2,succeeded,/);
    const exported = await engine.services.audit.list({ tenantId, action: 'audit.export' }, { limit: 10 });
    expect(exported.entries.map((e) => [e.source, e.actor.startsWith('operator:')])).toEqual([
      ['cli', true],
      ['cli', true],
    ]);

    const unknown = await runCli(engine, ['audit', '--action', 'restore.everything']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('--action restore.everything is not an audit action')]);
  });

  it('verify passes an intact chain and names the entry a superuser changed', async () => {
    const intact = await runCli(engine, ['audit', 'verify']);
    expect([intact.code, intact.stdout]).toEqual([0, `tenant ${tenantId}: 5 entries, chain intact\n`]);

    const client = new pg.Client({ connectionString: testDatabaseUrl(), options: `-c search_path=${engine.schema}` });
    await client.connect();
    try {
      // The engine's own connection cannot; a superuser switching triggers off can.
      await expect(client.query("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2")).rejects.toThrow(/append-only/);
      await client.query('SET session_replication_role = replica');
      await client.query("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2");
    } finally {
      await client.end();
    }
    const tampered = await runCli(engine, ['audit', 'verify', '--tenant', 'Acme']);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toBe(`tenant ${tenantId}: entry 2 does not fit: its content does not match its hash (it was changed)\n`);
  });
});
