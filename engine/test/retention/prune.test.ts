/**
 * Prune to a Backup & Recover policy over a real store: every as-of read the policy keeps equals
 * what it was before, the versions it lets go are gone (and nothing else), `check --read-data
 * 100` passes, files no kept version refers to are deleted; a prune killed (SIGKILL) in each
 * phase and run again ends exactly where an uninterrupted one does. Holds and bad policies refuse.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { storeFixture, type StoreFixture } from '../store/fixture.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { RetentionService, type RetentionPolicy } from '../../src/retention/index.js';
import { keepPlan } from '../../src/retention/tiers.js';
import { OrgVaultError } from '../../src/errors.js';

const DAY = 86_400_000;
const CUTOFF = new Date('2026-12-01T12:00:00Z');
const POLICY: RetentionPolicy = { keepAllDays: 30, dailyWeeks: 2, weeklyMonths: 2, monthlyYears: 1 };
const PACK_BYTES = 6000;
const RECORDS = Array.from({ length: 12 }, (_, i) => `001000000000${String(i).padStart(3, '0')}AAA`);
const OBJECT = 'Account';

interface Org {
  id: string;
  tenantId: string;
  name: string;
}

/** Each record changes every 5 days (offset by its number) over 800 days; record 0 was deleted 400 days ago. */
async function fill(fx: StoreFixture, orgId: string): Promise<void> {
  for (let from = 800; from > 0; from -= 100) {
    const records = RECORDS.flatMap((id, r) => {
      const out = [];
      for (let d = from - (r % 5); d > from - 100 && d > 0; d -= 5) {
        if (r === 0 && d <= 401) break;
        out.push({ id, validFrom: new Date(CUTOFF.getTime() - d * DAY), fields: { Id: id, Name: `${id} ${d}`, Days: d } });
      }
      return out;
    });
    await fx.store.putRecords({ orgId, object: OBJECT, source: 'test', records });
  }
  await fx.store.putTombstones({
    orgId,
    object: OBJECT,
    source: 'test',
    tombstones: [{ id: RECORDS[0]!, deletedAt: new Date(CUTOFF.getTime() - 400 * DAY) }],
  });
  // Records 1 to 3 hold a new file every 60 days.
  for (const id of RECORDS.slice(1, 4))
    for (let d = 780; d > 0; d -= 60) {
      const ref = { orgId, object: OBJECT, recordId: id, field: 'Body', validFrom: new Date(CUTOFF.getTime() - d * DAY), source: 'test' };
      await fx.store.putBlob(ref, Readable.from([Buffer.from(`file of ${id} from ${d} days ago`)]));
    }
}

