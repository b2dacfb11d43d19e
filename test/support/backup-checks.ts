/**
 * What the end-to-end suites check a backup with: the org's state now (through its API, canonical
 * text per field) and the store's export at a time, compared field by field.
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

export async function waitForJob(engine: TestEngine, org: Org, jobId: string): Promise<JobDetailOut> {
  for (;;) {
    const d = await engine.services.jobs.get(org, jobId);
    if (!['queued', 'running', 'paused'].includes(d.status)) return d;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every live record of each object as the org answers a query now (compound and binary fields left out). */
export async function orgStateNow(conn: Connection, objects: readonly string[]): Promise<OrgState> {
  const state: OrgState = new Map();
  for (const object of objects) {
    const describe = await conn.sobject(object).describe();
    const fields = describe.fields.filter((f) => f.type !== 'base64' && f.type !== 'address' && f.type !== 'location').map((f) => f.name);
    const res = await conn
      .query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${object}`)
      .run({ autoFetch: true, maxFetch: 1_000_000 });
    expect(res.records.length).toBe(res.totalSize);
    const out: ObjectState = new Map();
    for (const r of res.records) out.set(String(r.Id), Object.fromEntries(fields.map((f) => [f, canonicalValue(r[f])])));
    state.set(object, out);
  }
  return state;
}

export async function exportedAt(engine: TestEngine, orgId: string, object: string, at: Date): Promise<ObjectState> {
  const sink = new Collect();
  await exportRecords(engine.services.store, { orgId, object, at, format: 'jsonl' }, sink);
  const out: ObjectState = new Map();
  for (const line of sink.text.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as Record<string, string | null>;
    out.set(r.Id!, r);
  }
  return out;
}

/** The export at `at` holds exactly the records of `truth`, each field equal. */
export async function expectExportEquals(engine: TestEngine, orgId: string, at: Date, truth: OrgState): Promise<void> {
  for (const [object, want] of truth) {
    const got = await exportedAt(engine, orgId, object, at);
    expect({ object, ids: [...got.keys()].sort() }).toEqual({ object, ids: [...want.keys()].sort() });
    for (const [id, fields] of want) {
      const row = got.get(id)!;
      for (const [f, v] of Object.entries(fields)) expect({ object, id, f, v: row[f] ?? null }).toEqual({ object, id, f, v });
    }
  }
}
