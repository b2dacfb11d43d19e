/**
 * The monitor end to end: three backups of the emulator's org with changes made between them
 * through its API, then the details view of the Lightning page's preview in headless Chromium.
 * Each job's figures equal what the org saw (records per object as the org counts them, the
 * changes made, API calls as the emulator's own counter has them), the page shows them per
 * job and object, and each chart draws the API's series. Before any backup the tile says the org
 * was never backed up and the charts' window is empty.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import type { Page } from 'playwright-core';
import { startPageHarness, type PageHarness } from '../support/page.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import type { TestEngine } from '../support/engine.js';
import type { JobDetailOut } from '../../engine/src/api/schemas.js';
import type { MonitorSeriesOut } from '../../engine/src/api/monitor-schemas.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts/monitor');
/** What the page's Chart.js (loaded from the static resource) is, as far as this test reads it. */
interface ChartGlobal {
  Chart: { getChart(canvas: unknown): { data: { labels: string[]; datasets: Array<{ data: unknown[] }> } } };
}

/** The objects the changes are made in. */
const CHANGED = ['Account', 'Contact', 'Case'];

let work: string;
let emulator: EmulatorHandle;
let harness: PageHarness;
let engine: TestEngine;
let conn: Connection;
let key: string;
let orgId: string;
let orgName: string;
const jobs: JobDetailOut[] = [];
/** Per job: API calls the emulator counted while it ran. */
const counted: number[] = [];

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: { 'X-OrgVault-Key': key, 'X-OrgVault-User': 'e2e@example.com', 'X-OrgVault-Roles': 'administrator', ...(init.headers ?? {}) },
  });
  expect(res.ok).toBe(true);
  return (await res.json()) as T;
}

/** Runs a backup job to its end, with the emulator's count of the API calls it made. */
async function backUp(): Promise<JobDetailOut> {
  const used = () => emulator.org.limits.usage('DailyApiRequests').used;
  const before = used();
  const { id } = await api<{ id: string }>(`/orgs/${orgId}/jobs`, { method: 'POST' });
  for (;;) {
    const job = await api<JobDetailOut>(`/orgs/${orgId}/jobs/${id}`);
    if (!['queued', 'running', 'paused'].includes(job.status)) {
      counted.push(used() - before);
      jobs.push(job);
      return job;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Records of each of the job's objects as the org counts them now. */
async function orgCounts(job: JobDetailOut): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const o of job.objectDetails) out.set(o.name, await orgCount(o.name));
  return out;
}

/** The org answers for file links only with a filter on their documents: every document's, then. */
async function orgCount(object: string): Promise<number> {
  if (object !== 'ContentDocumentLink') return (await conn.query(`SELECT COUNT() FROM ${object}`)).totalSize;
  const docs = (await conn.query<{ Id: string }>('SELECT Id FROM ContentDocument')).records.map((d) => `'${d.Id}'`);
  return docs.length ? (await conn.query(`SELECT COUNT() FROM ${object} WHERE ContentDocumentId IN (${docs.join(', ')})`)).totalSize : 0;
}

async function ids(object: string, n: number): Promise<string[]> {
  return (await conn.query<{ Id: string }>(`SELECT Id FROM ${object} ORDER BY Id LIMIT ${n}`)).records.map((r) => r.Id);
}

const changesOf = (job: JobDetailOut, object: string) => {
  const f = job.objectDetails.find((o) => o.name === object)!.figures;
  return [f.inserted, f.updated, f.deleted];
};

async function openDetails(): Promise<Page> {
  const page = await harness.open({ user: 'e2e@example.com', height: 1800 });
  await page.getByRole('button', { name: `More commands for ${orgName}` }).click();
  await page.getByRole('menuitem', { name: 'View details' }).click();
  await page.locator('c-org-vault-monitor-charts').waitFor();
  return page;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'orgvault-monitor-'));
  await mkdir(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ records: 700, seed: 21 });
  harness = await startPageHarness({ worker: { pollMs: 200 } });
  ({ engine, key } = harness);

  const me = await api<{ tenant: { id: string } }>('/me');
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  ({ orgId } = await engine.services.connect(me.tenant.id, {
    kind: 'accessToken',
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
  }));
  orgName = (await engine.services.orgs.get({ tenantId: me.tenant.id, orgId: null }, orgId)).name;
  conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
}, 400_000);

