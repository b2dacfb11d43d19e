/**
 * A large file through backup and restore with bounded memory. Uploads one file of N MB (default
 * 60, above the 37.5 MB a JSON create can carry) to an emulator org, backs it up (ContentVersion
 * and ContentDocument only), and restores it into a second, empty org by multipart insert. The
 * engine runs in this process; the emulators run in processes of their own, so the RSS sampled
 * here (every 20 ms) is the engine's. Baselines in the same run: a plain streamed download of the
 * same VersionData into a hash, and a plain streamed multipart upload of the same bytes. A round
 * with a 1 MB file runs first, so that what the first use of each path costs (code, connection
 * pools) is not counted as the large file's.
 *
 *   nice -n 10 node --expose-gc --import tsx bench/files.ts [megabytes=60]   (--expose-gc adds the after-GC peak)
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
  const args = ['--records', String(records), '--seed', String(seed), '--org-number', String(seed)];
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('EMULATOR_READY '))
      return { ...(JSON.parse(line.slice('EMULATOR_READY '.length)) as Omit<Emulator, 'child'>), child };
  }
  throw new Error('emulator did not start');
}

/** A file's bytes, made as they are read (1 MiB at a time, the same every time). */
async function* fileBytes(size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < size; at += MB) {
    const chunk = Buffer.allocUnsafe(Math.min(MB, size - at));
    for (let i = 0; i + 4 <= chunk.length; i += 4) chunk.writeUInt32LE(((at + i) * 2654435761) >>> 0, i);
    yield chunk;
  }
}

/**
 * Runs `fn` while sampling memory: seconds taken, the RSS peak above the level when it started
 * (sampled every 20 ms), and — when run with --expose-gc — the peak of RSS right after a forced
 * garbage collection every 250 ms, which leaves out garbage not yet collected.
 */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; rssGrowth: number; liveGrowth: number | null }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  let live = base;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const collect = gc
    ? setInterval(() => {
        gc();
        live = Math.max(live, process.memoryUsage.rss());
      }, 250)
    : undefined;
  const t0 = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    return { value, seconds, rssGrowth: Math.max(peak, process.memoryUsage.rss()) - base, liveGrowth: gc ? live - base : null };
  } finally {
    clearInterval(sample);
    clearInterval(collect);
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
  const global = await sourceConn.http.json<{ sobjects: Array<{ name: string }> }>({ path: 'sobjects' });
  await engine.services.schedule.backupSettings.put(org.id, {
    excludedObjects: global.sobjects.map((s) => s.name).filter((n) => n !== 'ContentVersion' && n !== 'ContentDocument'),
  });
  const { orgId: targetId } = await engine.services.connect(org.tenantId, {
    kind: 'accessToken',
    instanceUrl: target.instanceUrl,
    accessToken: target.accessToken,
  });
  const targetConn = await engine.services.connectionTo(targetId);

  /** Upload, plain download, backup (a job) and restore (into the empty org) of one file of `bytes`. */
  const round = async (name: string, bytes: number) => {
    const expected = await md5Of(fileBytes(bytes));
    const upload = await measure(() =>
      insertWithBlob(sourceConn, {
        sobject: 'ContentVersion',
        fields: { PathOnClient: name, Title: name },
        blobField: 'VersionData',
        fileName: name,
        size: bytes,
        open: async () => fileBytes(bytes),
      }),
    );
    if ((await versionOf(sourceConn, `Id = '${upload.value.id}'`)).Checksum !== expected)
      throw new Error('the upload did not arrive intact');
    const download = await measure(async () => {
      const res = await fetch(`${source.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${upload.value.id}/VersionData`, {
        headers: { Authorization: `Bearer ${source.accessToken}` },
      });
      return md5Of(res.body!);
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
    const restore = await measure(() =>
      engine.services.restore.restore({
        orgId: org.id,
        targetOrgId: targetId,
        jobId: backup.value.id,
        objects: ['ContentVersion'],
        mode: 'deleted',
      }),
    );
    const restored = await versionOf(targetConn, `PathOnClient = '${name}'`);
    if (!restored) throw new Error(`${name} was not restored`);
    const back = await fetch(`${target.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${restored.Id}/VersionData`, {
      headers: { Authorization: `Bearer ${target.accessToken}` },
    });
    const intact = download.value === expected && restored.Checksum === expected && (await md5Of(back.body!)) === expected;
    return { upload, download, backup, restore, intact, expected, restored };
  };

  await round('warm-up.bin', MB);
  const { upload, download, backup, restore, intact, expected, restored } = await round('large.bin', size);

  const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
  const memory = (m: { rssGrowth: number; liveGrowth: number | null }): string =>
    `RSS +${mb(m.rssGrowth)} (${((100 * m.rssGrowth) / size).toFixed(0)}% of the file)` +
    (m.liveGrowth === null ? '' : `, after GC +${mb(m.liveGrowth)} (${((100 * m.liveGrowth) / size).toFixed(0)}%)`);
  line(
    `one file of ${mb(size)} (after a 1 MB warm-up round); memory growth is the engine's peak above its level at the start of each step`,
  );
  line(`  baseline upload (plain streamed multipart):  ${upload.seconds.toFixed(2)} s, ${memory(upload)}`);
  line(`  baseline download (plain streamed, hashed):  ${download.seconds.toFixed(2)} s, ${memory(download)}`);
  line(
    `  backup (download, encrypt, store):          ${backup.seconds.toFixed(2)} s (${(backup.seconds / download.seconds).toFixed(1)}× the download), ${memory(backup)}`,
  );
  line(
    `  restore (read, decrypt, multipart insert):  ${restore.seconds.toFixed(2)} s (${(restore.seconds / upload.seconds).toFixed(1)}× the upload), ${memory(restore)}, ${restore.value.failed} failed`,
  );
  line(`  byte for byte: ${intact ? 'yes' : 'NO'} (md5 ${expected}, restored ContentSize ${restored.ContentSize})`);
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
