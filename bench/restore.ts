/**
 * Restore into an empty org: back up an emulator org's related objects (accounts with parent
 * accounts, contacts, opportunities, cases, projects and their invoices), then restore all of it
 * into a second, empty emulator org. Prints records/s and the API calls spent, against the fewest
 * calls Bulk API 2.0 ingest allows for the same work: per ingest job create, upload, close, one
 * status check and the successful results (5), one job per object, plus one update job per object
 * whose records refer to each other (self-lookups set in the second pass).
 *
 *   nice -n 10 npx tsx bench/restore.ts [records]      (default 160000 source records: about 100,000 of them in these objects)
 *
 * Emulators, engine, PostgreSQL and Azurite share this machine (the emulators in this process).
 */
import os from 'node:os';
import { startEmulator } from '../test/emulator/server.js';
import { startTestEngine } from '../test/support/engine.js';
import globalSetup from '../test/support/global-setup-impl.js';
import globalTeardown from '../test/support/global-teardown-impl.js';
import { connectEmulatorOrg } from '../test/support/emulator-org.js';

const records = Number(process.argv[2] ?? 160_000);
const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'Project__c', 'Invoice__c'];
const MIN_CALLS_PER_JOB = 5;

await globalSetup();
const source = await startEmulator({ records, seed: 7 });
const target = await startEmulator({ records: 0, seed: 8 });
const engine = await startTestEngine({ runner: { overlapMs: 1000 }, worker: { pollMs: 100 }, restore: { pollMs: 100 } });
try {
  const org = await connectEmulatorOrg(engine, source, 'bench');
  const global = (await (
    await fetch(`${source.instanceUrl}/services/data/v62.0/sobjects`, { headers: { Authorization: `Bearer ${source.accessToken}` } })
  ).json()) as { sobjects: Array<{ name: string }> };
  await engine.services.schedule.backupSettings.put(org.id, {
    excludedObjects: global.sobjects.map((s) => s.name).filter((n) => !OBJECTS.includes(n)),
  });
  const job = await engine.services.jobs.start(org, { by: 'bench' });
  let done = await engine.services.jobs.get(org, job.id);
  while (['queued', 'running', 'paused'].includes(done.status)) {
    await new Promise((r) => setTimeout(r, 200));
    done = await engine.services.jobs.get(org, job.id);
  }
  if (done.status !== 'succeeded') throw new Error(`backup ${done.status}: ${done.error}`);

  const { orgId: targetId } = await engine.services.connect(org.tenantId, {
    kind: 'accessToken',
    instanceUrl: target.instanceUrl,
    accessToken: target.accessToken,
  });
  const conn = await engine.services.connectionTo(targetId);
  const calls0 = conn.budget.callsMade;
  const t0 = performance.now();
  const outcome = await engine.services.restore.restore({
    orgId: org.id,
    targetOrgId: targetId,
    jobId: job.id,
    objects: OBJECTS,
    mode: 'deleted',
  });
  const seconds = (performance.now() - t0) / 1000;
  const calls = conn.budget.callsMade - calls0;
  const restored = outcome.objects.reduce((n, p) => n + p.create, 0);
  const minimal = outcome.objects.reduce((n, p) => n + (p.create ? MIN_CALLS_PER_JOB : 0) + (p.relink ? MIN_CALLS_PER_JOB : 0), 0);
  process.stdout.write(
    `restore of ${restored} records (${outcome.objects.map((p) => `${p.object} ${p.create}${p.relink ? ` +${p.relink} relinked` : ''}`).join(', ')}) ` +
      `into an empty org, ${outcome.failed} failed\n` +
      `  ${seconds.toFixed(1)} s, ${Math.round(restored / seconds)} records/s\n` +
      `  API calls: ${calls} (${outcome.planningCalls} to plan: describe, backup read is local, live queries), ` +
      `fewest Bulk 2.0 ingest allows: ${minimal}; ratio ${(calls / minimal).toFixed(2)}\n` +
      `  load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores\n`,
  );
} finally {
  await engine.close();
  await source.stop();
  await target.stop();
  await globalTeardown();
}
