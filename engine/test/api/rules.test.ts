import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnonymousCredential, ContainerClient } from '@azure/storage-blob';
import { startTestApi, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { allowedActions, ROLES, type Action, type Role } from '../../src/tenants/roles.js';
import { createLogger } from '../../src/infra/logger.js';
import type { Org } from '../../src/orgs/registry.js';
import { BackupJobsAdapter } from '../../src/api/adapters/backup-jobs.js';
import { BackupJobs } from '../../src/backup/service.js';
import { setJobStatus } from '../../src/backup/jobs.js';
import type { ScheduleServices } from '../../src/schedule/index.js';
import { scheduleApiServices } from '../../src/api/adapters/schedule.js';
import { FakeClock, FakeUsers, dropBossSchema, scheduleFor } from '../schedule/support.js';
import { ScopeDouble } from './doubles.js';
import { attachSchedule } from './real-services.js';
import { Store } from '../../src/store/store.js';
import { localFileKek } from '../../src/store/keys/kek.js';
import { freePort } from '../../../test/support/ports.js';

type Body = { error: { code: string; message: string; actions: string[]; details?: Record<string, unknown> } };
const code = (r: { body: unknown }): string | undefined => (r.body as Body).error?.code;

describe('API rules and error codes', () => {
  let api: TestApi;
  let d: Doubles;
  let key: string;
  let org: Org;
  const logLines: string[] = [];
  let schedule: Awaited<ReturnType<typeof attachSchedule>>;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    api = await startTestApi((own) => (d = doubles(own)), {}, createLogger('info', sink));
    schedule = await attachSchedule(api);
    const t = await api.newTenant('Acme');
    key = t.key;
    org = await api.addOrg(t.tenantId, '00D000000000001AAA');
  });
  afterAll(async () => {
    await schedule.stop();
    await api.stop();
  });

  const as = (roles: Role[] | string, k = key) => ({ key: k, roles, user: 'someone@example.com' });

  describe('UNAUTHENTICATED (401)', () => {
    it.each([
      ['no key', undefined],
      ['a wrong key', 'ovk_' + 'x'.repeat(43)],
      ['a short key', 'ovk_short'],
      ['a key with the right prefix but wrong rest', 'PREFIX'],
    ])('%s', async (_what, k) => {
      const presented = k === 'PREFIX' ? key.slice(0, 12) + 'y'.repeat(43) : k;
      const r = await api.call('GET', '/orgs', { key: presented ?? null, roles: ['administrator'] });
      expect(r.status).toBe(401);
      expect(code(r)).toBe('UNAUTHENTICATED');
      expect((r.body as Body).error.actions[0]).toMatch(/X-OrgVault-Key/);
    });

    it('a revoked key stops at once; keys are stored only as a hash', async () => {
      const created = await api.call('POST', '/keys', { ...as(['administrator']), body: { name: 'temp' } });
      const temp = (created.body as { key: string; info: { id: string } }).key;
      expect((await api.call('GET', '/me', as([], temp))).status).toBe(200);
      const { rows } = await api.db.pool.query('SELECT * FROM api_keys');
      expect(JSON.stringify(rows)).not.toContain(temp);
      expect(JSON.stringify(rows)).not.toContain(key);
      await api.call('DELETE', `/keys/${(created.body as { info: { id: string } }).info.id}`, as(['administrator']));
      expect((await api.call('GET', '/me', as([], temp))).status).toBe(401);
    });
  });

  describe('FORBIDDEN (403): every route against every role', () => {
    it('allows exactly the actions of the asserted roles, before looking anything up', async () => {
      const doc = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { operationId: string; 'x-orgvault-action': Action | null }>>;
      };
      const roleSets: Role[][] = [[], ...ROLES.map((r) => [r])];
      let checked = 0;
      for (const [template, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (op['x-orgvault-action'] === null) continue;
          // Ids that exist nowhere: a refusal must not depend on them.
          const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
          for (const roles of roleSets) {
            const allowed = allowedActions(roles, false).includes(op['x-orgvault-action']);
            const r = await api.call(method.toUpperCase(), path, as(roles));
            if (allowed) expect([op.operationId, roles, r.status]).not.toEqual([op.operationId, roles, 403]);
            else expect([op.operationId, roles, r.status, code(r)]).toEqual([op.operationId, roles, 403, 'FORBIDDEN']);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(60);
    });

    it('viewer reads and compares, backup_operator also backs up, restore_operator also restores, administrator does everything', () => {
      // Issue #15: viewers browse and compare; restoring needs its own role (OrgVault_Restore).
      expect(allowedActions(['viewer'], false)).toEqual([
        'orgs.read',
        'jobs.read',
        'settings.read',
        'permission-report.read',
        'compare.run',
      ]);
      expect(allowedActions(['backup_operator'], false)).toEqual([
        'orgs.read',
        'jobs.read',
        'settings.read',
        'permission-report.read',
        'backup.run',
        'recovery-point.create',
        'compare.run',
      ]);
      expect(allowedActions(['restore_operator'], false)).toEqual([
        'orgs.read',
        'jobs.read',
        'settings.read',
        'permission-report.read',
        'compare.run',
        'restore.run',
      ]);
      expect(allowedActions(['restore_operator'], false)).not.toContain('backup.run');
      expect(allowedActions(['administrator'], false)).toHaveLength(19);
      expect(allowedActions(['backup_operator'], false)).not.toContain('restore.run');
      expect(allowedActions(['backup_operator'], false)).not.toContain('legal-hold.manage');
      expect(allowedActions(['administrator'], true)).not.toEqual(expect.arrayContaining(['orgs.connect']));
      expect(allowedActions(['administrator'], true)).not.toContain('keys.manage');
      expect(allowedActions(['administrator'], true)).not.toContain('tenant.manage');
      // An org's own page (its org key) may reconnect that org when Salesforce revoked access.
      expect(allowedActions(['administrator'], true)).toContain('orgs.reconnect');
      expect(allowedActions(['backup_operator'], false)).not.toContain('orgs.reconnect');
    });

    it('an org key never connects orgs or manages keys, whatever roles it asserts', async () => {
      const created = await api.call('POST', '/keys', { ...as(['administrator']), body: { name: 'nc', orgId: org.id } });
      const orgKey = (created.body as { key: string }).key;
      const connect = await api.call('POST', '/orgs', { ...as(['administrator'], orgKey), body: {} });
      expect([connect.status, code(connect)]).toEqual([403, 'FORBIDDEN']);
      expect((await api.call('GET', '/keys', as(['administrator'], orgKey))).status).toBe(403);
      const me = await api.call('GET', '/me', as(['administrator'], orgKey));
      expect(me.body).toMatchObject({ key: { orgId: org.id } });
    });

    it('/me tells the page which menu entries to offer', async () => {
      const me = await api.call('GET', '/me', as(['viewer']));
      expect((me.body as { actions: string[] }).actions).not.toContain('backup.run');
      const none = await api.call('GET', '/me', as([]));
      expect(none.body).toMatchObject({ roles: [], actions: [] });
    });
  });

  describe('VALIDATION_FAILED (400)', () => {
    it('unknown roles and bad user headers', async () => {
      const r = await api.call('GET', '/orgs', as('viewer,superuser'));
      expect([r.status, code(r)]).toEqual([400, 'VALIDATION_FAILED']);
      const u = await api.call('GET', '/orgs', { key, roles: ['viewer'], headers: { 'X-OrgVault-User': 'a\tb' } });
      expect([u.status, code(u)]).toEqual([400, 'VALIDATION_FAILED']);
    });

    it('object names are gated by pattern, then checked against the org describe, before any job opens', async () => {
      const soql = await api.call('POST', `/orgs/${org.id}/jobs`, {
        ...as(['backup_operator']),
        body: { objects: ['Account WHERE Id != null'] },
      });
      expect([soql.status, code(soql)]).toEqual([400, 'VALIDATION_FAILED']);
      expect(JSON.stringify(soql.body)).not.toContain('WHERE'); // values are never echoed
      const unknown = await api.call('POST', `/orgs/${org.id}/jobs`, {
        ...as(['backup_operator']),
        body: { objects: ['Account', 'Nope__c'] },
      });
      expect([unknown.status, code(unknown)]).toEqual([400, 'VALIDATION_FAILED']);
      expect((unknown.body as Body).error.details).toEqual({ unknown: ['Nope__c'] });
      const fields = await api.call('PUT', `/orgs/${org.id}/backup-settings`, {
        ...as(['administrator']),
        body: {
          enabled: true,
          includeFeedAndShare: false,
          excludedObjects: [],
          excludedFields: ['Account.Secret__c'],
          jobsPerDay: 1,
          startTime: null,
        },
      });
      expect((fields.body as Body).error.details).toEqual({ unknown: ['Account.Secret__c'] });
      expect(d.runner.launched).toHaveLength(0);
    });

    it('settings beyond what the subscription allows', async () => {
      const r = await api.call('PUT', `/orgs/${org.id}/backup-settings`, {
        ...as(['administrator']),
        body: { enabled: true, includeFeedAndShare: false, excludedObjects: [], excludedFields: [], jobsPerDay: 5, startTime: null },
      });
      expect([r.status, code(r)]).toEqual([400, 'VALIDATION_FAILED']);
    });

    it('unknown body keys, wrong types, malformed JSON and oversized bodies', async () => {
      const extra = await api.call('PATCH', `/orgs/${org.id}`, { ...as(['administrator']), body: { hidden: true, name: 'x' } });
      expect([extra.status, code(extra)]).toEqual([400, 'VALIDATION_FAILED']);
      const type = await api.call('PATCH', `/orgs/${org.id}`, { ...as(['administrator']), body: { hidden: 'yes' } });
      expect(type.status).toBe(400);
      const json = await api.call('PATCH', `/orgs/${org.id}`, { ...as(['administrator']), rawBody: '{"hidden":' });
      expect([json.status, code(json)]).toEqual([400, 'BAD_REQUEST']);
      const big = await api.call('POST', `/orgs/${org.id}/jobs`, {
        ...as(['backup_operator']),
        rawBody: JSON.stringify({ objects: ['A'.repeat(70_000)] }),
      });
      expect([big.status, code(big)]).toEqual([413, 'BAD_REQUEST']);
      expect((await api.call('GET', `/orgs/${org.id}`, as(['viewer']))).body).toMatchObject({ hidden: false });
    });
  });

  describe('backup refusals, each with its own code', () => {
    it('JOB_RUNNING (409) while a job is active, from the real job catalog', async () => {
      const first = await api.call('POST', `/orgs/${org.id}/jobs`, as(['backup_operator']));
      expect(first.status).toBe(202);
      const second = await api.call('POST', `/orgs/${org.id}/jobs`, as(['backup_operator']));
      expect([second.status, code(second)]).toEqual([409, 'JOB_RUNNING']);
      await d.runner.finish(d.runner.launched[0]!, 'failed');
    });

    it("FULL_BACKUP_REQUIRED (409) for chosen objects before the cycle's full backup finished", async () => {
      const r = await api.call('POST', `/orgs/${org.id}/jobs`, { ...as(['backup_operator']), body: { objects: ['Account'] } });
      expect([r.status, code(r)]).toEqual([409, 'FULL_BACKUP_REQUIRED']);
      expect((r.body as Body).error.actions.join(' ')).toMatch(/all objects/);
    });

    it.each([
      ['SUBSCRIPTION_EXPIRED', 402],
      ['DAILY_JOB_LIMIT', 429],
      ['SEATS_EXCEEDED', 402],
      ['STORAGE_NOT_CONFIGURED', 503],
    ] as const)('%s (%i) passes through with its message and actions', async (refusal, status) => {
      d.runner.refuse = {
        code: refusal,
        message: `refused: ${refusal}`,
        actions: refusal === 'STORAGE_NOT_CONFIGURED' ? ['Set AZURE_STORAGE_CONNECTION_STRING, or unset it to use Azurite.'] : ['x'],
      };
      try {
        const r = await api.call('POST', `/orgs/${org.id}/jobs`, as(['backup_operator']));
        expect([r.status, code(r), (r.body as Body).error.message]).toEqual([status, refusal, `refused: ${refusal}`]);
        if (refusal === 'STORAGE_NOT_CONFIGURED') expect((r.body as Body).error.actions[0]).toMatch(/AZURE_STORAGE_CONNECTION_STRING/);
      } finally {
        d.runner.refuse = null;
      }
    });
  });

  describe('NOT_FOUND (404)', () => {
    it('unknown, malformed and foreign ids all look the same', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', "1' OR '1'='1"]) {
        const r = await api.call('GET', `/orgs/${encodeURIComponent(id)}`, as(['viewer']));
        expect([r.status, code(r)]).toEqual([404, 'NOT_FOUND']);
      }
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const r = await api.call('GET', `/orgs/${org.id}/jobs/${id}`, as(['viewer']));
        expect([r.status, code(r)]).toEqual([404, 'NOT_FOUND']);
      }
      const report = await api.call('GET', `/orgs/${org.id}/permission-check/report`, as(['viewer']));
      expect([report.status, code(report)]).toEqual([404, 'NOT_FOUND']);
    });

    it('an unknown route', async () => {
      const r = await api.call('GET', '/nothing-here', as(['viewer']));
      expect([r.status, code(r)]).toEqual([404, 'NOT_FOUND']);
    });
  });

  it('POST with X-HTTP-Method-Override: PATCH is a PATCH (Apex cannot send PATCH)', async () => {
    const r = await api.call('POST', `/orgs/${org.id}`, {
      ...as(['administrator']),
      body: { hidden: true },
      headers: { 'X-HTTP-Method-Override': 'PATCH' },
    });
    expect([r.status, (r.body as { hidden: boolean }).hidden]).toEqual([200, true]);
    const viewer = await api.call('POST', `/orgs/${org.id}`, {
      ...as(['viewer']),
      body: { hidden: false },
      headers: { 'X-HTTP-Method-Override': 'PATCH' },
    });
    expect(viewer.status).toBe(403);
    const other = await api.call('POST', `/orgs/${org.id}`, { ...as(['administrator']), headers: { 'X-HTTP-Method-Override': 'DELETE' } });
    expect(other.status).toBe(404); // only PATCH is overridden; POST /orgs/{id} is no route
    await api.call('PATCH', `/orgs/${org.id}`, { ...as(['administrator']), body: { hidden: false } });
  });

  describe('security', () => {
    it('sends helmet security headers', async () => {
      const r = await api.call('GET', '/me', as([]));
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toBeTruthy();
      expect(r.headers.get('x-powered-by')).toBeNull();
    });

    it('logs one line per request without keys, bodies or secrets', async () => {
      logLines.length = 0;
      await api.call('POST', '/orgs', {
        ...as(['administrator']),
        body: { method: 'access_token', instanceUrl: 'https://x.example.test', accessToken: '00D000000000009AAA!TOPSECRET' },
      });
      const all = logLines.join('');
      expect(all).toContain('"route":"/api/v1/orgs"');
      expect(all).not.toContain('TOPSECRET');
      expect(all).not.toContain(key);
      expect(all).not.toContain(key.slice(12));
    });

    it('serves Prometheus metrics', async () => {
      const res = await fetch(`${api.url}/metrics`);
      const text = await res.text();
      expect(res.status).toBe(200);
      for (const name of [
        'orgvault_jobs_total',
        'orgvault_records_total',
        'orgvault_bytes_total',
        'orgvault_salesforce_api_calls_total',
        'orgvault_cdp_lag_seconds',
      ]) {
        expect(text).toContain(`# TYPE ${name}`);
      }
      expect(text).toMatch(/orgvault_http_requests_total\{route="\/api\/v1\/orgs\/:orgId",method="GET",status="200"\} \d+/);
    });
  });
});

