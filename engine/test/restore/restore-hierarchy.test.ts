/**
 * Hierarchies and crashes: restoring chosen accounts with `depth` brings back their contacts,
 * opportunities and cases (the dry run shows them first); restoring a chosen contact brings back
 * the account it needs. A failure between Salesforce's commit of a create and our id-map write
 * (injected: the ledger write throws once) leaves the records in the org and a note in flight;
 * the next run finds them by content and finishes without a duplicate. Backups stopped by an
 * expired subscription or exceeded seats stop nothing here.
 */
import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { startTestEngine, type TestEngine } from '../../../test/support/engine.js';
import { waitForJob, orgStateNow, type OrgState } from '../../../test/support/backup-checks.js';
import { connectEmulatorOrg } from '../../../test/support/emulator-org.js';
import type { Org } from '../../src/orgs/registry.js';
import { OrgVaultError } from '../../src/errors.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case'];
const CHILDREN = ['Contact', 'Opportunity', 'Case'];

describe('restore of hierarchies, and after a failure between commit and record', () => {
  let emulator: EmulatorHandle;
  let engine: TestEngine;
  let conn: Connection;
  let org: Org;
  let key: string;

  beforeAll(async () => {
    emulator = await startEmulator({ records: 1500, seed: 41 });
    engine = await startTestEngine({
      runner: { reconcileEveryMs: 0 },
      worker: { pollMs: 200 },
      restoreWorker: { pollMs: 200 },
      // sObject collections throughout (the Bulk path is crashed in test/e2e/restore-cli.test.ts).
      // Re-created under new ids, so that creates can crash (undelete: test/e2e/restore-undelete.test.ts).
      restore: { bulkThreshold: 100_000, pollMs: 50, undelete: false },
    });
    conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
    org = await connectEmulatorOrg(engine, emulator, 'hierarchy');
    key = (await engine.services.keys.create(org.tenantId, { name: 'test' })).key;
  });
  afterAll(async () => {
    await engine?.close();
    await emulator?.stop();
  });

  /** Live records keyed by their backed-up ids (re-created ones through the id map). */
  const throughMap = async (): Promise<OrgState> => {
    const back = new Map([...(await engine.services.restore.ledger.idMap(org.id, org.id))].map(([o, n]) => [n, o]));
    const now = await orgStateNow(conn, OBJECTS);
    return new Map([...now].map(([o, recs]) => [o, new Map([...recs].map(([id, r]) => [back.get(id) ?? id, r]))]));
  };

  it('brings back chosen accounts with their children, and a chosen contact with the account it needs', async () => {
    const job = await engine.services.jobs.start(org, { by: 'test' });
    const done = await waitForJob(engine, org, job.id);
    expect(done.status).toBe('succeeded');
    const truth = await orgStateNow(conn, OBJECTS);
    const childrenOf = (a: string): [string, string][] =>
      CHILDREN.flatMap((o) => [...truth.get(o)!].filter(([, r]) => r.AccountId === a).map(([id]) => [o, id] as [string, string]));
    const candidates = [...truth.get('Account')!.keys()].filter(
      (a) => childrenOf(a).length >= 3 && ![...truth.get('Account')!.values()].some((r) => r.ParentId === a),
    );
    const victims = candidates.slice(0, 3);
    const lonely = candidates[3]!;
    // Salesforce refuses to delete an account with cases: the cases go first, in the same damage.
    const cases = [...victims, lonely].flatMap((a) =>
      childrenOf(a)
        .filter(([o]) => o === 'Case')
        .map(([, id]) => id),
    );
    if (cases.length > 0) await conn.sobject('Case').destroy(cases);
    await conn.sobject('Account').destroy([...victims, lonely]);
    const damaged = await orgStateNow(conn, OBJECTS);
    const gone = (o: string): string[] => [...truth.get(o)!.keys()].filter((id) => !damaged.get(o)!.has(id));
    // The hierarchy of the victims: their records that the delete took with them.
    const wanted = new Map(CHILDREN.map((o) => [o, gone(o).filter((id) => victims.includes(truth.get(o)!.get(id)!.AccountId!))]));
    expect(wanted.get('Contact')!.length).toBeGreaterThanOrEqual(3);

    // Backups are stopped (expired subscription); restores are not.
    await engine.services.schedule.subscriptions.put(org.tenantId, { type: 'enterprise', expiresAt: new Date(Date.now() - 86_400_000) });
    await expect(engine.services.jobs.start(org, { by: 'test' })).rejects.toMatchObject({ code: 'SUBSCRIPTION_EXPIRED' });

    const request = { orgId: org.id, jobId: done.id, objects: ['Account'], recordIds: victims, depth: 1, mode: 'deleted' as const };
    const plan = await engine.services.restore.restore({ ...request, dryRun: true });
    expect(plan.objects.find((p) => p.object === 'Account')!.create).toBe(victims.length);
    for (const o of CHILDREN)
      expect({ o, create: plan.objects.find((p) => p.object === o)?.create }).toEqual({ o, create: wanted.get(o)!.length });
    expect(plan.objects[0]!.object).toBe('Account');
    expect(await orgStateNow(conn, OBJECTS)).toEqual(damaged);

    // A failure after Salesforce created the contacts, before the id map knew them.
    const ledger = engine.services.restore.ledger;
    const record = ledger.record.bind(ledger);
    const spy = jest.spyOn(ledger, 'record').mockImplementation(async (target, rows, settles) => {
      if (rows.some((r) => r.object === 'Contact' && r.operation === 'create')) {
        spy.mockRestore();
        throw new Error('crash between commit and record');
      }
      return record(target, rows, settles);
    });
    await expect(engine.services.restore.restore(request)).rejects.toThrow('crash between commit and record');
    const between = await orgStateNow(conn, ['Contact']);
    expect(between.get('Contact')!.size).toBe(damaged.get('Contact')!.size + wanted.get('Contact')!.length);
    expect((await ledger.inflight(org.id, org.id)).map((c) => c.object)).toEqual(['Contact']);

    // Seats exceeded now too: still no matter for a restore, which settles the contacts and finishes.
    await engine.services.schedule.subscriptions.put(org.tenantId, { type: 'enterprise', seats: 0 });
    await expect(engine.services.jobs.start(org, { by: 'test' })).rejects.toMatchObject({ code: 'SEATS_EXCEEDED' });
    const run = await engine.services.restore.restore(request);
    expect({ status: run.status, failed: run.failed }).toEqual({ status: 'succeeded', failed: 0 });
    expect(run.objects.find((p) => p.object === 'Contact')!.create).toBe(0);
    expect(await ledger.inflight(org.id, org.id)).toEqual([]);

    const after = await throughMap();
    for (const o of CHILDREN) {
      expect({ o, n: after.get(o)!.size }).toEqual({ o, n: damaged.get(o)!.size + wanted.get(o)!.length });
      for (const id of wanted.get(o)!) expect({ o, id, back: after.get(o)!.has(id) }).toEqual({ o, id, back: true });
    }
    for (const id of victims) expect(after.get('Account')!.get(id)!.Name).toBe(truth.get('Account')!.get(id)!.Name);
    // Children point at the re-created accounts.
    const idMap = await ledger.idMap(org.id, org.id);
    for (const id of wanted.get('Contact')!)
      expect(after.get('Contact')!.get(id)!.AccountId).toBe(idMap.get(truth.get('Contact')!.get(id)!.AccountId!));

    // A chosen contact of the other deleted account, over the API: the account comes with it.
    const contact = gone('Contact').find((id) => truth.get('Contact')!.get(id)!.AccountId === lonely)!;
    const api = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${engine.url}/api/v1${path}`, {
        method,
        headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator', 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const body = { from: { jobId: done.id }, objects: ['Contact'], recordIds: [contact], depth: 0, mode: 'deleted' };
    const dry = (await (await api('POST', `/orgs/${org.id}/restores`, { ...body, dryRun: true })).json()) as {
      depth: number;
      objects: { object: string; create: number }[];
    };
    expect(dry.depth).toBe(0);
    expect(dry.objects.map((p) => [p.object, p.create])).toEqual([
      ['Account', 1],
      ['Contact', 1],
    ]);
    let queued = (await (await api('POST', `/orgs/${org.id}/restores`, body)).json()) as { runId: string; status: string; failed: number };
    while (queued.status === 'queued' || queued.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      queued = (await (await api('GET', `/orgs/${org.id}/restores/${queued.runId}`)).json()) as typeof queued;
    }
    expect({ status: queued.status, failed: queued.failed }).toEqual({ status: 'succeeded', failed: 0 });
    const { runs } = (await (await api('GET', `/orgs/${org.id}/restores?limit=3`)).json()) as { runs: { runId: string; status: string }[] };
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(runs[0]!.runId).toBe(queued.runId);
    const last = await throughMap();
    expect(last.get('Account')!.has(lonely)).toBe(true);
    expect(last.get('Contact')!.get(contact)!.AccountId).toBe((await ledger.idMap(org.id, org.id)).get(lonely));

    // Compare works as well with backups stopped.
    const cmp = await engine.services.compare.compare({
      orgId: org.id,
      from: { at: done.finishedAt! },
      to: { live: true },
      objects: ['Account'],
    });
    expect(cmp[0]!.deleted).toEqual([]);
    expect(OrgVaultError.is(await engine.services.jobs.start(org, { by: 'test' }).catch((e: unknown) => e), 'SEATS_EXCEEDED')).toBe(true);
  });
});
