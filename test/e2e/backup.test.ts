/**
 * The backup engine end to end, as a user runs it: connect an org, full backup, changes in the
 * org, incremental backup; the export at each job's time equals what the org held then, field by
 * field, and files byte for byte. The org is reached only through its APIs.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { exportRecords, canonicalValue } from '../../engine/src/backup/export.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { JobDetailOut } from '../../engine/src/api/schemas.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function waitForJob(engine: TestEngine, org: Org, jobId: string): Promise<JobDetailOut> {
  for (;;) {
    const d = await engine.services.jobs.get(org, jobId);
    if (!['queued', 'running', 'paused'].includes(d.status)) return d;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every live record of the object as the org answers a query now, canonical text per field. */
async function orgState(conn: Connection, object: string, fields: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  const res = await conn
    .query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${object}`)
    .run({ autoFetch: true, maxFetch: 1_000_000 });
  expect(res.records.length).toBe(res.totalSize);
  for (const r of res.records) {
    out.set(String(r.Id), Object.fromEntries(fields.map((f) => [f, canonicalValue(r[f])])));
  }
  return out;
}

async function exported(engine: TestEngine, orgId: string, object: string, at: Date): Promise<Map<string, Record<string, string | null>>> {
  const sink = new Collect();
  await exportRecords(engine.services.store, { orgId, object, at, format: 'jsonl' }, sink);
  const out = new Map<string, Record<string, string | null>>();
  for (const line of sink.text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Record<string, string | null>;
    out.set(r.Id!, r);
  }
  return out;
}

describe('backup: full, then incremental, exports equal the org at each job', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  const objects = ['Account', 'Contact', 'Opportunity', 'Case', 'Attachment', 'ContentVersion'];

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1500, seed: 11, admin: true });
    engine = await startTestEngine({ runner: { reconcileEveryMs: 0, overlapMs: 60_000 }, worker: { pollMs: 200 } });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    const tenant = await engine.services.tenants.create('e2e');
    await engine.services.schedule.subscriptions.put(tenant.id, { type: 'enterprise' });
    const { orgId } = await engine.services.connect(tenant.id, {
      kind: 'accessToken',
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
    });
    org = await engine.services.orgs.get({ tenantId: tenant.id, orgId: null }, orgId);
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  async function expectExportEqualsOrg(at: Date, truth: Map<string, Map<string, Record<string, string | null>>>): Promise<void> {
    for (const object of objects) {
      const got = await exported(engine, org.id, object, at);
      const want = truth.get(object)!;
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [id, fields] of want) {
        const row = got.get(id)!;
        for (const [f, v] of Object.entries(fields)) expect({ id, f, v: row[f] ?? null }).toEqual({ id, f, v });
      }
    }
  }

  async function truthNow(): Promise<Map<string, Map<string, Record<string, string | null>>>> {
    const truth = new Map<string, Map<string, Record<string, string | null>>>();
    for (const object of objects) {
      const describe = await conn.sobject(object).describe();
      const fields = describe.fields.filter((f) => f.type !== 'base64' && f.type !== 'address' && f.type !== 'location').map((f) => f.name);
      truth.set(object, await orgState(conn, object, fields));
    }
    return truth;
  }

  it('keeps every version: exports at each job time match the org, files byte for byte', async () => {
    const full = await engine.services.jobs.start(org, { by: 'e2e' });
    expect(full.kind).toBe('full');
    const fullDone = await waitForJob(engine, org, full.id);
    expect(fullDone.objectDetails.filter((o) => o.status === 'failed')).toEqual([]);
    expect(fullDone.status).toBe('succeeded');
    const t1 = fullDone.finishedAt!;
    const truth1 = await truthNow();

    // Changes after the full backup: updates (one to null), deletes, an undelete, hard deletes.
    const accounts = [...truth1.get('Account')!.keys()].slice(0, 12);
    await conn.sobject('Account').update(accounts.slice(0, 5).map((Id, i) => ({ Id, Name: `Changed ${i}`, Website: null })));
    const contacts = [...truth1.get('Contact')!.keys()];
    await conn.sobject('Contact').destroy(contacts.slice(0, 4));
    const admin = async (ops: unknown[]): Promise<void> => {
      const res = await fetch(`${emulator.instanceUrl}/__emulator/mutate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ops }),
      });
      expect(res.status).toBe(200);
    };
    await admin([{ kind: 'undelete', id: contacts[0] }]);
    await admin(contacts.slice(10, 13).map((id) => ({ kind: 'hardDelete', id })));
    await conn.sobject('Case').create({ Subject: 'Created after the full backup', Status: 'New', Origin: 'Web' });

    const inc = await engine.services.jobs.start(org, { by: 'e2e' });
    expect(inc.kind).toBe('incremental');
    const incDone = await waitForJob(engine, org, inc.id);
    expect(incDone.status).toBe('succeeded');
    const t2 = incDone.finishedAt!;
    const truth2 = await truthNow();

    await expectExportEqualsOrg(t1, truth1);
    await expectExportEqualsOrg(t2, truth2);
    // Fewer records moved the second time: only what changed.
    expect(incDone.progress.records).toBeLessThan(fullDone.progress.records / 10);

    // Files byte for byte: every ContentVersion's VersionData from the store equals the org's.
    const { rows } = await engine.ctx.infra.pool.query<{ record_id: string; content_hash: Buffer }>(
      `SELECT record_id, content_hash FROM blob_refs WHERE org_id = $1 AND object = 'ContentVersion'`,
      [org.id],
    );
    const versions = [...truth2.get('ContentVersion')!.keys()];
    expect(rows.length).toBeGreaterThanOrEqual(versions.length);
    for (const id of versions.slice(0, 10)) {
      const ref = (await engine.services.store.blobRefsOf(org.id, 'ContentVersion', id)).at(-1)!;
      const stored = await engine.services.store.openBlob(org.id, ref.contentHash);
      const mine = createHash('sha256');
      for await (const chunk of stored) mine.update(chunk as Buffer);
      const theirs = Buffer.from(
        await (
          await fetch(`${emulator.instanceUrl}/services/data/v62.0/sobjects/ContentVersion/${id}/VersionData`, {
            headers: { Authorization: `Bearer ${emulator.accessToken}` },
          })
        ).arrayBuffer(),
      );
      expect(mine.digest('hex')).toBe(createHash('sha256').update(theirs).digest('hex'));
    }
  });
});
