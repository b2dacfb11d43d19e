/**
 * Restore and compare end to end, as a user runs them: back up an org, damage it through its API
 * (accounts deleted with their contacts and opportunities, fields mass-updated to wrong values,
 * records hard-deleted, files deleted), compare, dry-run, restore; the org then equals its
 * backed-up state field by field (re-created records through the id map), a second restore
 * changes nothing, and a restore into a second, empty org gives the same data.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import type { Org } from '../../engine/src/orgs/registry.js';
import { waitForJob, orgStateNow, type OrgState } from '../support/backup-checks.js';
import { connectEmulatorOrg } from '../support/emulator-org.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case', 'ContentVersion'];
/** Set by the platform: a re-created record cannot have the old values. */
const PLATFORM =
  /^(Id|IsDeleted|CreatedDate|CreatedById|LastModifiedDate|LastModifiedById|SystemModstamp|CaseNumber|ContentDocumentId|IsLatest|VersionNumber|ClosedDate)$/;

/** The org's state with ids (and lookups) translated back to the backed-up ids through the id map. */
function throughMap(state: OrgState, newToOld: Map<string, string>): OrgState {
  const out: OrgState = new Map();
  for (const [object, records] of state) {
    const m = new Map<string, Record<string, string | null>>();
    for (const [id, fields] of records) {
      m.set(
        newToOld.get(id) ?? id,
        Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, v !== null ? (newToOld.get(v) ?? v) : v])),
      );
    }
    out.set(object, m);
  }
  return out;
}

function expectSameData(got: OrgState, want: OrgState, ignore: (object: string, field: string) => boolean): void {
  for (const [object, records] of want) {
    const have = got.get(object)!;
    expect({ object, ids: [...have.keys()].sort() }).toEqual({ object, ids: [...records.keys()].sort() });
    for (const [id, fields] of records) {
      for (const [f, v] of Object.entries(fields)) {
        if (PLATFORM.test(f) || ignore(object, f)) continue;
        expect({ object, id, f, v: have.get(id)![f] ?? null }).toEqual({ object, id, f, v });
      }
    }
  }
}

