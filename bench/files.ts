/**
 * A large file through backup and restore with bounded memory. Uploads one file of N MB (default
 * 60, above the 37.5 MB a JSON create can carry) to an emulator org, backs it up (ContentVersion
 * and ContentDocument only), and restores it into a second, empty org by multipart insert. The
 * engine runs in this process; the emulators run in processes of their own, so the RSS sampled
 * here (every 20 ms) is the engine's. Baselines in the same run: a plain streamed download of the
 * same VersionData into a hash, and a plain streamed multipart upload of the same bytes.
 *
 *   nice -n 10 npx tsx bench/files.ts [megabytes=60]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import os from 'node:os';
import { startTestEngine } from '../test/support/engine.js';
import globalSetup from '../test/support/global-setup-impl.js';
import globalTeardown from '../test/support/global-teardown-impl.js';
import { connectEmulatorOrg } from '../test/support/emulator-org.js';
import { insertWithBlob } from '../engine/src/salesforce/blob-insert.js';
import type { OrgConnection } from '../engine/src/salesforce/connection.js';

const MB = 1024 * 1024;
const size = Number(process.argv[2] ?? 60) * MB;

interface Emulator {
  instanceUrl: string;
  accessToken: string;
  userId: string;
  child: ChildProcess;
}

/** An emulator in a process of its own (its memory is not the engine's). */
async function emulator(records: number, seed: number): Promise<Emulator> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--records', String(records), '--seed', String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('EMULATOR_READY '))
      return { ...(JSON.parse(line.slice('EMULATOR_READY '.length)) as Omit<Emulator, 'child'>), child };
  }
  throw new Error('emulator did not start');
}

/** The file's bytes, made as they are read (1 MiB at a time, the same every time). */
async function* fileBytes(): AsyncIterable<Uint8Array> {
  for (let at = 0; at < size; at += MB) {
    const chunk = Buffer.allocUnsafe(Math.min(MB, size - at));
    for (let i = 0; i + 4 <= chunk.length; i += 4) chunk.writeUInt32LE(((at + i) * 2654435761) >>> 0, i);
    yield chunk;
  }
}

/** Runs `fn` while sampling RSS: seconds taken and the RSS peak above the level when it started. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; rssGrowth: number }> {
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, seconds: (performance.now() - t0) / 1000, rssGrowth: Math.max(peak, process.memoryUsage.rss()) - base };
  } finally {
    clearInterval(timer);
  }
}

async function md5Of(body: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('md5');
  for await (const c of body) h.update(c);
  return h.digest('hex');
}

async function versionOf(conn: OrgConnection, soqlWhere: string): Promise<{ Id: string; Checksum: string; ContentSize: number }> {
  const res = await conn.http.json<{ records: Array<{ Id: string; Checksum: string; ContentSize: number }> }>({
    path: 'query',
    query: { q: `SELECT Id, Checksum, ContentSize FROM ContentVersion WHERE ${soqlWhere}` },
  });
  return res.records[0]!;
}

await globalSetup();
const source = await emulator(300, 41);
const target = await emulator(0, 42);
const engine = await startTestEngine({ runner: { overlapMs: 1000 }, worker: { pollMs: 100 }, restore: { pollMs: 100 } });
const line = (s: string): boolean => process.stdout.write(`${s}\n`);
try {
  const org = await connectEmulatorOrg(engine, source, 'bench-files');
  const sourceConn = await engine.services.connectionTo(org.id);
  const expected = await md5Of(fileBytes());
  const upload = await measure(() =>
    insertWithBlob(sourceConn, {
      sobject: 'ContentVersion',
      fields: { PathOnClient: 'large.bin', Title: 'Large' },
      blobField: 'VersionData',
      fileName: 'large.bin',
      size,
      open: async () => fileBytes(),
    }),
  );
  const uploaded = await versionOf(sourceConn, `Id = '${upload.value.id}'`);
  if (uploaded.Checksum !== expected) throw new Error('the upload did not arrive intact');

  const download = await measure(async () => {
    const res = await fetch(`${source.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${upload.value.id}/VersionData`, {
      headers: { Authorization: `Bearer ${source.accessToken}` },
    });
    return md5Of(res.body!);
  });

  const global = await sourceConn.http.json<{ sobjects: Array<{ name: string }> }>({ path: 'sobjects' });
  await engine.services.schedule.backupSettings.put(org.id, {
    excludedObjects: global.sobjects.map((s) => s.name).filter((n) => n !== 'ContentVersion' && n !== 'ContentDocument'),
  });
  const backup = await measure(async () => {
    const job = await engine.services.jobs.start(org, { by: 'bench' });
    let done = await engine.services.jobs.get(org, job.id);
    while (['queued', 'running', 'paused'].includes(done.status)) {
      await new Promise((r) => setTimeout(r, 100));
      done = await engine.services.jobs.get(org, job.id);
    }
    if (done.status !== 'succeeded') throw new Error(`backup ${done.status}: ${done.error}`);
    return done;
  });

  const { orgId: targetId } = await engine.services.connect(org.tenantId, {
    kind: 'accessToken',
    instanceUrl: target.instanceUrl,
    accessToken: target.accessToken,
  });
  const restore = await measure(() =>
    engine.services.restore.restore({
      orgId: org.id,
      targetOrgId: targetId,
      jobId: backup.value.id,
      objects: ['ContentVersion'],
      mode: 'deleted',
    }),
  );
  const targetConn = await engine.services.connectionTo(targetId);
  const restored = await versionOf(targetConn, `PathOnClient = 'large.bin'`);
  const back = await fetch(`${target.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${restored.Id}/VersionData`, {
    headers: { Authorization: `Bearer ${target.accessToken}` },
  });
  const restoredMd5 = await md5Of(back.body!);

  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  line(`one file of ${mb(size)}; engine RSS growth is the peak above the level at the start of each step`);
  line(`  baseline upload (plain streamed multipart):  ${upload.seconds.toFixed(2)} s, RSS +${mb(upload.rssGrowth)}`);
  line(`  baseline download (plain streamed, hashed):  ${download.seconds.toFixed(2)} s, RSS +${mb(download.rssGrowth)}`);
  line(
    `  backup (download, encrypt, store):          ${backup.seconds.toFixed(2)} s (${(backup.seconds / download.seconds).toFixed(1)}× the download), RSS +${mb(backup.rssGrowth)} (${((100 * backup.rssGrowth) / size).toFixed(0)}% of the file)`,
  );
  line(
    `  restore (read, decrypt, multipart insert):  ${restore.seconds.toFixed(2)} s (${(restore.seconds / upload.seconds).toFixed(1)}× the upload), RSS +${mb(restore.rssGrowth)} (${((100 * restore.rssGrowth) / size).toFixed(0)}% of the file), ${restore.value.failed} failed`,
  );
  line(
    `  byte for byte: ${download.value === expected && restored.Checksum === expected && restoredMd5 === expected ? 'yes' : 'NO'} (md5 ${expected}, restored ContentSize ${restored.ContentSize})`,
  );
  line(
    `  load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
} finally {
  await engine.close();
  source.child.kill('SIGTERM');
  target.child.kill('SIGTERM');
  await globalTeardown();
}
