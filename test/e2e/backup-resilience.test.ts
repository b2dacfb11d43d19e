/**
 * Faults cost retries, never data: errors, streams cut mid-CSV and mid-file, an expired session,
 * the API budget spent mid-job, and a worker killed with SIGKILL mid full backup.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { spawnCli } from '../support/cli.js';
import { waitForJob, orgStateNow, expectExportEquals, duplicateVersions, storedByJob } from '../support/backup-checks.js';
import { connectEmulatorOrg, emulatorAdmin as admin, refreshingConnection } from '../support/emulator-org.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Attachment', 'ContentVersion'];

async function connectByRefreshToken(engine: TestEngine, emulator: EmulatorHandle): Promise<Org> {
  return connectEmulatorOrg(engine, emulator, 'resilience', { renewable: true });
}

describe('backup under faults', () => {
  let emulator: EmulatorHandle | undefined;
  const engines: TestEngine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    await emulator?.stop();
  });

  it('5% errors, cut streams, an expired session and a spent API budget: the job pauses, retries, and loses nothing', async () => {
    emulator = await startEmulator({ records: 3000, seed: 21, admin: true });
    const engine = await startTestEngine({
      env: { ORGVAULT_API_BUDGET_PAUSE_SECONDS: '0.5', ORGVAULT_BULK_PAGE_RECORDS: '200' },
      runner: { reconcileEveryMs: 0 },
      worker: { pollMs: 200 },
    });
    engines.push(engine);
    const org = await connectByRefreshToken(engine, emulator);
    await admin(emulator, 'faults', {
      errorRules: [
        { pathPattern: '^/services/data/', rate: 0.05, status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Server unavailable' },
      ],
      resets: { csv: { afterBytes: 4000, times: 3 }, blob: { afterBytes: 64, times: 2 } },
    });

    const job = await engine.services.jobs.start(org, { by: 'resilience' });
    const seen = new Set<string>();
    let expired = false;
    let limited = false;
    const done = await waitForJob(engine, org, job.id, (d) => {
      seen.add(d.status);
      if (!expired && d.progress.records > 0) {
        expired = true;
        void admin(emulator!, 'sessions/expire', {});
      }
      if (expired && !limited && d.progress.objectsDone >= 2) {
        limited = true;
        // Every client's use counts: the org is now over our 50% share of its daily requests.
        void admin(emulator!, 'limits', { DailyApiRequests: 100 }).then(() =>
          setTimeout(() => void admin(emulator!, 'limits', { DailyApiRequests: 1_000_000 }), 2000),
        );
      }
    });
    expect(expired && limited).toBe(true);
    expect(seen.has('paused')).toBe(true);
    expect(done.objectDetails.filter((o) => o.status === 'failed')).toEqual([]);
    expect(done.status).toBe('succeeded');

    await fetch(`${emulator.instanceUrl}/__emulator/faults`, { method: 'DELETE' });
    const truth = await orgStateNow(refreshingConnection(emulator), OBJECTS);
    await expectExportEquals(engine, org.id, done.finishedAt!, truth);
  });

  it('a worker killed with SIGKILL mid full backup: another resumes the job from its checkpoints, and the export is exact', async () => {
    emulator = await startEmulator({ records: 6000, seed: 22, admin: true });
    const env = { ORGVAULT_WORKER_HEARTBEAT_SECONDS: '0.5', ORGVAULT_WORKER_STALE_SECONDS: '3', ORGVAULT_BULK_PAGE_RECORDS: '100' };
    // The first engine only connects the org; the job runs in a CLI process we then kill.
    const engine = await startTestEngine({ env, worker: { pollMs: 60_000, maxJobs: 0 } });
    engines.push(engine);
    const org = await connectByRefreshToken(engine, emulator);
    await admin(emulator, 'faults', { latencyMs: 25 });

    // ORGVAULT_ENGINE_URL=off: the CLI runs the job itself rather than following the engine's.
    const cli = spawnCli(engine, ['backup', 'run', '--org', org.id, '--wait'], { ...env, ORGVAULT_ENGINE_URL: 'off' });
    let out = '';
    cli.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => cli.stdout!.on('data', () => /Job \S+ \(full\) queued/.test(out) && resolve()));
    const jobId = /Job (\S+) \(full\) queued/.exec(out)![1]!;
    // Kill once some objects are stored and others are still on their way, one with files among
    // them: it spends most of its time fetching a stored page's files before counting the page.
    for (;;) {
      const d = await engine.services.jobs.get(org, jobId);
      const withFiles = d.objectDetails.some(
        (o) => ['Attachment', 'ContentVersion'].includes(o.name) && o.status === 'running' && o.records > 0,
      );
      if ((withFiles && d.objectDetails.some((o) => o.status === 'succeeded')) || !['queued', 'running', 'paused'].includes(d.status))
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const exited = new Promise((r) => cli.once('exit', r));
    cli.kill('SIGKILL');
    await exited;
    const cut = await engine.services.jobs.get(org, jobId);
    expect(cut.status).toBe('running');
    const doneBefore = cut.objectDetails.filter((o) => o.status === 'succeeded').map((o) => o.name);

    await admin(emulator, 'faults', { latencyMs: 0 });
    const resumer = await startTestEngine({
      env: {
        ...env,
        ORGVAULT_DB_SCHEMA: engine.ctx.config.databaseSchema,
        ORGVAULT_BLOB_CONTAINER: engine.ctx.config.blobContainer,
        ORGVAULT_KEY_FILE: engine.ctx.config.keyFile!,
      },
      worker: { pollMs: 200 },
    });
    const done = await waitForJob(engine, org, jobId);
    await resumer.stop();
    expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: null });
    // Objects finished before the kill were not read again.
    for (const name of doneBefore) {
      const before = cut.objectDetails.find((o) => o.name === name)!;
      expect(done.objectDetails.find((o) => o.name === name)!.records).toBe(before.records);
    }
    // Every record version is stored once: no page was stored twice after the resume.
    expect(await duplicateVersions(engine, org.id)).toBe(0);
    // The job's totals count every version and file it stored, those of the killed attempt included.
    expect({ records: done.progress.records, files: done.progress.files }).toEqual(await storedByJob(engine, org.id, jobId));
    const truth = await orgStateNow(refreshingConnection(emulator), OBJECTS);
    await expectExportEquals(engine, org.id, done.finishedAt!, truth);
  }, 240_000); // a SIGKILL, a stale heartbeat and a resume: past jest's default 120 s on a loaded machine
});
