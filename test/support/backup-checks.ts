/**
 * What the backup end-to-end suites assert with: the org's state as its API answers now, the
 * store's export as of a time, and the two compared field by field.
 */
import { expect } from '@jest/globals';
import { Writable } from 'node:stream';
import type { Connection } from 'jsforce';
import { exportRecords, canonicalValue } from '../../engine/src/backup/export.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import type { JobDetailOut } from '../../engine/src/api/schemas.js';
import type { TestEngine } from './engine.js';

export type ObjectState = Map<string, Record<string, string | null>>;
export type OrgState = Map<string, ObjectState>;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function waitForJob(engine: TestEngine, org: Org, jobId: string, onStatus?: (d: JobDetailOut) => void): Promise<JobDetailOut> {
  for (;;) {
    const d = await engine.services.jobs.get(org, jobId);
    onStatus?.(d);
    if (!['queued', 'running', 'paused'].includes(d.status)) return d;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every live record of each object as the org answers a query now, canonical text per field. */
export async function orgStateNow(conn: Connection, objects: string[]): Promise<OrgState> {
  const truth: OrgState = new Map();
  for (const object of objects) {
    const describe = await conn.sobject(object).describe();
    const fields = describe.fields.filter((f) => !['base64', 'address', 'location'].includes(f.type)).map((f) => f.name);
    const res = await conn
      .query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${object}`)
      .run({ autoFetch: true, maxFetch: 1_000_000 });
    expect(res.records.length).toBe(res.totalSize);
    truth.set(object, new Map(res.records.map((r) => [String(r.Id), Object.fromEntries(fields.map((f) => [f, canonicalValue(r[f])]))])));
  }
  return truth;
}

export async function exportedState(engine: Pick<TestEngine, 'services'>, orgId: string, object: string, at: Date): Promise<ObjectState> {
  const sink = new Collect();
  await exportRecords(engine.services.store, { orgId, object, at, format: 'jsonl' }, sink);
  const out: ObjectState = new Map();
  for (const line of sink.text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Record<string, string | null>;
    out.set(r.Id!, r);
  }
  return out;
}

/** The export as of `at` holds exactly the org's records then, with the same value in every field. */
export async function expectExportEquals(engine: Pick<TestEngine, 'services'>, orgId: string, at: Date, truth: OrgState): Promise<void> {
  for (const [object, want] of truth) {
    const got = await exportedState(engine, orgId, object, at);
    expect({ object, ids: [...got.keys()].sort() }).toEqual({ object, ids: [...want.keys()].sort() });
    for (const [id, fields] of want) {
      const row = got.get(id)!;
      for (const [f, v] of Object.entries(fields)) expect({ object, id, f, v: row[f] ?? null }).toEqual({ object, id, f, v });
    }
  }
}

/** Record versions the store holds more than once (same object, record and hash): a page stored twice. */
export async function duplicateVersions(engine: TestEngine, orgId: string): Promise<number> {
  const { rows } = await engine.ctx.infra.pool.query<{ dupes: number }>(
    `SELECT count(*)::int AS dupes FROM (SELECT record_id FROM record_versions WHERE org_id = $1 GROUP BY object, record_id, hash HAVING count(*) > 1) d`,
    [orgId],
  );
  return rows[0]!.dupes;
}

/** What a job stored: the versions in its packs and the file references it recorded (its totals must say the same). */
export async function storedByJob(engine: TestEngine, orgId: string, jobId: string): Promise<{ records: number; files: number }> {
  const { rows } = await engine.ctx.infra.pool.query<{ records: number; files: number }>(
    `SELECT (SELECT coalesce(sum(row_count), 0)::int FROM packs WHERE org_id = $1 AND job_id = $2 AND format <> 'tombstones') AS records,
            (SELECT count(*)::int FROM blob_refs WHERE org_id = $1 AND job_id = $2) AS files`,
    [orgId, jobId],
  );
  return rows[0]!;
}
