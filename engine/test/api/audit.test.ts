/**
 * The audit trail through the API: each action the API offers, driven once, is exactly one entry
 * with the right actor, source and outcome; refused requests land in the caller's own trail and
 * nowhere else; the trail is read and exported with filters, and bad filters name their field;
 * no key or token ever reaches it.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { attachSchedule } from './real-services.js';
import { validBody } from './bodies.js';
import { allRoutes, DEFAULT_API_OPTIONS } from '../../src/api/v1.js';
import { ROUTE_AUDIT } from '../../src/api/audit.js';
import { createLogger } from '../../src/infra/logger.js';
import type { AuditEntry } from '../../src/audit/index.js';
import type { Org } from '../../src/orgs/registry.js';

type Entry = Omit<AuditEntry, 'at'> & { at: string };
type Page = { entries: Entry[]; nextBefore: number | null };
const TOKEN = '00D0000000000C1AAA!secret-access-token-zq81';

describe('audit trail through the API', () => {
  let api: TestApi;
  let d: Doubles;
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let a1: Org;
  let aKeyId: string;
  const keys: string[] = [];
  const admin = () => ({ key: a.key, roles: ['administrator' as const], user: 'ann@example.com' });

  beforeAll(async () => {
    api = await startTestApi((own) => (d = doubles(own)));
    schedule = await attachSchedule(api);
    a = await api.newTenant('Tenant A');
    b = await api.newTenant('Tenant B');
    keys.push(a.key, b.key);
    a1 = await api.addOrg(a.tenantId, '00D0000000000A1AAA', { name: 'Alpha One' });
    aKeyId = ((await api.call('GET', '/me', admin())).body as { key: { id: string } }).key.id;
  });
  afterAll(async () => {
    await schedule.stop();
    await api.stop();
  });

  const trail = async (tenantKey: string, query = '', roles = 'administrator'): Promise<Entry[]> => {
    const r = await api.call('GET', `/audit?limit=500${query}`, { key: tenantKey, roles });
    expect(r.status).toBe(200);
    return (r.body as Page).entries;
  };

  it('names an audit action for every route', () => {
    const ids = allRoutes(api.services, DEFAULT_API_OPTIONS, createLogger('silent')).map((r) => r.id);
    expect(ids.filter((id) => !ROUTE_AUDIT[id])).toEqual([]);
  });

  it('records each action once, with actor, source, outcome, target and request id', async () => {
    const org = `/orgs/${a1.id}`;
    const page = { ...admin(), headers: { 'X-OrgVault-Client': 'page' } };
    const steps: Array<{ action: string; method: string; path: string; opts?: object; status: number; source?: string; actor?: string }> = [
      {
        action: 'org.connect',
        method: 'POST',
        path: '/orgs',
        opts: { body: { method: 'access_token', instanceUrl: 'https://c.my.example.test', accessToken: TOKEN } },
        status: 201,
      },
      {
        action: 'settings.backup.change',
        method: 'PUT',
        path: `${org}/backup-settings`,
        opts: { ...page, body: validBody('putBackupSettings', { orgId: a1.id }) },
        status: 200,
        source: 'page',
      },
      {
        action: 'settings.cdp.change',
        method: 'PUT',
        path: `${org}/cdp`,
        opts: { body: { enabled: false, objects: ['Account'] } },
        status: 200,
      },
      {
        action: 'settings.permission-check.change',
        method: 'PUT',
        path: `${org}/permission-check/settings`,
        opts: { body: validBody('putPermissionCheckSettings', { orgId: a1.id }) },
        status: 200,
      },
      {
        action: 'settings.admin-emails.change',
        method: 'PUT',
        path: '/tenant/admin-emails',
        opts: { body: { emails: ['ops@example.com'] } },
        status: 200,
      },
      { action: 'backup.run', method: 'POST', path: `${org}/jobs`, opts: page, status: 202, source: 'page' },
      {
        action: 'recovery-point.create',
        method: 'POST',
        path: `${org}/recovery-points`,
        opts: { body: validBody('createRecoveryPoint', { orgId: a1.id }) },
        status: 202,
      },
      {
        action: 'permission-check.run',
        method: 'POST',
        path: `${org}/permission-check/runs`,
        opts: { headers: { 'X-OrgVault-Client': 'cli' } },
        status: 202,
        source: 'cli',
      },
      {
        action: 'restore.dry-run',
        method: 'POST',
        path: `${org}/restores`,
        opts: { body: validBody('restore', { orgId: a1.id }) },
        status: 200,
      },
      {
        action: 'restore.run',
        method: 'POST',
        path: `${org}/restores`,
        opts: { body: { ...(validBody('restore', { orgId: a1.id }) as object), dryRun: false } },
        status: 200,
      },
      {
        action: 'compare.run',
        method: 'POST',
        path: `${org}/compare`,
        opts: { body: validBody('compare', { orgId: a1.id }) },
        status: 200,
      },
      { action: 'record.history.read', method: 'GET', path: `${org}/records/001000000000001AAA/history`, status: 200 },
      { action: 'records.deleted.read', method: 'GET', path: `${org}/deleted-records?objects=Account`, status: 200 },
      { action: 'store.check', method: 'GET', path: `${org}/check`, status: 200 },
      { action: 'key.create', method: 'POST', path: '/keys', opts: { body: { name: 'ci' } }, status: 201 },
      {
        action: 'org.hide',
        method: 'PATCH',
        path: org,
        opts: { user: '', body: { hidden: true } },
        status: 200,
        actor: `key:${aKeyId}`,
      },
    ];
    const requestIds = new Map<string, string>();
    const answers = new Map<string, unknown>();
    for (const s of steps) {
      const r = await api.call(s.method, s.path, { ...admin(), ...s.opts });
      expect([s.action, r.status]).toEqual([s.action, s.status]);
      requestIds.set(s.action, r.headers.get('x-request-id')!);
      answers.set(s.action, r.body);
    }
    const runId = (answers.get('restore.run') as { runId: string }).runId;
    const results = await api.call('GET', `${org}/restores/${runId}/results`, admin());
    expect(results.status).toBe(200);
    const createdKey = answers.get('key.create') as { info: { id: string }; key: string };
    keys.push(createdKey.key);
    expect((await api.call('DELETE', `/keys/${createdKey.info.id}`, admin())).status).toBe(200);
    // Refused: a viewer may not back up.
    expect((await api.call('POST', `${org}/jobs`, { key: a.key, roles: ['viewer'], user: 'vic@example.com' })).status).toBe(403);
    // Reads of no customer data are not recorded when they succeed.
    expect((await api.call('GET', `${org}/jobs`, admin())).status).toBe(200);
    expect((await api.call('DELETE', org, admin())).status).toBe(204);

    const entries = await trail(a.key);
    const one = (action: string, outcome = 'succeeded'): Entry => {
      const found = entries.filter((e) => e.action === action && e.outcome === outcome);
      expect([action, found.length]).toEqual([action, 1]);
      return found[0]!;
    };
    for (const s of steps) {
      const e = one(s.action);
      expect({ action: e.action, actor: e.actor, source: e.source, requestId: e.requestId, keyId: e.keyId }).toEqual({
        action: s.action,
        actor: s.actor ?? 'ann@example.com',
        source: s.source ?? 'api',
        requestId: requestIds.get(s.action),
        keyId: aKeyId,
      });
    }
    const connected = (answers.get('org.connect') as { org: { id: string } }).org.id;
    expect([one('org.connect').orgId, one('org.connect').target]).toEqual([connected, connected]);
    expect(one('backup.run').target).toBe((answers.get('backup.run') as { id: string }).id);
    expect(one('restore.run').target).toBe(runId);
    expect(one('restore.results.read').target).toBe(runId);
    expect(one('record.history.read').target).toBe('001000000000001AAA');
    expect(one('key.create').target).toBe(createdKey.info.id);
    expect(one('key.revoke').target).toBe(createdKey.info.id);
    expect(one('org.disconnect')).toMatchObject({ orgId: a1.id, target: a1.id });
    expect(one('backup.run', 'refused')).toMatchObject({
      actor: 'vic@example.com',
      code: 'FORBIDDEN',
      orgId: a1.id,
      target: 'POST /api/v1/orgs/:orgId/jobs',
    });
    expect(one('settings.admin-emails.change').details).toEqual({ before: { emails: [] }, after: { emails: ['ops@example.com'] } });
    expect(one('settings.cdp.change').details).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
    expect(entries.filter((e) => e.action === 'jobs.read')).toEqual([]);
    expect(entries.every((e) => e.tenantId === a.tenantId)).toBe(true);
    expect(d.runner.launched.length).toBeGreaterThan(0);
  });

  it("records a refused cross-tenant read in the caller's trail only", async () => {
    const a2 = await api.addOrg(a.tenantId, '00D0000000000A2AAA', { name: 'Alpha Two' });
    const aBefore = await trail(a.key);
    const r = await api.call('GET', `/orgs/${a2.id}`, { key: b.key, roles: ['administrator'], user: 'bob@example.com' });
    expect(r.status).toBe(404);
    const refused = (await trail(b.key)).filter((e) => e.outcome === 'refused');
    // The entry names the route, not A's id: B's trail holds nothing of A.
    expect(
      refused.map((e) => ({ action: e.action, actor: e.actor, code: e.code, orgId: e.orgId, target: e.target, tenantId: e.tenantId })),
    ).toEqual([
      {
        action: 'org.read',
        actor: 'bob@example.com',
        code: 'NOT_FOUND',
        orgId: null,
        target: 'GET /api/v1/orgs/:orgId',
        tenantId: b.tenantId,
      },
    ]);
    expect(await trail(a.key)).toEqual(aBefore);
  });

  it('reads with filters and pages; an org key sees its own org only; a viewer is refused (and recorded)', async () => {
    const all = await trail(a.key);
    const ann = await trail(a.key, '&actor=ann%40example.com');
    expect(ann.length).toBeGreaterThan(5);
    expect(ann.every((e) => e.actor === 'ann@example.com')).toBe(true);
    expect((await trail(a.key, '&action=backup.run')).map((e) => e.outcome).sort()).toEqual(['refused', 'succeeded']);
    const since = all[2]!.at;
    expect((await trail(a.key, `&since=${encodeURIComponent(since)}`)).every((e) => e.at >= since)).toBe(true);
    expect(await trail(a.key, `&until=${encodeURIComponent(all.at(-1)!.at)}`)).toEqual([]);

    const first = (await api.call('GET', '/audit?limit=3', admin())).body as Page;
    const second = (await api.call('GET', `/audit?limit=3&before=${first.nextBefore}`, admin())).body as Page;
    expect([...first.entries, ...second.entries].map((e) => e.seq)).toEqual(all.slice(0, 6).map((e) => e.seq));

    const a3 = await api.addOrg(a.tenantId, '00D0000000000A3AAA', { name: 'Alpha Three' });
    await api.call('PATCH', `/orgs/${a3.id}`, { ...admin(), body: { hidden: true } });
    const orgKey = ((await api.call('POST', '/keys', { ...admin(), body: { name: 'nc', orgId: a3.id } })).body as { key: string }).key;
    keys.push(orgKey);
    const seen = await trail(orgKey, `&orgId=${a1.id}`);
    expect(seen.map((e) => [e.action, e.orgId])).toEqual([['org.hide', a3.id]]);

    expect((await api.call('GET', '/audit', { key: a.key, roles: ['viewer'], user: 'vic@example.com' })).status).toBe(403);
    expect((await trail(a.key, '&action=audit.read')).map((e) => [e.outcome, e.actor])).toEqual([['refused', 'vic@example.com']]);
  });

  it.each([
    ['since', 'since=yesterday'],
    ['until', 'until=2026-13-01T00:00:00Z'],
    ['action', 'action=restore.everything'],
    ['limit', 'limit=0'],
    ['before', 'before=abc'],
    ['orgId', 'orgId=not-a-uuid'],
    ['since', 'since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z'],
  ])('a bad %s filter is a 400 naming it', async (field, query) => {
    // limit and before page the list; the export takes every entry.
    for (const path of field === 'limit' || field === 'before' ? ['/audit'] : ['/audit', '/audit/export']) {
      const r = await api.call('GET', `${path}?${query}`, admin());
      expect([path, r.status]).toEqual([path, 400]);
      const error = (r.body as { error: { code: string; details: { issues: Array<{ path: string }> } } }).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.issues.map((i) => i.path)).toContain(`query.${field}`);
    }
  });

  it('exports JSON Lines and CSV oldest first, recorded; no key or token anywhere in the trail', async () => {
    const exported = await fetch(`${api.url}/api/v1/audit/export?format=jsonl`, {
      headers: { 'X-OrgVault-Key': a.key, 'X-OrgVault-Roles': 'administrator', 'X-OrgVault-User': 'ann@example.com' },
    });
    expect(exported.headers.get('content-type')).toMatch(/ndjson/);
    const jsonl = { body: await exported.text() };
    const lines = (jsonl.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    const csv = (await api.call('GET', '/audit/export?format=csv&action=backup.run', admin())).body as string;
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('seq,at,tenantId,orgId,actor,keyId,source,action,target,outcome,code,requestId,details,prevHash,hash');
    expect(rows).toHaveLength(3);
    const exports = await trail(a.key, '&action=audit.export');
    expect(exports.filter((e) => e.outcome === 'succeeded')).toHaveLength(2);
    // The bad filters of the test before were refused exports.
    expect(exports.filter((e) => e.outcome === 'refused').map((e) => e.code)).toEqual(Array(5).fill('VALIDATION_FAILED'));

    const dump = await api.db.pool.query<{ t: string }>(
      `SELECT string_agg(x::text, E'\\n') AS t FROM (
         SELECT e::text AS x FROM audit_entries e UNION ALL SELECT c::text FROM audit_chains c UNION ALL SELECT f::text FROM audit_forwarding f) all_rows`,
    );
    const text = `${dump.rows[0]!.t}\n${jsonl.body as string}\n${csv}`;
    for (const secret of [...keys, TOKEN, 'secret-access-token-zq81']) expect(text).not.toContain(secret);
    expect(text).toContain('ann@example.com');
  });
});