afterAll(async () => {
  await harness?.close();
  await emulator?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('monitor: job figures and charts of protection over time', () => {
  it('an org never backed up says so on its tile, and its charts’ window is empty', async () => {
    const page = await openDetails();
    await expect(page.locator('.empty-window').textContent()).resolves.toBe('No backup ran in the last 30 days.');
    await expect(page.locator('c-org-vault-chart').count()).resolves.toBe(0);
    await page.locator('lightning-button.back').click();
    const tile = page.locator('c-org-vault-org-tile', { hasText: orgName });
    await expect(tile.locator('.records-protected').textContent()).resolves.toBe('None: never backed up');
    await expect(tile.locator('.newest-point').textContent()).resolves.toBe('None yet');
    await page.screenshot({ path: join(ARTIFACTS, '01-never-backed-up.png'), fullPage: true });
    await page.close();
  });

  it('three jobs with changes between them: figures equal what the org saw', async () => {
    const first = await backUp();
    expect(first.status).toBe('succeeded');
    const firstCounts = await orgCounts(first);

    await conn.sobject('Account').create([{ Name: 'Monitor new 1' }, { Name: 'Monitor new 2' }, { Name: 'Monitor new 3' }]);
    await conn.sobject('Contact').update((await ids('Contact', 4)).map((Id, i) => ({ Id, LastName: `Monitor ${i}` })));
    await conn.sobject('Case').destroy(await ids('Case', 2));
    const second = await backUp();
    const secondCounts = await orgCounts(second);

    const [a1, a2, a3, a4, a5] = await ids('Account', 5);
    // Deleting an account deletes its contacts and cases with it (as in Salesforce): counted as the org deletes them.
    const withA1 = async (object: string) => (await conn.query(`SELECT COUNT() FROM ${object} WHERE AccountId = '${a1}'`)).totalSize;
    const [contactsOfA1, casesOfA1] = [await withA1('Contact'), await withA1('Case')];
    await conn.sobject('Account').destroy([a1!]);
    await conn.sobject('Account').update([a2!, a3!, a4!, a5!].map((Id) => ({ Id, Name: `Monitor renamed ${Id}` })));
    await conn.sobject('Contact').create([
      { LastName: 'Monitor new A', AccountId: a2 },
      { LastName: 'Monitor new B', AccountId: a3 },
    ]);
    const third = await backUp();
    const thirdCounts = await orgCounts(third);

    for (const [job, counts] of [
      [first, firstCounts],
      [second, secondCounts],
      [third, thirdCounts],
    ] as const) {
      expect(job.status).toBe('succeeded');
      expect(Object.fromEntries(job.objectDetails.map((o) => [o.name, o.figures.recordsProtected]))).toEqual(Object.fromEntries(counts));
      expect(job.figures.recordsProtected).toBe([...counts.values()].reduce((a, b) => a + b, 0));
      expect(job.figures.failedObjects).toEqual([]);
    }
    expect(CHANGED.map((o) => changesOf(second, o))).toEqual([
      [3, 0, 0],
      [0, 4, 0],
      [0, 0, 2],
    ]);
    expect(CHANGED.map((o) => changesOf(third, o))).toEqual([
      [0, 4, 1],
      [2, 0, contactsOfA1],
      [0, 0, casesOfA1],
    ]);
    expect(second.figures).toMatchObject({ inserted: 3, updated: 4, deleted: 2 });
    const limit = emulator.org.limits.usage('DailyApiRequests').max;
    for (const j of jobs) {
      expect(j.figures.apiLimit).toBe(limit);
      expect(j.figures.apiShare).toBeCloseTo((100 * j.figures.apiCalls) / limit, 2);
    }
  }, 300_000);

  // Every call counts, the link pass's describe of ContentDocumentLink included (it once went uncounted: one short per job).
  it('API calls per job equal the emulator’s own counter for the time the job ran', () => {
    expect(jobs).toHaveLength(3);
    expect(jobs.map((j) => j.figures.apiCalls)).toEqual(counted);
  });

  it('the details view shows each job’s and object’s figures, and charts that draw the API’s series', async () => {
    const page = await openDetails();
    const details = page.locator('c-org-vault-org-details');
    for (const job of jobs) {
      const row = details.locator(`tr[data-job-id="${job.id}"]`);
      await expect(row.locator('.job-protected').textContent()).resolves.toBe(job.figures.recordsProtected.toLocaleString('en-US'));
      const f = job.figures;
      await expect(row.locator('.job-changes').textContent()).resolves.toBe(`+${f.inserted} / ~${f.updated} / −${f.deleted}`);
      await row.locator('button.show-objects').click();
      const figures = details.locator('c-org-vault-job-figures');
      await figures.locator('dd.records-protected', { hasText: f.recordsProtected.toLocaleString('en-US') }).waitFor();
      for (const object of CHANGED) {
        const cells = await figures.locator(`tr[data-object="${object}"] td`).allTextContents();
        const o = job.objectDetails.find((d) => d.name === object)!.figures;
        expect(cells.slice(0, 4)).toEqual([o.recordsProtected, o.inserted, o.updated, o.deleted].map((n) => n.toLocaleString('en-US')));
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, '02-job-figures.png'), fullPage: true });

    const series = await api<MonitorSeriesOut>(`/orgs/${orgId}/monitor?days=30`);
    expect(series.jobs).toBe(3);
    const drawn = async (name: string) => {
      const canvas = details.locator(`c-org-vault-chart.${name} canvas`);
      await canvas.waitFor();
      // Chart.js's own record of what it draws on this canvas.
      return canvas.evaluate((c) => {
        const chart = (globalThis as unknown as ChartGlobal).Chart.getChart(c);
        return { labels: chart.data.labels, data: chart.data.datasets.map((d) => d.data) };
      });
    };
    const col = (field: keyof MonitorSeriesOut['days'][number]) => series.days.map((d) => d[field]);
    const labels = series.days.map((d) => d.day);
    await expect(drawn('protected')).resolves.toEqual({ labels, data: [col('recordsProtected'), col('filesProtected')] });
    await expect(drawn('api')).resolves.toEqual({ labels, data: [col('apiCalls'), col('apiLimit')] });
    await expect(drawn('storage')).resolves.toEqual({ labels, data: [col('bytesStored')] });
    await expect(drawn('duration')).resolves.toEqual({
      labels,
      data: [series.days.map((d) => (d.durationMs === null ? null : d.durationMs / 1000))],
    });
    const changes = await drawn('changes');
    expect(changes.data.slice(0, -1)).toEqual(
      series.changesByObject.map((o) => o.inserted.map((v, i) => v + o.updated[i]! + o.deleted[i]!)),
    );
    expect(changes.data.at(-1)).toEqual(labels.map((_, i) => series.changesByObject.reduce((sum, o) => sum + o.deleted[i]!, 0)));
    await page.screenshot({ path: join(ARTIFACTS, '03-charts.png'), fullPage: true });

    await page.locator('lightning-button.back').click();
    const tile = page.locator('c-org-vault-org-tile', { hasText: orgName });
    await expect(tile.locator('.records-protected').textContent()).resolves.toBe(jobs[2]!.figures.recordsProtected.toLocaleString('en-US'));
    await expect(tile.locator('.newest-point').textContent()).resolves.toMatch(/ ago$/);
    await expect(tile.locator('.warning').count()).resolves.toBe(0);
    await page.close();
  }, 300_000);
});