describe('API limits and missing services', () => {
  it('RATE_LIMITED (429) per key; another key keeps its own budget', async () => {
    const api = await startTestApi(() => ({}), { rateLimitPerMinute: 3 });
    try {
      const a = await api.newTenant('A');
      const b = await api.newTenant('B');
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await api.call('GET', '/me', { key: a.key })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await api.call('GET', '/me', { key: a.key });
      expect(code(limited)).toBe('RATE_LIMITED');
      expect((await api.call('GET', '/me', { key: b.key })).status).toBe(200);
    } finally {
      await api.stop();
    }
  });

  it('RATE_LIMITED after repeated failed authentications from one address', async () => {
    const api = await startTestApi(() => ({}), { authFailuresPer15Minutes: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await api.call('GET', '/me', { key: `ovk_${'z'.repeat(40)}${i}` })).status);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await api.stop();
    }
  });

  // 503 is what the engine answers when something a route needs is really not there: a backup
  // service built without a runner (backup/service.ts), blob storage that cannot be reached.
  it('503 when a backup service has no runner (nothing queued) or blob storage is down; tiles still answer', async () => {
    const dir = mkdtempSync(path.join(process.env.ORGVAULT_TEST_TMP ?? tmpdir(), 'api-rules-'));
    const down = new ContainerClient(`http://127.0.0.1:${await freePort()}/devstoreaccount1/down`, new AnonymousCredential(), {
      retryOptions: { maxTries: 1 },
    });
    const api = await startTestApi(({ pool }) => ({
      jobs: new BackupJobsAdapter(new BackupJobs(pool, {})),
      store: new Store({ pool, container: down, kek: localFileKek(path.join(dir, 'kek.key')) }),
    }));
    try {
      const t = await api.newTenant('A');
      const org = await api.addOrg(t.tenantId, '00D000000000002AAA');
      const admin = { key: t.key, roles: ['administrator'] as Role[] };
      const start = await api.call('POST', `/orgs/${org.id}/jobs`, admin);
      expect([start.status, code(start)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      const { rows } = await api.db.pool.query('SELECT count(*)::int AS n FROM backup_jobs');
      expect(rows[0].n).toBe(0);
      const check = await api.call('GET', `/orgs/${org.id}/check`, admin);
      expect(check.status).toBe(503);
      expect(code(check)).toBe('STORAGE_UNAVAILABLE');
      const tiles = await api.call('GET', '/orgs', admin);
      expect(tiles.body).toMatchObject({ orgs: [{ id: org.id, lastJob: null, currentJob: null, nextBackupAt: null }] });
    } finally {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backup refusals from the real subscription rules (schedule/)', () => {
  let api: TestApi;
  let s: ScheduleServices;
  const users = new FakeUsers();
  const clock = new FakeClock(new Date());

  beforeAll(async () => {
    api = await startTestApi(({ pool }) => ({
      scope: new ScopeDouble(),
      jobs: new BackupJobsAdapter(
        new BackupJobs(pool, { launch: async () => undefined, admit: (org) => s.subscriptions.assertMayBackUp(org.id) }),
      ),
    }));
    s = await scheduleFor(api.db, clock, { users });
    Object.assign(api.services, scheduleApiServices(s));
  });
  afterAll(async () => {
    await s.stop();
    await dropBossSchema(api.db);
    await api.stop();
  });

  const tenantWithOrg = async (sandbox = false) => {
    const t = await api.newTenant(`T${Math.random()}`);
    const org = await api.addOrg(t.tenantId, sandbox ? '00D0000000000SBAAA' : '00D0000000000PRAAA', { isSandbox: sandbox });
    const start = () => api.call('POST', `/orgs/${org.id}/jobs`, { key: t.key, roles: ['backup_operator'] });
    return { ...t, org, start };
  };

  it('DAILY_JOB_LIMIT (429) once the jobs of the last 24 hours reach the limit', async () => {
    const t = await tenantWithOrg();
    const first = await t.start();
    expect(first.status).toBe(202);
    await setJobStatus(api.db.pool, t.org.id, (first.body as { id: string }).id, 'succeeded');
    const second = await t.start();
    expect([second.status, code(second)]).toEqual([429, 'DAILY_JOB_LIMIT']);
    expect((second.body as Body).error.details).toEqual({ limit: 1, used: 1 });
  });

  it('SUBSCRIPTION_EXPIRED (402) after the expiry date', async () => {
    const t = await tenantWithOrg();
    await s.subscriptions.put(t.tenantId, { type: 'essentials', expiresAt: new Date(Date.now() - 86_400_000) });
    const r = await t.start();
    expect([r.status, code(r)]).toEqual([402, 'SUBSCRIPTION_EXPIRED']);
    expect((r.body as Body).error.actions[0]).toMatch(/Renew/);
  });

  it('SEATS_EXCEEDED (402) for a production org over its seats; sandbox users do not count', async () => {
    const prod = await tenantWithOrg();
    await s.subscriptions.put(prod.tenantId, { type: 'essentials', seats: 5 });
    users.counts.set(prod.org.id, 6);
    const r = await prod.start();
    expect([r.status, code(r)]).toEqual([402, 'SEATS_EXCEEDED']);
    expect((r.body as Body).error.details).toEqual({ activeUsers: 6, seats: 5 });

    const sandbox = await tenantWithOrg(true);
    await s.subscriptions.put(sandbox.tenantId, { type: 'essentials', seats: 5 });
    users.counts.set(sandbox.org.id, 60);
    expect((await sandbox.start()).status).toBe(202);
  });

  it('backup settings over what the subscription allows are refused by the schedule', async () => {
    const t = await tenantWithOrg();
    const r = await api.call('PUT', `/orgs/${t.org.id}/backup-settings`, {
      key: t.key,
      roles: ['administrator'],
      body: { enabled: true, includeFeedAndShare: false, excludedObjects: [], excludedFields: [], jobsPerDay: 3, startTime: null },
    });
    expect([r.status, code(r)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