describe('restore and compare', () => {
  let emulator: EmulatorHandle;
  let empty: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  let tenantId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1200, seed: 21, admin: true });
    empty = await startEmulator({ records: 0, seed: 22 });
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 0, overlapMs: 60_000 },
      worker: { pollMs: 200 },
      // Re-create under new ids with the id map (undelete: restore-undelete.test.ts).
      restore: { bulkThreshold: 8, pollMs: 50, undelete: false },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'restore-e2e');
    tenantId = org.tenantId;
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
    await empty?.stop();
  });

  it('brings a damaged org back to its backup, field by field, and compare sees exactly the damage', async () => {
    const job = await engine.services.jobs.start(org, { by: 'e2e' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    const truth = await orgStateNow(conn, OBJECTS);

    // Accounts whose records carry no file (a deleted parent clears a file's FirstPublishLocationId,
    // which cannot be updated afterwards), with contacts and opportunities that go with them.
    const publishedOn = new Set([...truth.get('ContentVersion')!.values()].map((v) => v.FirstPublishLocationId));
    const childrenOf = (a: string): string[] =>
      ['Contact', 'Opportunity', 'Case'].flatMap((o) => [...truth.get(o)!].filter(([, r]) => r.AccountId === a).map(([id]) => id));
    const victims = [...truth.get('Account')!.keys()]
      .filter((a) => !publishedOn.has(a) && childrenOf(a).every((c) => !publishedOn.has(c)) && childrenOf(a).length >= 2)
      .slice(0, 6);
    expect(victims.length).toBe(6);
    // Salesforce refuses to delete an account that has cases (DELETE_FAILED): an admin deletes them first.
    const cases = [...truth.get('Case')!].filter(([, r]) => victims.includes(r.AccountId as string)).map(([id]) => id);
    if (cases.length) await conn.sobject('Case').destroy(cases);
    await conn.sobject('Account').destroy(victims);
    const contacts = [...(await orgStateNow(conn, ['Contact'])).get('Contact')!.keys()].slice(0, 30);
    await conn.sobject('Contact').update(contacts.map((Id) => ({ Id, Title: 'WRONG', Phone: null })));
    const opportunities = [...(await orgStateNow(conn, ['Opportunity'])).get('Opportunity')!.keys()].slice(0, 4);
    const admin = await fetch(`${emulator.instanceUrl}/__emulator/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: opportunities.map((id) => ({ kind: 'hardDelete', id })) }),
    });
    expect(admin.status).toBe(200);
    const files = [...truth.get('ContentVersion')!.values()].map((v) => v.ContentDocumentId!);
    const docs = [...new Set(files)].slice(0, 3);
    await conn.sobject('ContentDocument').destroy(docs);
    const damaged = await orgStateNow(conn, OBJECTS);
    // An expired subscription stops backups, not restores.
    await engine.services.schedule.subscriptions.put(tenantId, { type: 'enterprise', expiresAt: new Date(Date.now() - 86_400_000) });

    // Compare sees exactly what differs between the backup and the org now.
    const writable = new Map<string, Set<string>>();
    for (const o of OBJECTS) {
      const d = await conn.sobject(o).describe();
      writable.set(
        o,
        new Set(
          d.fields
            .filter((f) => (f.createable || f.updateable) && !f.calculated && f.type !== 'base64' && !PLATFORM.test(f.name))
            .map((f) => f.name),
        ),
      );
    }
    const before = await engine.services.compare.compare({
      orgId: org.id,
      from: { at: done.finishedAt! },
      to: { live: true },
      objects: OBJECTS,
    });
    for (const c of before) {
      const was = truth.get(c.object)!;
      const now = damaged.get(c.object)!;
      expect({ o: c.object, deleted: c.deleted }).toEqual({ o: c.object, deleted: [...was.keys()].filter((id) => !now.has(id)).sort() });
      expect({ o: c.object, added: c.added }).toEqual({ o: c.object, added: [] });
      const changed = [...now].filter(
        ([id, r]) => was.has(id) && [...writable.get(c.object)!].some((f) => (was.get(id)![f] ?? null) !== (r[f] ?? null)),
      );
      expect({ o: c.object, changed: c.changed }).toEqual({ o: c.object, changed: changed.map(([id]) => id).sort() });
    }
    const contactDiff = before.find((c) => c.object === 'Contact')!;
    expect(contactDiff.fieldCounts.Title).toBeGreaterThanOrEqual(contacts.length - 1);
    expect(contactDiff.details.find((d) => d.id === contacts[0])?.fields).toEqual(
      expect.arrayContaining([{ field: 'Title', from: truth.get('Contact')!.get(contacts[0]!)!.Title ?? null, to: 'WRONG' }]),
    );
    expect(before.find((c) => c.object === 'Opportunity')!.deleted).toEqual(expect.arrayContaining(opportunities));

    // Dry run: the plan, and nothing written.
    const plan = await engine.services.restore.restore({
      orgId: org.id,
      jobId: done.id,
      objects: OBJECTS,
      mode: 'overwrite',
      dryRun: true,
    });
    for (const p of plan.objects.filter((x) => x.object !== 'ContentDocumentLink')) {
      const c = before.find((x) => x.object === p.object)!;
      expect({ o: p.object, create: p.create }).toEqual({ o: p.object, create: c.deleted.length });
    }
    // Files come back with their links (files.test.ts checks them one by one).
    expect(plan.objects.map((p) => p.object)).toEqual([
      'Account',
      'Contact',
      'Opportunity',
      'Case',
      'ContentVersion',
      'ContentDocumentLink',
    ]);
    expect(plan.apiCalls).toBeGreaterThan(0);
    expect(await orgStateNow(conn, OBJECTS)).toEqual(damaged);

    // Deleted records first (parents first, lookups between them in a second pass), then changed fields.
    const first = await engine.services.restore.restore({ orgId: org.id, jobId: done.id, objects: OBJECTS, mode: 'deleted' });
    expect(first.failed).toBe(0);
    const second = await engine.services.restore.restore({ orgId: org.id, jobId: done.id, objects: OBJECTS, mode: 'changed' });
    expect(second.failed).toBe(0);
    const results = await engine.services.restore.ledger.results(org.id, first.runId!);
    expect(results.filter((r) => r.operation === 'create').length).toBe(plan.objects.reduce((n, p) => n + p.create, 0));

    const newToOld = new Map([...(await engine.services.restore.ledger.idMap(org.id, org.id))].map(([o, n]) => [n, o]));
    const restored = throughMap(await orgStateNow(conn, OBJECTS), newToOld);
    expectSameData(restored, truth, () => false);
    // Files byte for byte: same checksum, and each version in its document.
    for (const [id, v] of truth.get('ContentVersion')!) expect(restored.get('ContentVersion')!.get(id)!.Checksum).toBe(v.Checksum);

    const after = await engine.services.compare.compare({
      orgId: org.id,
      from: { at: done.finishedAt! },
      to: { live: true },
      objects: OBJECTS,
    });
    for (const c of after)
      expect({ o: c.object, added: c.added, deleted: c.deleted, changed: c.changed }).toEqual({
        o: c.object,
        added: [],
        deleted: [],
        changed: [],
      });

    // A second restore makes no duplicates and changes nothing.
    const again = await engine.services.restore.restore({
      orgId: org.id,
      jobId: done.id,
      objects: OBJECTS,
      mode: 'overwrite',
      dryRun: true,
    });
    // (overwrite would still write every record, but no field differs)
    for (const p of again.objects)
      expect({ o: p.object, create: p.create, fields: p.fieldsChanged }).toEqual({ o: p.object, create: 0, fields: {} });
    const rerun = await engine.services.restore.restore({ orgId: org.id, jobId: done.id, objects: OBJECTS, mode: 'deleted' });
    expect(rerun.succeeded + rerun.failed).toBe(0);
    const counts = await orgStateNow(conn, OBJECTS);
    for (const o of OBJECTS) expect({ o, n: counts.get(o)!.size }).toEqual({ o, n: truth.get(o)!.size });

    // Into a second, empty org: the same data (owners and lookups to objects not restored aside).
    const { orgId: emptyId } = await engine.services.connect(tenantId, {
      kind: 'accessToken',
      instanceUrl: empty.instanceUrl,
      accessToken: empty.accessToken,
    });
    const before2 = await orgStateNow(
      new Connection({ instanceUrl: empty.instanceUrl, accessToken: empty.accessToken, version: '62.0' }),
      OBJECTS,
    );
    const into = await engine.services.restore.restore({
      orgId: org.id,
      targetOrgId: emptyId,
      at: done.finishedAt!,
      objects: OBJECTS,
      mode: 'deleted',
    });
    expect(into.failed).toBe(0);
    // Accounts refer to parent accounts: those lookups came in the second pass.
    expect(into.objects.find((p) => p.object === 'Account')!.relink).toBeGreaterThan(0);
    const map2 = new Map([...(await engine.services.restore.ledger.idMap(emptyId, org.id))].map(([o, n]) => [n, o]));
    const other = throughMap(
      await orgStateNow(new Connection({ instanceUrl: empty.instanceUrl, accessToken: empty.accessToken, version: '62.0' }), OBJECTS),
      map2,
    );
    for (const [o, recs] of before2) for (const id of recs.keys()) other.get(o)!.delete(id);
    const lookupsOutside = (object: string, field: string): boolean =>
      field === 'OwnerId' || (object === 'ContentVersion' && field === 'FirstPublishLocationId');
    expectSameData(other, truth, lookupsOutside);
    const cmp2 = await engine.services.compare.compare({
      orgId: org.id,
      from: { at: done.finishedAt! },
      to: { live: true, orgId: emptyId },
      objects: OBJECTS,
    });
    for (const c of cmp2)
      expect({ o: c.object, deleted: c.deleted, changed: c.changed }).toEqual({ o: c.object, deleted: [], changed: [] });
  });
});