describe('prune to a retention policy', () => {
  let fx: StoreFixture;
  let retention: RetentionService;
  let orgs: Record<'plain' | 'held' | 'reference' | 'killedInVersions' | 'killedInFiles' | 'killedBeforeGc', Org>;
  const plan = keepPlan(POLICY, CUTOFF);
  const probes = [...plan.checkpoints, plan.windowStart, plan.windowStart + 3 * DAY + 17, CUTOFF.getTime() - DAY, CUTOFF.getTime()].map(
    (ms) => new Date(ms),
  );

  const asOf = async (orgId: string, at: Date) => {
    const out = [];
    for await (const r of fx.store.readAsOf({ orgId, object: OBJECT, at })) out.push(r);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };
  const allAsOf = async (orgId: string) => Promise.all(probes.map((at) => asOf(orgId, at)));
  const versions = async (orgId: string) =>
    Promise.all(
      RECORDS.map(async (recordId) =>
        (await fx.store.versionsOf({ orgId, object: OBJECT, recordId })).map((v) => [v.validFrom.getTime(), v.kind, v.fields]),
      ),
    );
  const files = async (orgId: string) => ({
    refs: (await Promise.all(RECORDS.slice(1, 4).map((id) => fx.store.blobRefsOf(orgId, OBJECT, id))))
      .flat()
      .map((r) => [r.recordId, r.validFrom.getTime(), r.contentHash]),
    blobs: Number((await fx.db.pool.query('SELECT count(*) FROM blobs WHERE org_id = $1', [orgId])).rows[0].count),
    stored: await storedFileNames(orgId),
  });
  const storedFileNames = async (orgId: string) => {
    const names = [];
    for await (const b of fx.container.listBlobsFlat({ prefix: `orgs/${orgId}/blobs/` })) names.push(b.name.split('/').pop());
    return names.sort();
  };

  beforeAll(async () => {
    fx = await storeFixture(PACK_BYTES);
    retention = new RetentionService(fx.db.pool, fx.store, { now: () => CUTOFF, fileDelaySeconds: 0 });
    const org = async (): Promise<Org> => ({ ...(await insertTenantAndOrg(fx.db.pool)), name: 'Test Org' }) as unknown as Org;
    const made = await Promise.all([org(), org(), org(), org(), org(), org()]);
    const [plain, held, reference, killedInVersions, killedInFiles, killedBeforeGc] = made.map((o) => ({
      id: (o as unknown as { orgId: string }).orgId,
      tenantId: o.tenantId,
      name: 'Test Org',
    }));
    orgs = {
      plain: plain!,
      held: held!,
      reference: reference!,
      killedInVersions: killedInVersions!,
      killedInFiles: killedInFiles!,
      killedBeforeGc: killedBeforeGc!,
    };
    for (const o of Object.values(orgs)) {
      await fill(fx, o.id);
      await retention.setPolicy({ tenantId: o.tenantId, orgId: null }, POLICY, 'test');
    }
  }, 120_000);
  afterAll(async () => fx.drop());

  it('keeps every as-of read of the policy, removes the rest, and leaves a store check passes', async () => {
    const org = orgs.plain;
    const before = { reads: await allAsOf(org.id), versions: await versions(org.id), files: await files(org.id) };
    const run = await retention.prune(org, 'ann@example.com');

    expect(await allAsOf(org.id)).toEqual(before.reads);
    // Kept: what a read at the window's start, at a checkpoint or later returns, and each record's newest.
    const expected = before.versions.map((vs) =>
      vs.filter((v, i) => {
        const next = vs[i + 1]?.[0] as number | undefined;
        const current = (at: number) => (v[0] as number) <= at && (next === undefined || next > at);
        return next === undefined || next > plan.windowStart || [...plan.checkpoints].some(current);
      }),
    );
    const after = await versions(org.id);
    expect(after).toEqual(expected);
    const removed = before.versions.flat().length - after.flat().length;
    expect(removed).toBeGreaterThan(before.versions.flat().length / 3);
    expect(run).toMatchObject({ phase: 'done', versionsRemoved: removed, startedBy: 'ann@example.com', cutoff: CUTOFF });
    expect(run.packsRewritten + run.packsDeleted).toBeGreaterThan(0);
    expect(run.bytesAfter).toBeLessThan(run.bytesBefore);

    // Files: references expire like versions; contents no kept reference holds are gone, rows and bytes.
    const kept = await files(org.id);
    expect(kept.refs.length).toBeLessThan(before.files.refs.length);
    expect(kept.blobs).toBe(new Set(kept.refs.map((r) => r[2])).size);
    expect(kept.stored).toEqual([...new Set(kept.refs.map((r) => r[2] as string))].sort());
    expect(run.filesDeleted).toBe(before.files.blobs - kept.blobs);

    expect(await fx.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true, problems: [] });
    // Run again at the same cutoff: nothing more goes.
    const again = await retention.prune(org, null);
    expect(again).toMatchObject({ versionsRemoved: 0, filesDeleted: 0 });
    expect(await versions(org.id)).toEqual(after);
  }, 120_000);

  it('a held org refuses; a records hold keeps every version of its records', async () => {
    const org = orgs.held;
    const hold = await retention.placeHold(org, { name: 'Case 9' }, 'legal@example.com');
    const before = await versions(org.id);
    const err = await retention.prune(org, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgVaultError);
    expect(err).toMatchObject({ code: 'LEGAL_HOLD', message: expect.stringContaining('"Case 9"') });
    expect(await versions(org.id)).toEqual(before);
    await retention.releaseHold(org, hold.id, null);

    await retention.placeHold(org, { name: 'Case 10', recordIds: [RECORDS[5]!] }, null);
    await retention.prune(org, null);
    const after = await versions(org.id);
    expect(after[5]).toEqual(before[5]);
    expect(after[6]!.length).toBeLessThan(before[6]!.length);
  }, 60_000);

  it('refuses a policy that keeps nothing, and a prune of an org that keeps everything', async () => {
    const org = orgs.held;
    const none = await retention
      .setPolicy({ tenantId: org.tenantId, orgId: org.id }, { keepAllDays: 0, dailyWeeks: 0, weeklyMonths: 0, monthlyYears: 0 }, null)
      .catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('keep nothing') });
    await retention.setPolicy({ tenantId: org.tenantId, orgId: null }, null, null);
    expect(await retention.policy(org)).toMatchObject({ policy: null, source: 'default' });
    const err = await retention.prune(org, null).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('keeps everything') });
  });

  /** Prunes in a child process that SIGKILLs itself at the step. */
  const killAt = (org: Org, phase: string, step: number): Promise<NodeJS.Signals | null> => {
    const args = [
      fx.db.schema,
      fx.container.containerName,
      fx.keyFile,
      String(PACK_BYTES),
      org.tenantId,
      org.id,
      CUTOFF.toISOString(),
      phase,
      String(step),
    ];
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./prune-child.ts', import.meta.url)), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  };

  it('killed in each phase and run again, ends where an uninterrupted prune does', async () => {
    await retention.prune(orgs.reference, null);
    const want = {
      reads: await allAsOf(orgs.reference.id),
      versions: await versions(orgs.reference.id),
      files: await files(orgs.reference.id),
    };
    const cases: Array<[Org, string, number]> = [
      [orgs.killedInVersions, 'versions', 3],
      [orgs.killedInFiles, 'files', 0],
      [orgs.killedBeforeGc, 'files', 1],
    ];
    for (const [org, phase, step] of cases) {
      expect(await killAt(org, phase, step)).toBe('SIGKILL');
      const resumed = await retention.prune(org, null);
      expect(resumed.cutoff).toEqual(CUTOFF);
      const got = { reads: await allAsOf(org.id), versions: await versions(org.id), files: await files(org.id) };
      // Content hashes are keyed per org: the references compare by record and time.
      const refs = (f: typeof got.files) => f.refs.map(([id, at]) => [id, at]);
      expect({ phase, reads: got.reads, versions: got.versions, refs: refs(got.files), blobs: got.files.blobs }).toEqual({
        phase,
        reads: want.reads,
        versions: want.versions,
        refs: refs(want.files),
        blobs: want.files.blobs,
      });
      expect(got.files.stored.length).toBe(want.files.stored.length);
      expect(await fx.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true });
    }
  }, 240_000);
});
