/**
 * Disconnect with deletion of the org's backups, on a real engine over an emulated org whose
 * backup holds records and files: DELETE /orgs/{id}/backups disconnects it and leaves nothing of
 * its backups (packs, versions, file records, data key, objects in Blob Storage); an org
 * disconnected earlier with its backups kept is listed apart and its backups deleted later. A
 * legal hold (placed through the API, named in the refusal) or a running backup refuses it with
 * everything left as it was. A stop between the catalog's deletion and the files' leaves nothing
 * readable, and the next start finishes the deletion.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatorHandle } from '../../../test/emulator/server.js';
import { executeSoql } from '../../../test/emulator/soql/execute.js';
import { startTestEngine, type TestEngine } from '../../../test/support/engine.js';
import { connectEmulatorOrg } from '../../../test/support/emulator-org.js';
import { waitForJob } from '../../../test/support/backup-checks.js';
import { OrgVaultError } from '../../src/errors.js';
import { BackupDeletion } from '../../src/orgs/backup-deletion.js';
import { deleteOrgBackups } from '../../src/store/deletion.js';
import type { Org } from '../../src/orgs/registry.js';

let emulator: EmulatorHandle;
let engine: TestEngine;

/** What the store keeps of an org: rows in PostgreSQL, objects in Blob Storage. */
async function kept(orgId: string): Promise<{ packs: number; files: number; keys: number; blobObjects: number }> {
  const { rows } = await engine.ctx.infra.pool.query<{ packs: number; files: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM packs WHERE org_id = $1) AS packs, (SELECT count(*)::int FROM blobs WHERE org_id = $1) AS files,
            (SELECT count(*)::int FROM org_keys WHERE org_id = $1) AS keys`,
    [orgId],
  );
  let blobObjects = 0;
  for await (const _ of engine.ctx.infra.container.listBlobsFlat({ prefix: `orgs/${orgId}/` })) blobObjects++;
  return { ...rows[0]!, blobObjects };
}

/** A tenant with the emulator's org connected, a file attached to an Account, and one finished backup. */
async function backedUp(tenant: string): Promise<Org> {
  const org = await connectEmulatorOrg(engine, emulator, tenant);
  const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
  const account = emulator.org.create('Account', { Name: `Customer of ${tenant}` });
  await conn.sobject('ContentVersion').create({
    Title: `contract ${tenant}`,
    PathOnClient: 'contract.txt',
    VersionData: Buffer.from(`signed by ${tenant}`).toString('base64'),
    FirstPublishLocationId: account,
  });
  const job = await engine.services.jobs.start(org, { by: 'test' });
  expect((await waitForJob(engine, org, job.id)).status).toBe('succeeded');
  const before = await kept(org.id);
  expect(before.packs).toBeGreaterThan(0);
  expect(before.files).toBeGreaterThan(0);
  expect(before.blobObjects).toBeGreaterThanOrEqual(before.files);
  return org;
}

/** A tenant administrator's call to the API. */
async function asAdmin(org: Org, method: string, path: string, body?: unknown): Promise<Response> {
  const { key: k } = await engine.services.keys.create(org.tenantId, { name: 'test' });
  return fetch(`${engine.url}/api/v1${path}`, {
    method,
    headers: {
      'X-OrgVault-Key': k,
      'X-OrgVault-User': 'admin@customer.example',
      'X-OrgVault-Roles': 'administrator',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const deleteBackups = (org: Org): Promise<Response> => asAdmin(org, 'DELETE', `/orgs/${org.id}/backups`);

beforeAll(async () => {
  emulator = await startEmulator({ records: 40, seed: 51, cdc: false });
  engine = await startTestEngine({ worker: { pollMs: 200 } });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await emulator?.stop();
});

describe("deleting an org's backups", () => {
  it('disconnects the org and deletes its records, packs, files and data key', async () => {
    const org = await backedUp('deletes');
    const res = await deleteBackups(org);
    expect(res.status).toBe(200);
    const deleted = (await res.json()) as { packs: number; versions: number; files: number; blobObjects: number };
    expect(deleted.packs).toBeGreaterThan(0);
    expect(deleted.versions).toBeGreaterThan(0);
    expect(deleted.blobObjects).toBeGreaterThanOrEqual(deleted.files);
    expect(await kept(org.id)).toEqual({ packs: 0, files: 0, keys: 0, blobObjects: 0 });
    expect(await engine.services.orgs.list({ tenantId: org.tenantId, orgId: null })).toEqual([]);
    const trail = await engine.services.audit.list({ tenantId: org.tenantId, orgId: org.id, action: 'org.backups.delete' }, { limit: 5 });
    expect(trail.entries.map((e) => [e.actor, e.outcome])).toEqual([['admin@customer.example', 'succeeded']]);
    // Nothing reads as a backup of it any more.
    const read = [];
    for await (const r of engine.services.store.readAsOf({ orgId: org.id, object: 'Account', at: new Date() })) read.push(r);
    expect(read).toEqual([]);
  });

  it('is refused by a legal hold or a running backup, leaving the org connected and its backups whole', async () => {
    const org = await backedUp('held');
    const before = await kept(org.id);
    const held = new OrgVaultError('CONFLICT', 'held by "Matter 7"');
    const deletion = (over: Partial<ConstructorParameters<typeof BackupDeletion>[0]>) =>
      new BackupDeletion({
        db: engine.ctx.infra.pool,
        orgs: engine.services.orgs,
        holds: { assertNotHeld: async () => undefined },
        activity: async () => null,
        store: engine.services.store,
        ...over,
      });
    const scope = { tenantId: org.tenantId, orgId: null };
    await expect(deletion({ holds: { assertNotHeld: () => Promise.reject(held) } }).deleteBackups(scope, org.id)).rejects.toBe(held);
    await expect(deletion({ activity: async () => 'backup job 42 is running' }).deleteBackups(scope, org.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `The backups of ${org.name} are in use: backup job 42 is running`,
      details: { reason: 'in_use' },
    });
    expect((await engine.services.orgs.get(scope, org.id)).id).toBe(org.id);
    expect(await kept(org.id)).toEqual(before);
  });

  it('deletes later the backups an administrator kept when disconnecting', async () => {
    const org = await backedUp('later');
    expect((await asAdmin(org, 'DELETE', `/orgs/${org.id}`)).status).toBe(204);
    const before = await kept(org.id);
    expect(before.packs).toBeGreaterThan(0);
    const listed = (await (await asAdmin(org, 'GET', '/orgs/disconnected')).json()) as { orgs: Array<Record<string, unknown>> };
    expect(listed.orgs).toEqual([
      {
        id: org.id,
        name: org.name,
        sfOrgId: org.sfOrgId,
        instanceUrl: org.instanceUrl,
        isSandbox: org.isSandbox,
        disconnectedAt: expect.any(String),
      },
    ]);

    const res = await deleteBackups(org);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { packs: number }).packs).toBe(before.packs);
    expect(await kept(org.id)).toEqual({ packs: 0, files: 0, keys: 0, blobObjects: 0 });
    expect(((await (await asAdmin(org, 'GET', '/orgs/disconnected')).json()) as { orgs: unknown[] }).orgs).toEqual([]);
    // Gone is gone: a second deletion finds no org with backups.
    expect((await deleteBackups(org)).status).toBe(404);
  });

  it('is refused with LEGAL_HOLD, naming the hold, until the hold is released (also after a disconnect)', async () => {
    const org = await backedUp('legal');
    const placed = await asAdmin(org, 'POST', `/orgs/${org.id}/legal-holds`, { name: 'Matter 2026-77' });
    expect(placed.status).toBe(201);
    const hold = (await placed.json()) as { id: string };
    const before = await kept(org.id);

    const refused = await deleteBackups(org);
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as {
      error: { code: string; message: string; details: { holds: Array<{ id: string; name: string }> } };
    };
    expect(error.code).toBe('LEGAL_HOLD');
    expect(error.message).toContain('Matter 2026-77');
    expect(error.details.holds).toEqual([expect.objectContaining({ id: hold.id, name: 'Matter 2026-77', scope: 'org' })]);
    expect(await kept(org.id)).toEqual(before);
    expect((await engine.services.orgs.get({ tenantId: org.tenantId, orgId: null }, org.id)).id).toBe(org.id);

    // Disconnected, the org's kept backups are still held, and the hold is still released where it was placed.
    expect((await asAdmin(org, 'DELETE', `/orgs/${org.id}`)).status).toBe(204);
    expect((await deleteBackups(org)).status).toBe(409);
    expect(await kept(org.id)).toEqual(before);
    expect((await asAdmin(org, 'POST', `/orgs/${org.id}/legal-holds/${hold.id}/release`)).status).toBe(200);

    const res = await deleteBackups(org);
    expect(res.status).toBe(200);
    expect(await kept(org.id)).toEqual({ packs: 0, files: 0, keys: 0, blobObjects: 0 });
    const trail = await engine.services.audit.list({ tenantId: org.tenantId, orgId: org.id, action: 'org.backups.delete' }, { limit: 5 });
    expect(trail.entries.map((e) => [e.outcome, e.code])).toEqual([
      ['succeeded', null],
      ['refused', 'LEGAL_HOLD'],
      ['refused', 'LEGAL_HOLD'],
    ]);
  });

  it('keeps a disconnected org’s backups usable: browsed, and restored into another connected org of the tenant', async () => {
    const org = await backedUp('kept');
    const other = await startEmulator({ records: 1, seed: 52, cdc: false });
    try {
      const { orgId: targetOrgId } = await engine.services.connect(org.tenantId, {
        kind: 'accessToken',
        instanceUrl: other.instanceUrl,
        accessToken: other.accessToken,
      });
      const jobs = await engine.services.jobs.list(org, { limit: 1 });
      expect((await asAdmin(org, 'DELETE', `/orgs/${org.id}`)).status).toBe(204);
      const name = `Customer of kept`;
      const accountId = executeSoql(emulator.org, `SELECT Id FROM Account WHERE Name = '${name}'`);
      const history = await asAdmin(org, 'GET', `/orgs/${org.id}/records/${accountId.table.idOf(accountId.rows[0]!)}/history`);
      expect(history.status).toBe(200);

      const request = {
        from: { jobId: jobs[0]!.id },
        objects: ['Account'],
        mode: 'deleted',
        recordIds: [accountId.table.idOf(accountId.rows[0]!)],
      };
      const inPlace = await asAdmin(org, 'POST', `/orgs/${org.id}/restores`, { ...request, dryRun: true });
      expect(inPlace.status).toBe(400);
      expect(await inPlace.json()).toMatchObject({
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.stringContaining('is disconnected'),
          actions: [expect.stringContaining('targetOrgId')],
        },
      });
      const queued = await asAdmin(org, 'POST', `/orgs/${org.id}/restores`, { ...request, targetOrgId });
      expect(queued.status).toBe(200);
      const { runId } = (await queued.json()) as { runId: string };
      let run: { status: string } = { status: 'queued' };
      for (let i = 0; i < 600 && ['queued', 'running'].includes(run.status); i++) {
        await new Promise((r) => setTimeout(r, 200));
        run = (await (await asAdmin(org, 'GET', `/orgs/${org.id}/restores/${runId}`)).json()) as { status: string };
      }
      expect(run.status).toBe('succeeded');
      expect(executeSoql(other.org, `SELECT Id FROM Account WHERE Name = '${name}'`).totalSize).toBe(1);

      // Compared with the org it was restored into: the restored account is there and equal; the
      // backup's other accounts, not restored, are what the target lacks.
      const compare = (to: unknown) => asAdmin(org, 'POST', `/orgs/${org.id}/compare`, { from: request.from, to, objects: ['Account'] });
      const against = await compare({ live: true, targetOrgId });
      expect(against.status).toBe(200);
      const [accounts] = ((await against.json()) as { objects: Array<{ added: string[]; deleted: string[]; changed: string[] }> }).objects;
      expect(accounts!.changed).toEqual([]);
      expect(accounts!.added).toEqual([]);
      expect(accounts!.deleted).not.toContain(request.recordIds[0]);
      expect(accounts!.deleted.length).toBe(executeSoql(emulator.org, 'SELECT Id FROM Account').totalSize - 1);
      // Compared with itself live, it cannot be: its describe is gone with its connection.
      const itself = await compare({ live: true });
      expect(itself.status).toBe(400);
      expect(await itself.json()).toMatchObject({
        error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('is disconnected') },
      });

      // Exported from the backup alone (orgvault export --org REF resolves it so).
      const exported: string[] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => void (exported.push(String(chunk)), done()) });
      const kept = await engine.services.orgs.resolveWithBackups(org.id);
      const { records } = await engine.services.backup.exportRecords(kept, { object: 'Account', at: new Date(), format: 'csv' }, sink);
      expect(records).toBeGreaterThan(0);
      expect(exported.join('')).toContain(name);
    } finally {
      await other.stop();
    }
  }, 120_000);

  it('leaves nothing readable when Blob Storage fails midway, and the next start finishes the deletion', async () => {
    const org = await backedUp('midway');
    const real = engine.ctx.infra.container;
    const failing = new Proxy(real, {
      get: (target, prop) =>
        prop === 'deleteBlob'
          ? () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
          : Reflect.get(target, prop),
    }) as ContainerClient;
    await engine.services.orgs.disconnect({ tenantId: org.tenantId, orgId: null }, org.id);
    await engine.ctx.infra.pool.query('UPDATE orgs SET backups_deleted_at = now() WHERE id = $1', [org.id]);
    await expect(
      deleteOrgBackups({ pool: engine.ctx.infra.pool, container: failing, keyring: engine.services.store.keyring }, org.id),
    ).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    });
    const midway = await kept(org.id);
    expect([midway.packs, midway.files, midway.keys]).toEqual([0, 0, 0]);
    expect(midway.blobObjects).toBeGreaterThan(0);
    const read = [];
    for await (const r of engine.services.store.readAsOf({ orgId: org.id, object: 'Account', at: new Date() })) read.push(r);
    expect(read).toEqual([]);

    engine = await engine.restart();
    expect((await kept(org.id)).blobObjects).toBe(0);
  });
});
