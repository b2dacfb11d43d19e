/**
 * The restore queue's claim: however many processes ask at once, a queued run goes to one of
 * them; a running run is taken over only once its heartbeat is stale.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDb, type TestDb } from '../../../test/support/db.js';
import { RestoreRuns } from '../../src/restore/runs.js';
import { RestoreLedger } from '../../src/restore/ledger.js';
import { kekSecretBox } from '../../src/store/keys/secret-box.js';
import { localFileKek } from '../../src/store/keys/kek.js';

describe('restore queue', () => {
  let db: TestDb;
  let runs: RestoreRuns;
  beforeAll(async () => {
    db = await createTestDb();
    runs = new RestoreRuns(db.pool);
  });
  afterAll(async () => db?.drop());

  const queue = () =>
    runs.insert({
      orgId: 'org-1',
      id: randomUUID(),
      targetOrgId: 'org-1',
      at: new Date('2026-11-20T10:00:00Z'),
      request: { objects: ['Account'], depth: null, mode: 'changed' },
      by: null,
    });

  it('gives a queued run to exactly one of many claimers, and a stale one to the next', async () => {
    const run = await queue();
    expect(run.status).toBe('queued');
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => runs.claim(`w${i}`, 60_000)));
    const winners = claims.filter((c) => c !== undefined);
    expect(winners.map((c) => c.id)).toEqual([run.id]);
    expect(winners[0]!.status).toBe('running');

    // Beating, it is nobody else's; once its heartbeat is older than staleMs, it is claimable again.
    expect(await runs.claim('late', 60_000)).toBeUndefined();
    await db.pool.query("UPDATE restore_runs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [run.id]);
    const taken = await runs.claim('late', 60_000);
    expect(taken?.id).toBe(run.id);
    expect((await runs.get('org-1', run.id)).status).toBe('running');

    // A claimer that waits for one run takes no other.
    const other = await queue();
    expect(await runs.claim('cli', 60_000, run.id)).toBeUndefined();
    expect((await runs.claim('cli', 60_000, other.id))?.id).toBe(other.id);

    await runs.finish(taken!, 'succeeded', { succeeded: 1 }, null);
    await db.pool.query("UPDATE restore_runs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [run.id]);
    expect(await runs.claim('again', 60_000)).toBeUndefined();
    await expect(runs.get('org-2', run.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('leaves the creates a live run has in flight to that run; settles those of a dead or finished one', async () => {
    const box = kekSecretBox(localFileKek(path.join(mkdtempSync(path.join(tmpdir(), 'restore-queue-')), 'kek.key')));
    const ledger = new RestoreLedger(db.pool, async () => box);
    const live = await queue();
    const claimed = (await runs.claim('w-live', 60_000, live.id))!;
    await ledger.sending(
      { targetOrgId: 'org-1', sourceOrgId: 'org-1', runId: live.id },
      { object: 'Contact', oldIds: ['003A'], csv: 'LastName\nA\n' },
    );
    const by = (runId: string) => ledger.inflight('org-1', 'org-1', { runId, staleMs: 60_000 });
    expect(await by(randomUUID())).toEqual([]);
    expect((await by(live.id)).map((c) => c.oldIds)).toEqual([['003A']]);
    await db.pool.query("UPDATE restore_runs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [live.id]);
    expect((await by(randomUUID())).map((c) => c.runId)).toEqual([live.id]);
    await runs.finish(claimed, 'failed', {}, 'crashed');
    await db.pool.query('UPDATE restore_runs SET heartbeat_at = now() WHERE id = $1', [live.id]);
    expect((await by(randomUUID())).map((c) => c.runId)).toEqual([live.id]);
    expect((await by(randomUUID())).map((c) => c.csv)).toEqual(['LastName\nA\n']);

    // A note written before notes were sealed is read as it is.
    await db.pool.query(
      "INSERT INTO restore_inflight (org_id, source_org_id, run_id, object, old_ids, csv) VALUES ('org-1', 'org-1', $1, 'Contact', '{003B}', 'LastName\nB\n')",
      [live.id],
    );
    expect((await by(randomUUID())).map((c) => c.csv)).toEqual(['LastName\nA\n', 'LastName\nB\n']);
  });
});
