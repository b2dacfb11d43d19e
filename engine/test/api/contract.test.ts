import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from './harness.js';
import { doubles, type Doubles } from './doubles.js';
import { ContractChecker } from './contract-check.js';
import type { Role } from '../../src/tenants/roles.js';
import { attachSchedule } from './real-services.js';

const ADMIN: Role[] = ['administrator'];
/** The local admin key of the engine's data directory (tenants/local-admin.ts). */
const LOCAL = 'ovk_local-admin-key-of-the-contract-test';

describe('API contract: every route against the OpenAPI document', () => {
  let api: TestApi;
  let d: Doubles;
  let contract: ContractChecker;
  let key: string;
  let tenantId: string;
  let real: Awaited<ReturnType<typeof attachSchedule>>;

  /** Calls a route and checks the answer against the document's operation for `template`. */
  const call = async (
    method: string,
    template: string,
    path: string,
    opts: Parameters<TestApi['call']>[2] = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked against the document, then read freely
  ): Promise<{ status: number; body: any; headers: Headers }> => {
    const res = await api.call(method, path, { key, roles: ADMIN, user: 'admin@example.com', ...opts });
    contract.check(method, template, res);
    return res;
  };

  beforeAll(async () => {
    api = await startTestApi((own) => (d = doubles(own)), { localAdminKey: LOCAL });
    // The real schedule services behind the settings and permission-check routes.
    real = await attachSchedule(api);
    const tenant = await api.newTenant('Acme');
    key = tenant.key;
    tenantId = tenant.tenantId;
    await real.schedule.subscriptions.put(tenant.tenantId, { type: 'professional' });
    const doc = await fetch(`${api.url}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    contract = new ContractChecker((await doc.json()) as ConstructorParameters<typeof ContractChecker>[0]);
  });
  afterAll(async () => {
    await real.stop();
    await api.stop();
  });

  it('serves an OpenAPI 3.1 document listing every route with its errors', async () => {
    const doc = contract.doc as unknown as { openapi: string; paths: Record<string, Record<string, { responses: object }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(contract.operationIds().sort()).toEqual(
      [
        'beginOrgLogin',
        'beginOrgReconnect',
        'checkOrgStore',
        'compare',
        'connectOrg',
        'createKey',
        'createLegalHold',
        'createErasure',
        'listErasures',
        'getErasure',
        'erasureDryRun',
        'approveErasure',
        'getRetentionPolicy',
        'putRetentionPolicy',
        'listPruneRuns',
        'startPrune',
        'createRecoveryPoint',
        'deletedRecords',
        'disconnectOrg',
        'deleteOrgBackups',
        'ensureTenant',
        'exportAudit',
        'findTenant',
        'listAllOrgs',
        'resolveOrg',
        'listDisconnectedOrgs',
        'listAllDisconnectedOrgs',
        'resolveDisconnectedOrg',
        'getBackupSettings',
        'getCdpSettings',
        'getJob',
        'getAdminEmails',
        'getMe',
        'getMonitorSeries',
        'getSubscription',
        'getInstallDoctor',
        'getOrgDoctor',
        'getOrg',
        'getPermissionCheckSettings',
        'getPermissionReport',
        'getRestore',
        'jobEvents',
        'listAudit',
        'listLegalHolds',
        'releaseLegalHold',
        'listJobs',
        'listKeys',
        'listObjects',
        'listRestores',
        'listOrgs',
        'putBackupSettings',
        'putAdminEmails',
        'putCdpSettings',
        'putPermissionCheckSettings',
        'recordHistory',
        'restore',
        'restoreResults',
        'revokeKey',
        'runPermissionCheck',
        'startJob',
        'updateOrg',
      ].sort(),
    );
    const start = doc.paths['/orgs/{orgId}/jobs']!.post!.responses as Record<string, { 'x-orgvault-codes'?: string[] }>;
    expect(start['409']!['x-orgvault-codes']).toEqual(expect.arrayContaining(['JOB_RUNNING', 'FULL_BACKUP_REQUIRED']));
    expect(start['429']!['x-orgvault-codes']).toEqual(expect.arrayContaining(['DAILY_JOB_LIMIT', 'RATE_LIMITED']));
    expect(start['402']!['x-orgvault-codes']).toEqual(expect.arrayContaining(['SUBSCRIPTION_EXPIRED', 'SEATS_EXCEEDED']));
    expect(start['503']!['x-orgvault-codes']).toEqual(expect.arrayContaining(['STORAGE_NOT_CONFIGURED']));
    const deleteBackups = doc.paths['/orgs/{orgId}/backups']!.delete!.responses as Record<string, { 'x-orgvault-codes'?: string[] }>;
    expect(deleteBackups['409']!['x-orgvault-codes']).toEqual(expect.arrayContaining(['LEGAL_HOLD', 'CONFLICT']));
    const codes = (contract.doc as unknown as { 'x-orgvault-error-codes': Record<string, { status: number }> })['x-orgvault-error-codes'];
    expect(codes).toMatchObject({
      JOB_RUNNING: { status: 409 },
      FULL_BACKUP_REQUIRED: { status: 409 },
      SUBSCRIPTION_EXPIRED: { status: 402 },
      DAILY_JOB_LIMIT: { status: 429 },
      SEATS_EXCEEDED: { status: 402 },
      STORAGE_NOT_CONFIGURED: { status: 503 },
      VALIDATION_FAILED: { status: 400 },
      NOT_FOUND: { status: 404 },
      FORBIDDEN: { status: 403 },
      UNAUTHENTICATED: { status: 401 },
      RATE_LIMITED: { status: 429 },
    });
  });

  it('the local admin key: the operator routes, and the tenant routes in the tenant it names', async () => {
    const other = await api.newTenant('Operated');
    const org = await api.addOrg(other.tenantId, '00D000000000OPSAAA', { name: 'Operated org' });
    const local = { key: LOCAL };
    expect((await call('GET', '/operator/doctor', '/operator/doctor', local)).body).toMatchObject({ ok: true, problems: [] });
    const all = await call('GET', '/operator/orgs', '/operator/orgs', local);
    expect(all.body.orgs).toContainEqual(expect.objectContaining({ id: org.id, tenant: { id: other.tenantId, name: 'Operated' } }));
    expect((await call('GET', '/operator/orgs/resolve', '/operator/orgs/resolve?ref=Operated%20org', local)).body).toMatchObject({
      id: org.id,
    });
    expect((await call('GET', '/operator/orgs/resolve', '/operator/orgs/resolve?ref=nobody', local)).status).toBe(404);
    expect((await call('GET', '/operator/tenants', '/operator/tenants?name=Operated', local)).body).toEqual({
      id: other.tenantId,
      name: 'Operated',
    });
    expect((await call('GET', '/operator/tenants', '/operator/tenants?name=Nobody', local)).status).toBe(404);
    const made = await call('POST', '/operator/tenants', '/operator/tenants', { ...local, body: { name: 'Made' } });
    expect((await call('POST', '/operator/tenants', '/operator/tenants', { ...local, body: { name: 'Made' } })).body).toEqual(made.body);

    // A tenant key may not; the local admin key must name the tenant for anything else, and acts in it.
    expect((await api.call('GET', '/operator/orgs', { key, roles: ADMIN })).status).toBe(403);
    expect((await api.call('GET', '/orgs', local)).status).toBe(400);
    const tenant = { 'X-OrgVault-Tenant': other.tenantId };
    const tiles = await api.call('GET', '/orgs', { ...local, headers: tenant });
    expect((tiles.body as { orgs: Array<{ id: string }> }).orgs.map((o) => o.id)).toEqual([org.id]);
    const unknown = { 'X-OrgVault-Tenant': '00000000-0000-4000-8000-000000000000' };
    expect((await api.call('GET', '/orgs', { ...local, headers: unknown })).status).toBe(404);
  });

  it('walks every route the way the Lightning page does, each answer matching the document', async () => {
    const me = await call('GET', '/me', '/me');
    expect(me.status).toBe(200);
    expect(me.body.actions).toContain('keys.manage');
    expect(me.body.user).toBe('admin@example.com');

    const connected = await call('POST', '/orgs', '/orgs', {
      body: { method: 'access_token', instanceUrl: 'https://acme.my.example.test', accessToken: '00D000000000001AAA!token' },
    });
    expect(connected.status).toBe(201);
    const orgId: string = connected.body.org.id;
    expect(connected.body.org.sfOrgId).toBe('00D000000000001AAA');
    expect(connected.body.orgKey.key).toMatch(/^ovk_/);

    const list = await call('GET', '/orgs', '/orgs');
    expect(list.body.orgs.map((o: { id: string }) => o.id)).toEqual([orgId]);
    expect(list.body.orgs[0]).toMatchObject({ hidden: false, lastJob: null, currentJob: null, cdpEnabled: true });
    expect(Date.parse(list.body.orgs[0].nextBackupAt)).toBeGreaterThan(Date.now());

    expect((await call('GET', '/orgs/{orgId}', `/orgs/${orgId}`)).body.name).toBe('Org 00D000000000001AAA');
    expect((await call('PATCH', '/orgs/{orgId}', `/orgs/${orgId}`, { body: { hidden: true } })).body.hidden).toBe(true);
    expect((await call('PATCH', '/orgs/{orgId}', `/orgs/${orgId}`, { body: { hidden: false } })).body.hidden).toBe(false);

    const login = await call('POST', '/orgs/connect', '/orgs/connect', { body: { environment: 'sandbox' } });
    expect(login.body.authorizeUrl).toMatch(
      /^https:\/\/test\.salesforce\.com\/services\/oauth2\/authorize\?response_type=code&client_id=OrgVaultApp&/,
    );
    const reconnect = await call('POST', '/orgs/{orgId}/reconnect', `/orgs/${orgId}/reconnect`);
    expect(new URL(reconnect.body.authorizeUrl).origin).toBe('https://acme.my.example.test');

    const objects = await call('GET', '/orgs/{orgId}/objects', `/orgs/${orgId}/objects`);
    expect(objects.body.objects.find((o: { name: string }) => o.name === 'Case')).toMatchObject({ inScope: false });

    const started = await call('POST', '/orgs/{orgId}/jobs', `/orgs/${orgId}/jobs`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued', kind: 'full', objects: null, requestedBy: 'admin@example.com' });
    const jobId: string = started.body.id;
    const job = d.runner.launched[0]!;
    expect(job.id).toBe(jobId);

    const tile = await call('GET', '/orgs/{orgId}', `/orgs/${orgId}`);
    expect(tile.body.currentJob).toMatchObject({ id: jobId, status: 'queued' });

    const jobs = await call('GET', '/orgs/{orgId}/jobs', `/orgs/${orgId}/jobs?limit=5`);
    expect(jobs.body.jobs.map((j: { id: string }) => j.id)).toEqual([jobId]);

    // Per-object progress as the runner will write it.
    await api.db.pool.query(
      `INSERT INTO backup_job_objects (org_id, job_id, object, pass, status, records) VALUES ($1, $2, 'Account', 'full', 'succeeded', 10), ($1, $2, 'Contact', 'full', 'running', 3)`,
      [orgId, jobId],
    );
    await d.runner.run(job);
    const detail = await call('GET', '/orgs/{orgId}/jobs/{jobId}', `/orgs/${orgId}/jobs/${jobId}`);
    expect(detail.body.objectDetails.map((o: { name: string; status: string }) => [o.name, o.status])).toEqual([
      ['Account', 'succeeded'],
      ['Contact', 'running'],
    ]);
    expect(detail.body.progress).toMatchObject({ objectsTotal: 2, objectsDone: 1, percent: 50 });

    const today = new Date().toISOString().slice(0, 10);
    const series = await call('GET', '/orgs/{orgId}/monitor', `/orgs/${orgId}/monitor?days=3`);
    expect(series.status).toBe(200);
    expect(series.body).toMatchObject({ to: today, jobs: 1 });
    expect(series.body.days.map((p: { day: string }) => p.day).at(-1)).toBe(today);
    const badDay = await call('GET', '/orgs/{orgId}/monitor', `/orgs/${orgId}/monitor?to=2026-02-30`);
    expect(badDay.status).toBe(400);

    // Server-sent events: progress while it runs, then `end` once the job is final.
    const res = await fetch(`${api.url}/api/v1/orgs/${orgId}/jobs/${jobId}/events`, {
      headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'viewer' },
    });
    contract.check('GET', '/orgs/{orgId}/jobs/{jobId}/events', { status: res.status, body: null, headers: res.headers });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: progress');
    expect(text).toContain('"status":"running"');
    await d.runner.finish(job);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(text).toContain('"status":"succeeded"');
    expect(text.trim().endsWith('event: end\ndata: {}')).toBe(true);

    const after = await call('GET', '/orgs/{orgId}', `/orgs/${orgId}`);
    expect(after.body.lastJob).toMatchObject({ id: jobId, status: 'succeeded' });
    expect(after.body.currentJob).toBeNull();

    const scoped = await call('POST', '/orgs/{orgId}/jobs', `/orgs/${orgId}/jobs`, { body: { objects: ['Account', 'Contact'] } });
    expect(scoped.body).toMatchObject({ status: 'queued', kind: 'incremental', objects: ['Account', 'Contact'] });

    const point = await call('POST', '/orgs/{orgId}/recovery-points', `/orgs/${orgId}/recovery-points`, {
      body: { objects: ['Account'], at: '2026-11-25T10:00:00+01:00' },
    });
    expect(point.status).toBe(202);
    expect(point.body).toMatchObject({ objects: ['Account'], at: '2026-11-25T09:00:00.000Z', status: 'pending' });

    const plan = await call('POST', '/orgs/{orgId}/restores', `/orgs/${orgId}/restores`, {
      body: { from: { jobId }, objects: ['Account'], mode: 'deleted', depth: 2, dryRun: true },
    });
    expect(plan.body).toMatchObject({
      dryRun: true,
      runId: null,
      status: 'planned',
      mode: 'deleted',
      depth: 2,
      objects: [{ object: 'Account' }],
    });
    const restored = await call('POST', '/orgs/{orgId}/restores', `/orgs/${orgId}/restores`, {
      body: { from: { jobId }, objects: ['Account'] },
    });
    expect(restored.body).toMatchObject({ dryRun: false, mode: 'changed', status: 'queued' });
    const followed = await call('GET', '/orgs/{orgId}/restores/{runId}', `/orgs/${orgId}/restores/${restored.body.runId}`);
    expect(followed.body).toMatchObject({ runId: restored.body.runId, status: 'succeeded', progress: { total: 1, done: 1 } });
    const listed = await call('GET', '/orgs/{orgId}/restores', `/orgs/${orgId}/restores?limit=5`);
    expect(listed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([restored.body.runId]);
    const results = await call('GET', '/orgs/{orgId}/restores/{runId}/results', `/orgs/${orgId}/restores/${restored.body.runId}/results`);
    expect(results.headers.get('content-type')).toContain('text/csv');
    const compared = await call('POST', '/orgs/{orgId}/compare', `/orgs/${orgId}/compare`, {
      body: { from: { at: '2026-11-20T10:00:00Z' }, to: { live: true }, objects: ['Account'] },
    });
    expect(compared.body.objects).toEqual([{ object: 'Account', added: [], deleted: [], changed: [], fieldCounts: {}, details: [] }]);
    const history = await call('GET', '/orgs/{orgId}/records/{recordId}/history', `/orgs/${orgId}/records/001000000000001AAA/history`);
    expect(history.body.versions).toHaveLength(1);
    const deletedList = await call(
      'GET',
      '/orgs/{orgId}/deleted-records',
      `/orgs/${orgId}/deleted-records?objects=Account&since=2026-11-01T00:00:00Z`,
    );
    expect(deletedList.body).toMatchObject({ since: '2026-11-01T00:00:00.000Z', objects: [{ object: 'Account', records: [] }] });

    const settings = await call('GET', '/orgs/{orgId}/backup-settings', `/orgs/${orgId}/backup-settings`);
    expect(settings.body).toMatchObject({ enabled: true, jobsPerDay: 1, maxJobsPerDay: 4 });
    expect(Date.parse(settings.body.nextBackupAt)).toBeGreaterThan(Date.now());
    const put = await call('PUT', '/orgs/{orgId}/backup-settings', `/orgs/${orgId}/backup-settings`, {
      body: {
        enabled: true,
        includeFeedAndShare: false,
        excludedObjects: ['Case'],
        excludedFields: ['Account.AnnualRevenue'],
        jobsPerDay: 2,
        startTime: '02:30',
      },
    });
    expect(put.body).toMatchObject({ excludedObjects: ['Case'], jobsPerDay: 2, startTime: '02:30' });

    const cdpPut = await call('PUT', '/orgs/{orgId}/cdp', `/orgs/${orgId}/cdp`, { body: { enabled: true, objects: ['Account'] } });
    expect(cdpPut.body).toMatchObject({ enabled: true, objects: ['Account'], selection: { Account: { selected: true } } });
    expect((await call('GET', '/orgs/{orgId}/cdp', `/orgs/${orgId}/cdp`)).body).toMatchObject({ enabled: true, fallbacks: [] });

    const pcs = await call('GET', '/orgs/{orgId}/permission-check/settings', `/orgs/${orgId}/permission-check/settings`);
    expect(pcs.body).toMatchObject({ enabled: true, intervalUnit: 'month', intervalCount: 1 });
    const pcsPut = await call('PUT', '/orgs/{orgId}/permission-check/settings', `/orgs/${orgId}/permission-check/settings`, {
      body: { enabled: true, startAt: '2026-12-01T08:00:00Z', intervalUnit: 'week', intervalCount: 2 },
    });
    expect(pcsPut.body).toMatchObject({ enabled: true, intervalUnit: 'week', intervalCount: 2 });
    expect(typeof pcsPut.body.nextRunAt).toBe('string');

    const noReport = await call('GET', '/orgs/{orgId}/permission-check/report', `/orgs/${orgId}/permission-check/report`);
    expect(noReport.status).toBe(404);
    const run = await call('POST', '/orgs/{orgId}/permission-check/runs', `/orgs/${orgId}/permission-check/runs`);
    expect(run.status).toBe(202);
    const report = await call('GET', '/orgs/{orgId}/permission-check/report', `/orgs/${orgId}/permission-check/report`);
    expect(report.body.fieldPermissions).toEqual(
      expect.arrayContaining([{ object: 'Account', field: 'AnnualRevenue', read: false, status: 'unprotected' }]),
    );
    expect(report.body.objectPermissions).toEqual([{ object: 'Account', read: true, status: 'protected' }]);
    expect(report.body.summary).toMatchObject({ objects: 1, unprotectedObjects: 0, fields: 1, unprotectedFields: 1 });
    expect(report.body.userPermissions).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ViewAllData', granted: true, neededFor: ['backup'] })]),
    );
    expect(report.body.summary.missingUserPermissions).toBe(
      report.body.userPermissions.filter((p: { granted: boolean }) => !p.granted).length,
    );

    expect((await call('GET', '/tenant/admin-emails', '/tenant/admin-emails')).body).toEqual({ emails: [] });
    const emails = await call('PUT', '/tenant/admin-emails', '/tenant/admin-emails', {
      body: { emails: ['Ops@Acme.example', 'ops@acme.example', 'cio@acme.example'] },
    });
    expect(emails.body).toEqual({ emails: ['cio@acme.example', 'ops@acme.example'] });
    // The same list the permission check mails its report to.
    expect(await real.schedule.adminEmails.list(tenantId)).toEqual(['cio@acme.example', 'ops@acme.example']);
    const badEmail = await call('PUT', '/tenant/admin-emails', '/tenant/admin-emails', { body: { emails: ['not an address'] } });
    expect([badEmail.status, badEmail.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const subscription = await call('GET', '/tenant/subscription', '/tenant/subscription');
    expect(subscription.body).toMatchObject({ type: 'professional', expiresAt: null, expired: false, seats: null });
    expect(subscription.body.dailyJobLimit).toBeGreaterThan(0);

    const created = await call('POST', '/keys', '/keys', { body: { name: 'CI' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ovk_/);
    const keys = await call('GET', '/keys', '/keys');
    expect(keys.body.keys.map((k: { name: string }) => k.name)).toEqual(
      expect.arrayContaining(['bootstrap', 'CI', 'Named Credential of 00D000000000001AAA']),
    );
    expect(JSON.stringify(keys.body)).not.toContain(created.body.key);
    const revoked = await call('DELETE', '/keys/{keyId}', `/keys/${created.body.info.id}`);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await api.call('GET', '/me', { key: created.body.key })).status).toBe(401);

    expect((await call('GET', '/orgs/{orgId}/doctor', `/orgs/${orgId}/doctor`)).body).toMatchObject({ ok: true, problems: [] });
    const check = await call('GET', '/orgs/{orgId}/check', `/orgs/${orgId}/check?readData=100`);
    expect(check.body).toMatchObject({ ok: true, readData: { percent: 100 }, problems: [] });

    const trail = await call('GET', '/audit', '/audit?limit=5&action=key.create');
    expect(trail.body.entries.map((e: { target: string }) => e.target)).toEqual([created.body.info.id]);
    const exported = await call('GET', '/audit/export', '/audit/export?format=jsonl&action=key.revoke');
    expect(JSON.parse(exported.body as string)).toMatchObject({ action: 'key.revoke', target: created.body.info.id });

    const hold = await call('POST', '/orgs/{orgId}/legal-holds', `/orgs/${orgId}/legal-holds`, { body: { name: 'Case 1' } });
    expect(hold.body).toMatchObject({ scope: 'org', recordIds: [], releasedAt: null });
    const holds = await call('GET', '/orgs/{orgId}/legal-holds', `/orgs/${orgId}/legal-holds?includeReleased=true`);
    expect(holds.body.holds.map((h: { id: string }) => h.id)).toEqual([hold.body.id]);
    // While the org is held, prune and erasure refuse (the store behind them is not this suite's).
    const prune = await call('POST', '/orgs/{orgId}/prune-runs', `/orgs/${orgId}/prune-runs`);
    expect([prune.status, prune.body.error.code]).toEqual([409, 'LEGAL_HOLD']);
    const erasure = { reference: 'DSR-1', objects: ['Contact'], values: ['erin@example.com'] };
    const refused = await call('POST', '/orgs/{orgId}/erasures', `/orgs/${orgId}/erasures`, { body: erasure });
    expect([refused.status, refused.body.error.message]).toEqual([409, expect.stringContaining('Case 1')]);
    expect((await call('GET', '/orgs/{orgId}/erasures', `/orgs/${orgId}/erasures`)).body).toEqual({ erasures: [] });
    const none = '00000000-0000-4000-8000-000000000000';
    for (const [template, method] of [
      ['/orgs/{orgId}/erasures/{erasureId}', 'GET'],
      ['/orgs/{orgId}/erasures/{erasureId}/dry-run', 'POST'],
      ['/orgs/{orgId}/erasures/{erasureId}/approve', 'POST'],
    ] as const)
      expect((await call(method, template, template.replace('{orgId}', orgId).replace('{erasureId}', none))).status).toBe(404);
    const policy = { keepAllDays: 30, dailyWeeks: 4, weeklyMonths: 3, monthlyYears: 1 };
    const setPolicy = await call('PUT', '/orgs/{orgId}/retention-policy', `/orgs/${orgId}/retention-policy`, { body: { policy } });
    expect(setPolicy.body).toMatchObject({ policy, source: 'org', updatedBy: 'admin@example.com' });
    expect((await call('GET', '/orgs/{orgId}/retention-policy', `/orgs/${orgId}/retention-policy`)).body.policy).toEqual(policy);
    expect((await call('GET', '/orgs/{orgId}/prune-runs', `/orgs/${orgId}/prune-runs`)).body).toEqual({ runs: [] });
    const release = `/orgs/${orgId}/legal-holds/${hold.body.id}/release`;
    expect((await call('POST', '/orgs/{orgId}/legal-holds/{holdId}/release', release)).body).toMatchObject({ id: hold.body.id });

    const gone = await call('DELETE', '/orgs/{orgId}', `/orgs/${orgId}`);
    expect(gone.status).toBe(204);
    expect((await call('GET', '/orgs/{orgId}', `/orgs/${orgId}`)).status).toBe(404);
    // The org key of a disconnected org stops working.
    expect((await api.call('GET', '/me', { key: connected.body.orgKey.key })).status).toBe(401);

    // Its backups are kept: listed apart (to the operator too, with the tenant), and deleted later.
    const kept = await call('GET', '/orgs/disconnected', '/orgs/disconnected');
    expect(kept.body.orgs).toEqual([expect.objectContaining({ id: orgId, disconnectedAt: expect.any(String) })]);
    const local = { key: LOCAL };
    const everyKept = await call('GET', '/operator/orgs/disconnected', '/operator/orgs/disconnected', local);
    expect(everyKept.body.orgs).toContainEqual(expect.objectContaining({ id: orgId, tenant: { id: tenantId, name: 'Acme' } }));
    const resolved = await call('GET', '/operator/orgs/disconnected/resolve', `/operator/orgs/disconnected/resolve?ref=${orgId}`, local);
    expect(resolved.body).toMatchObject({ id: orgId });
    const later = await call('DELETE', '/orgs/{orgId}/backups', `/orgs/${orgId}/backups`);
    expect([later.status, later.body]).toEqual([200, { packs: 0, versions: 0, files: 0, blobObjects: 0 }]);
    expect((await call('GET', '/orgs/disconnected', '/orgs/disconnected')).body.orgs).toEqual([]);

    // Disconnect with deletion of the backups: this suite stores none, so every count is 0.
    const second = await call('POST', '/orgs', '/orgs', {
      body: { method: 'access_token', instanceUrl: 'https://beta.my.example.test', accessToken: '00D000000000002AAA!token' },
    });
    const deleted = await call('DELETE', '/orgs/{orgId}/backups', `/orgs/${second.body.org.id}/backups`);
    expect([deleted.status, deleted.body]).toEqual([200, { packs: 0, versions: 0, files: 0, blobObjects: 0 }]);
    expect((await call('GET', '/orgs/{orgId}', `/orgs/${second.body.org.id}`)).status).toBe(404);

    const covered = new Set([...contract.seen].map((s) => s.split(' ')[0]));
    expect(contract.operationIds().filter((id) => !covered.has(id))).toEqual([]);
  });

  it('the checker itself refuses answers that do not match', () => {
    const headers = new Headers();
    expect(() => contract.check('GET', '/orgs', { status: 200, body: { orgs: [{ id: 1 }] }, headers })).toThrow(/does not match/);
    expect(() => contract.check('GET', '/orgs', { status: 418, body: {}, headers })).toThrow(/not documented/);
    expect(() => contract.check('GET', '/orgs', { status: 401, body: { error: { code: 'NOPE' } }, headers })).toThrow(/does not match/);
  });

  it('error answers match the document too', async () => {
    const unauth = await api.call('GET', '/orgs', {});
    contract.check('GET', '/orgs', unauth);
    expect(unauth.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const bad = await call('POST', '/orgs', '/orgs', { body: { method: 'magic' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });
});
