import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, snapshotDb, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { attachSchedule } from './real-services.js';
import { fetchDoc, fill, operations, validBody, type Doc } from './bodies.js';
import type { Org } from '../../src/orgs/registry.js';

describe('tenant isolation: every route with another tenant’s key and ids', () => {
  let api: TestApi;
  let d: Doubles;
  let doc: Doc;
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let a1: Org;
  let a2: Org;
  let b1: Org;
  let aJobId: string;
  let aKeyId: string;
  let aOrgKey: string;
  /** Everything of tenant A that must never show in an answer to anyone else. */
  let secrets: string[];

  beforeAll(async () => {
    api = await startTestApi((own) => (d = doubles(own)));
    schedule = await attachSchedule(api);
    doc = await fetchDoc(api.url);
    a = await api.newTenant('Tenant A');
    b = await api.newTenant('Tenant B');
    a1 = await api.addOrg(a.tenantId, '00D0000000000A1AAA', { name: 'Alpha One' });
    a2 = await api.addOrg(a.tenantId, '00D0000000000A2AAA', { name: 'Alpha Two' });
    b1 = await api.addOrg(b.tenantId, '00D0000000000B1AAA', { name: 'Beta One' });
    const admin = { key: a.key, roles: ['administrator' as const] };
    aJobId = ((await api.call('POST', `/orgs/${a1.id}/jobs`, admin)).body as { id: string }).id;
    expect((await api.call('POST', `/orgs/${a1.id}/permission-check/runs`, admin)).status).toBe(202);
    expect((await api.call('GET', `/orgs/${a1.id}/permission-check/report`, admin)).status).toBe(200);
    const put = await api.call('PUT', `/orgs/${a1.id}/backup-settings`, {
      ...admin,
      body: validBody('putBackupSettings', { orgId: a1.id }),
    });
    expect(put.status).toBe(200);
    const created = (await api.call('POST', '/keys', { ...admin, body: { name: 'A named credential', orgId: a1.id } })).body as {
      key: string;
      info: { id: string };
    };
    aOrgKey = created.key;
    aKeyId = created.info.id;
    secrets = [a.tenantId, a1.id, a2.id, aJobId, aKeyId, 'Alpha One', 'Alpha Two', '00D0000000000A1AAA', 'Tenant A'];
  });
  afterAll(async () => {
    await schedule.stop();
    await api.stop();
  });

  const expectNoLeak = (body: unknown, allowed: string[] = []): void => {
    const text = JSON.stringify(body);
    for (const s of secrets.filter((x) => !allowed.includes(x))) expect(text).not.toContain(s);
  };

  it('tenant B, as administrator, reaches none of tenant A’s orgs, jobs, reports, settings or keys', async () => {
    const before = await snapshotDb(api.db);
    const seen: string[] = [];
    for (const { template, method, op } of operations(doc)) {
      const ids = { orgId: a1.id, jobId: aJobId, keyId: aKeyId };
      // Connecting adds to B's own tenant (a login link is stored): sent without a body, it stops at validation.
      const tenantWrite = op.operationId === 'connectOrg' || op.operationId === 'beginOrgLogin';
      const body = tenantWrite ? undefined : validBody(op.operationId, ids);
      const r = await api.call(method.toUpperCase(), fill(template, ids), { key: b.key, roles: ['administrator'], body });
      seen.push(op.operationId);
      if (template.includes('{')) {
        expect([op.operationId, r.status]).toEqual([op.operationId, 404]);
        expect((r.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      } else if (op.operationId === 'createKey') {
        expect([op.operationId, r.status]).toEqual([op.operationId, 404]); // orgId of tenant A
      } else if (tenantWrite) {
        expect(r.status).toBe(400); // no body: validation, before anything else
      } else {
        expect([op.operationId, r.status]).toEqual([op.operationId, 200]);
      }
      expectNoLeak(r.body);
    }
    expect(seen).toHaveLength(operations(doc).length);
    expect(await snapshotDb(api.db)).toEqual(before);
    // Each refusal is in B's own trail, naming nothing of A; A's trail holds nothing of B.
    const bTrail = await api.services.audit.list({ tenantId: b.tenantId }, { limit: 500 });
    const refusedIds = operations(doc).filter(({ template, op }) => template.includes('{') || op.operationId === 'createKey');
    expect(bTrail.entries.filter((e) => e.outcome === 'refused' && e.code === 'NOT_FOUND')).toHaveLength(refusedIds.length);
    expectNoLeak(bTrail);
    const aTrail = await api.services.audit.list({ tenantId: a.tenantId }, { limit: 500 });
    expect(aTrail.entries.filter((e) => e.outcome !== 'succeeded' || e.tenantId !== a.tenantId)).toEqual([]);

    const list = await api.call('GET', '/orgs', { key: b.key, roles: ['viewer'] });
    expect((list.body as { orgs: Array<{ id: string }> }).orgs.map((o) => o.id)).toEqual([b1.id]);
  });

  it('B’s own org with A’s job id is still NOT_FOUND', async () => {
    const r = await api.call('GET', `/orgs/${b1.id}/jobs/${aJobId}`, { key: b.key, roles: ['viewer'] });
    expect(r.status).toBe(404);
    const events = await api.call('GET', `/orgs/${b1.id}/jobs/${aJobId}/events`, { key: b.key, roles: ['viewer'] });
    expect(events.status).toBe(404);
  });

  it('an org key reaches only its own org, even within its tenant', async () => {
    const before = await snapshotDb(api.db);
    for (const { template, method, op } of operations(doc)) {
      if (!template.includes('{orgId}')) continue;
      const ids = { orgId: a2.id, jobId: aJobId, keyId: aKeyId };
      const r = await api.call(method.toUpperCase(), fill(template, ids), {
        key: aOrgKey,
        roles: ['administrator'],
        body: validBody(op.operationId, ids),
      });
      expect([op.operationId, r.status]).toEqual([op.operationId, 404]);
      expectNoLeak(r.body, [a1.id, aJobId, aKeyId, 'Alpha One', '00D0000000000A1AAA', a.tenantId, 'Tenant A']);
    }
    expect(await snapshotDb(api.db)).toEqual(before);
    const list = await api.call('GET', '/orgs', { key: aOrgKey, roles: ['viewer'] });
    expect((list.body as { orgs: Array<{ id: string }> }).orgs.map((o) => o.id)).toEqual([a1.id]);
    const own = await api.call('GET', `/orgs/${a1.id}/jobs/${aJobId}`, { key: aOrgKey, roles: ['viewer'] });
    expect(own.status).toBe(200);
  });

  it('connecting an org another tenant has makes a separate org, not a shared one', async () => {
    const r = await api.call('POST', '/orgs', {
      key: b.key,
      roles: ['administrator'],
      body: { method: 'access_token', instanceUrl: 'https://b.my.example.test', accessToken: '00D0000000000A1AAA!token' },
    });
    expect(r.status).toBe(201);
    const org = (r.body as { org: { id: string } }).org;
    expect(org.id).not.toBe(a1.id);
    expectNoLeak(r.body, ['00D0000000000A1AAA', 'Alpha One']);
    const aView = await api.call('GET', `/orgs/${a1.id}`, { key: a.key, roles: ['viewer'] });
    expect(aView.body).toMatchObject({ id: a1.id, name: 'Alpha One' });
    expect(d.runner.launched.map((j) => j.orgId)).toEqual([a1.id]);
  });
});
