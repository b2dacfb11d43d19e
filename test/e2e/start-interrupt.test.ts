/**
 * Ctrl-C while `npm start`'s first (demo) backup runs, as a terminal sends it: SIGINT to the whole
 * process group. The engine owns the order — it stops taking work, lets the passes checkpoint,
 * then stops PostgreSQL and Azurite, which the terminal's signal does not reach.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { Connection } from 'jsforce';
import { alive, azuritePid, launch, launcherEnv, postmasterPid, waitFor } from '../support/launcher.js';
import { ROOT } from '../support/cli.js';
import { expectExportEquals, orgStateNow } from '../support/backup-checks.js';
import { startEmulator } from '../emulator/server.js';
import { loadConfig } from '../../engine/src/config/load.js';
import { createLogger } from '../../engine/src/infra/logger.js';
import { startInfra } from '../../engine/src/infra/stack.js';
import { createServices } from '../../engine/src/services.js';

const RECORDS = 3000;
const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Attachment', 'ContentVersion'];

/** Every process in these process groups (the launcher's, PostgreSQL's, Azurite's). */
function processesIn(groups: number[]): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid='], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, pgid]) => groups.includes(pgid!))
    .map(([pid]) => pid!);
}

describe('Ctrl-C during the first backup', () => {
  let env: Record<string, string>;
  let pgUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    const run = await launcherEnv('orgvault-interrupt-');
    ({ dataDir, pgUrl } = run);
    env = {
      ...run.env,
      ORGVAULT_DEMO: '',
      ORGVAULT_DEMO_RECORDS: String(RECORDS),
      // Small pages: the backup checkpoints often and is still running when the signal comes.
      ORGVAULT_BULK_PAGE_RECORDS: '100',
      LOG_LEVEL: 'info',
    };
  });

  it('ends every process within 10 s, in order, logging no error and no line over 2,000 characters', async () => {
    const run = launch(env);
    await waitFor(() => run.stdout().includes('First full backup started'), 120_000, 'the demo backup to start');
    const db = new pg.Client({ connectionString: pgUrl });
    await db.connect();
    const stored = async (): Promise<number> =>
      Number((await db.query(`SELECT coalesce(sum(records), 0)::int AS n FROM orgvault.backup_job_objects`)).rows[0].n);
    await waitFor(async () => (await stored()) > 0, 60_000, 'the first stored page');
    const { rows: before } = await db.query<{ status: string }>('SELECT status FROM orgvault.backup_jobs');
    await db.end();
    expect(before).toEqual([{ status: 'running' }]);

    const groups = [run.child.pid!, postmasterPid(dataDir), azuritePid(dataDir)];
    expect(processesIn(groups).length).toBeGreaterThanOrEqual(3);
    process.kill(-run.child.pid!, 'SIGINT');
    await waitFor(() => processesIn(groups).length === 0, 10_000, 'every process of the engine, PostgreSQL and Azurite to end');
    expect(await run.exited).toBe(0);
    expect(groups.filter(alive)).toEqual([]);

    expect(run.stdout()).not.toMatch(/First full backup (succeeded|partial|failed)/);
    const lines = `${run.stdout()}\n${run.stderr()}`.split('\n');
    expect(lines.filter((l) => l.length > 2000).map((l) => l.slice(0, 200))).toEqual([]);
    const errors = lines.filter((l) => /"level":(50|60)/.test(l));
    expect(errors).toEqual([]);
    expect(run.stdout()).toContain('"msg":"stopping"');
  });

  it('the next start resumes the job: it succeeds with no object failed, and the export equals the org', async () => {
    const run = launch(env);
    try {
      await waitFor(() => /First full backup (succeeded|partial|failed)/.test(run.stdout()), 180_000, 'the resumed backup');
      expect(run.stdout()).toMatch(/Resuming the interrupted first full backup: job/);
      expect(run.stdout()).toMatch(/First full backup succeeded/);

      // The running engine's services, as a CLI command shares them.
      const config = loadConfig({ ...process.env, ...env }, ROOT);
      const infra = await startInfra(config, createLogger('silent'));
      const services = await createServices({ config, log: createLogger('silent'), infra });
      try {
        const { rows: jobs } = await infra.pool.query<{ id: string; org_id: string; status: string; finished_at: Date }>(
          'SELECT id, org_id, status, finished_at FROM backup_jobs',
        );
        expect(jobs.map((j) => j.status)).toEqual(['succeeded']);
        const { rows: failed } = await infra.pool.query(`SELECT object FROM backup_job_objects WHERE status <> 'succeeded'`);
        expect(failed).toEqual([]);
        // The demo's org, generated again from the same seed.
        const emulator = await startEmulator({ records: RECORDS, seed: 1 });
        try {
          const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
          await expectExportEquals({ services }, jobs[0]!.org_id, jobs[0]!.finished_at, await orgStateNow(conn, OBJECTS));
        } finally {
          await emulator.stop();
        }
      } finally {
        await services.stop();
        await infra.stop();
      }
    } finally {
      process.kill(-run.child.pid!, 'SIGINT');
      await run.exited;
    }
  });
});
