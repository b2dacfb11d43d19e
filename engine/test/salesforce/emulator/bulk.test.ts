import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import type { OrgConnection } from '../../../src/salesforce/connection.js';
import {
  bulkQuery,
  createBulkQueryJob,
  readBulkQueryResults,
  type BulkQueryOptions,
  type BulkResultPage,
  type StaleBulkJob,
} from '../../../src/salesforce/bulk2-query.js';
import { abortBulkJob, deleteBulkJob, isBulkJobGone, waitForBulkJob } from '../../../src/salesforce/bulk2-jobs.js';
import { runIngestJob } from '../../../src/salesforce/bulk2-ingest.js';
import { PageMemory } from '../../../src/salesforce/page-memory.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { FAST_POLL, startTestOrg, type TestOrg } from './org.js';

const SOQL = 'SELECT Id, FirstName, LastName, Email, SystemModstamp FROM Contact';

function ids(pages: BulkResultPage[]): string[] {
  return pages.flatMap((p) => (parse(p.csv, { columns: true }) as { Id: string }[]).map((r) => r.Id));
}

async function collect(conn: OrgConnection, options: Partial<BulkQueryOptions> = {}): Promise<BulkResultPage[]> {
  const pages: BulkResultPage[] = [];
  for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL, ...options })) pages.push(p);
  return pages;
}

describe('Bulk API 2.0 (emulator)', () => {
  let org: TestOrg;
  let conn: OrgConnection;
  let expected: string[];
  beforeAll(async () => {
    org = await startTestOrg();
    conn = await org.connect();
    expected = (await queryRecords<{ Id: string }>(conn, 'SELECT Id FROM Contact')).map((r) => r.Id).sort();
  });
  beforeEach(async () => {
    await org.admin('/faults', undefined, 'DELETE');
  });
  afterAll(async () => {
    await org.stop();
  });

  it('pages results by locator until "null", each page raw CSV with its header', async () => {
    const pages = await collect(conn);
    expect(pages.length).toBeGreaterThan(3);
    expect(pages[0]!.locator).toBeNull();
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.locator).toBe(pages[i - 1]!.nextLocator);
    expect(pages.at(-1)!.nextLocator).toBeNull();
    for (const p of pages) {
      expect(p.csv.toString().split('\n')[0]).toBe('"Id","FirstName","LastName","Email","SystemModstamp"');
      expect(p.records).toBe((parse(p.csv, { columns: true }) as unknown[]).length);
    }
    expect(ids(pages).sort()).toEqual(expected);
  });

  it('reads one page ahead while the caller stores the current one, never more', async () => {
    const job = await createBulkQueryJob(conn, SOQL);
    await waitForBulkJob(conn, 'query', job.id, FAST_POLL);
    const pages = readBulkQueryResults(conn, job.id, { maxRecords: 50 });
    const first = await pages.next();
    expect(first.done).toBe(false);
    const atFirst = conn.budget.callsMade;
    // Let the read ahead finish; the caller is still "storing" page one.
    await new Promise((r) => setTimeout(r, 200));
    expect(conn.budget.callsMade - atFirst).toBeLessThanOrEqual(1);
    const second = await pages.next();
    expect(second.value!.locator).toBe(first.value!.nextLocator);
    // Page two came from the read ahead; page three may be on its way, nothing beyond.
    expect(conn.budget.callsMade - atFirst).toBeGreaterThanOrEqual(1);
    expect(conn.budget.callsMade - atFirst).toBeLessThanOrEqual(2);
    await pages.return(undefined);
  });

  it('a small job costs its create, a state check or two after a pause, and its pages', async () => {
    const before = conn.budget.callsMade;
    const pages: BulkResultPage[] = [];
    // Default polling: the create answer is not asked again at once, the first check comes
    // after a short pause (the emulator finishes a small job within it, as Salesforce often does).
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50 })) pages.push(p);
    const checks = conn.budget.callsMade - before - 1 - pages.length;
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(2);
    // What a checkpoint says was seen last is not asked again either.
    const job = await createBulkQueryJob(conn, SOQL);
    const done = await waitForBulkJob(conn, 'query', job.id, FAST_POLL);
    const atDone = conn.budget.callsMade;
    expect(await waitForBulkJob(conn, 'query', job.id, FAST_POLL, done)).toBe(done);
    expect(conn.budget.callsMade).toBe(atDone);
  });

  it('readers side by side hold no more pages than their shared page memory allows, and lose none', async () => {
    const first = await collect(conn);
    const pageBytes = Math.max(...first.map((p) => p.csv.length));
    // Room for about two pages between both readers, where each alone would hold two.
    const memory = new PageMemory(pageBytes * 2);
    let peak = 0;
    const read = async (): Promise<string[]> => {
      const pages: BulkResultPage[] = [];
      for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL, memory, firstPageBytes: pageBytes })) {
        peak = Math.max(peak, memory.used);
        await new Promise((r) => setTimeout(r, 5)); // "storing"
        pages.push(p);
      }
      return ids(pages);
    };
    const [a, b] = await Promise.all([read(), read()]);
    expect(a.sort()).toEqual(expected);
    expect(b.sort()).toEqual(expected);
    // A lease is taken at the predecessor's size and then set to the page's own: one page may pass.
    expect(peak).toBeLessThanOrEqual(pageBytes * 3);
    expect(memory.used).toBe(0);
  });

  it('a reader stopped early gives back the page memory of its page and its read ahead', async () => {
    const memory = new PageMemory(1 << 20);
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL, memory })) {
      expect(p.records).toBeGreaterThan(0);
      break;
    }
    // The read ahead ends (cancelled) on its own turn.
    for (let i = 0; i < 250 && memory.used > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(memory.used).toBe(0);
  });

  it('resumes a job from a checkpointed locator: the pages not yet stored, no new job', async () => {
    let jobId = '';
    const first: BulkResultPage[] = [];
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL, onJob: (j) => void (jobId = j.id) })) {
      first.push(p);
      if (first.length === 2) break; // the process "dies" after storing two pages
    }
    const checkpoint = { jobId, locator: first[1]!.nextLocator };
    const jobsBefore = conn.budget.snapshot().bulkQueryJobs;
    const rest = await collect(conn, { resume: checkpoint });
    expect(rest[0]!.jobId).toBe(jobId);
    expect(rest[0]!.locator).toBe(checkpoint.locator);
    expect(conn.budget.snapshot().bulkQueryJobs).toEqual(jobsBefore);
    const all = ids([...first, ...rest]);
    expect(all.sort()).toEqual(expected);
    expect(new Set(all).size).toBe(all.length);
  });

  it('queryAll includes soft-deleted rows', async () => {
    const [victim] = expected;
    await org.admin('/mutate', { ops: [{ kind: 'delete', id: victim }] });
    const pages = await collect(conn, { soql: 'SELECT Id, IsDeleted FROM Contact', operation: 'queryAll' });
    const rows = pages.flatMap((p) => parse(p.csv, { columns: true }) as { Id: string; IsDeleted: string }[]);
    expect(rows.find((r) => r.Id === victim)?.IsDeleted).toBe('true');
    const live = await collect(conn, { soql: 'SELECT Id FROM Contact' });
    expect(ids(live)).not.toContain(victim);
    await org.admin('/mutate', { ops: [{ kind: 'undelete', id: victim }] });
  });

  it('a stream reset mid-page and server errors cost retries, never rows', async () => {
    let before = conn.budget.callsMade;
    const clean = await collect(conn);
    const cleanCalls = conn.budget.callsMade - before;
    await org.admin('/faults', {
      resets: { csv: { afterBytes: 700, times: 3 } },
      errorRules: [{ pathPattern: '/results', rate: 0.3, status: 503 }],
    });
    before = conn.budget.callsMade;
    const faulty = await collect(conn);
    expect(faulty.map((p) => p.csv.toString())).toEqual(clean.map((p) => p.csv.toString()));
    // Polls vary; the three resets alone add three page fetches.
    expect(conn.budget.callsMade - before).toBeGreaterThanOrEqual(cleanCalls + 3);
    const state = (await org.admin('/state', undefined, 'GET')) as { faults: { resets: Record<string, unknown> } };
    expect(state.faults.resets).toEqual({});
  });

  it('an expired session halfway through is renewed and the same locator fetched again', async () => {
    const pages: BulkResultPage[] = [];
    const tokenBefore = (await conn.tokens.session()).accessToken;
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL })) {
      pages.push(p);
      if (pages.length === 2) await org.admin('/sessions/expire', {});
    }
    expect(ids(pages).sort()).toEqual(expected);
    expect((await conn.tokens.session()).accessToken).not.toBe(tokenBefore);
  });

  it('a failed new job is an error', async () => {
    await org.admin('/faults', { bulkJobFailure: 'InternalServerError' });
    await expect(collect(conn)).rejects.toMatchObject({ code: 'ORG_API_ERROR', details: { errorCode: 'BULK_JOB_FAILED' } });
  });

  /** Resumes `resume` and tells which job ids the pages came from and why the resumed job was left. */
  async function resumeFrom(resume: { jobId: string; locator: string | null }) {
    const stale: StaleBulkJob[] = [];
    const created: string[] = [];
    const pages = await collect(conn, {
      resume,
      object: 'Contact',
      onStale: (s) => void stale.push(s),
      onJob: (j) => void created.push(j.id),
    });
    return { stale, created, pages, jobs: [...new Set(pages.map((p) => p.jobId))] };
  }

  it('a resumed job that is gone, Failed or Aborted is replaced by a new job read from its first page', async () => {
    const gone = await resumeFrom({ jobId: '7508d0000000zzzAAA', locator: null });
    expect(gone.stale).toEqual([{ jobId: '7508d0000000zzzAAA', reason: 'gone' }]);
    expect(gone.jobs).toEqual(gone.created);
    expect(ids(gone.pages).sort()).toEqual(expected);

    await org.admin('/faults', { bulkJobFailure: 'InternalServerError' });
    const failedJob = await createBulkQueryJob(conn, SOQL);
    await waitForBulkJob(conn, 'query', failedJob.id, FAST_POLL).catch(() => undefined);
    await org.admin('/faults', undefined, 'DELETE');
    const failed = await resumeFrom({ jobId: failedJob.id, locator: null });
    expect(failed.stale).toEqual([{ jobId: failedJob.id, reason: 'Failed' }]);
    expect(ids(failed.pages).sort()).toEqual(expected);

    // A job that ends before the abort arrives is asked for again: the emulator's jobs take ~40 ms.
    let aborted;
    for (let i = 0; i < 5 && aborted?.state !== 'Aborted'; i++)
      aborted = await abortBulkJob(conn, 'query', (await createBulkQueryJob(conn, SOQL)).id).catch(() => undefined);
    expect(aborted?.state).toBe('Aborted');
    const resumedAborted = await resumeFrom({ jobId: aborted!.id, locator: null });
    expect(resumedAborted.stale).toEqual([{ jobId: aborted!.id, reason: 'Aborted' }]);
    expect(ids(resumedAborted.pages).sort()).toEqual(expected);
  });

  it("another object's or operation's job under the checkpointed id is not read", async () => {
    const accounts = await createBulkQueryJob(conn, 'SELECT Id, Name FROM Account');
    const other = await resumeFrom({ jobId: accounts.id, locator: null });
    expect(other.stale).toEqual([{ jobId: accounts.id, reason: 'other object' }]);
    expect(other.jobs).toEqual(other.created);
    expect(ids(other.pages).sort()).toEqual(expected);

    const all = await createBulkQueryJob(conn, SOQL, 'queryAll');
    const operation = await resumeFrom({ jobId: all.id, locator: null });
    expect(operation.stale).toEqual([{ jobId: all.id, reason: 'other operation' }]);
  });

  it('a resumed job whose results vanish halfway is read again by a new job; a readable one is not replaced', async () => {
    const first: BulkResultPage[] = [];
    let jobId = '';
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 50, poll: FAST_POLL, onJob: (j) => void (jobId = j.id) })) {
      first.push(p);
      if (first.length === 2) break;
    }
    const readable = await resumeFrom({ jobId, locator: first[1]!.nextLocator });
    expect(readable).toMatchObject({ stale: [], created: [], jobs: [jobId] });
    expect(ids([...first, ...readable.pages]).sort()).toEqual(expected);

    const pages: BulkResultPage[] = [];
    const resume = { jobId, locator: first[1]!.nextLocator };
    // Pages of 10 rows: the page read ahead while the job is deleted is not its last.
    for await (const p of bulkQuery(conn, { soql: SOQL, maxRecords: 10, poll: FAST_POLL, resume, object: 'Contact' })) {
      pages.push(p);
      if (pages.length === 1) await deleteBulkJob(conn, 'query', jobId);
    }
    const fresh = pages.findIndex((p) => p.jobId !== jobId);
    expect(fresh).toBeGreaterThan(0);
    expect(pages.slice(0, fresh).every((p) => p.jobId === jobId)).toBe(true);
    // The new job's pages hold every row; the caller recognises those it stored from the old one.
    expect(ids(pages.slice(fresh)).sort()).toEqual(expected);
  });

  it('aborts a job and deletes it; a deleted job is gone', async () => {
    const job = await createBulkQueryJob(conn, SOQL);
    const aborted = await abortBulkJob(conn, 'query', job.id).catch((e: unknown) => e);
    // A job may finish before the abort arrives; either way it no longer runs.
    if (!(aborted instanceof Error)) expect(aborted).toMatchObject({ state: 'Aborted' });
    await waitForBulkJob(conn, 'query', job.id, FAST_POLL).catch(() => undefined);
    await deleteBulkJob(conn, 'query', job.id);
    const gone = await waitForBulkJob(conn, 'query', job.id, FAST_POLL).catch((e: unknown) => e);
    expect(isBulkJobGone(gone)).toBe(true);
  });

  it('pauses at the API budget cap with its checkpoint, and resumes to the same rows', async () => {
    await org.admin('/limits', { DailyApiRequests: 1000, reset: true });
    const capped = await org.connect({ budgetPercent: 1 }); // 10 requests: fewer than the pages
    const stored: BulkResultPage[] = [];
    let checkpoint: { jobId: string; locator: string | null } | undefined;
    let jobId = '';
    const err = await (async () => {
      for await (const p of bulkQuery(capped, { soql: SOQL, maxRecords: 20, poll: FAST_POLL, onJob: (j) => void (jobId = j.id) })) {
        stored.push(p);
        checkpoint = { jobId, locator: p.nextLocator };
      }
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'API_BUDGET_EXHAUSTED' });
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length * 20).toBeLessThan(expected.length);
    capped.budget.capPercent = 100;
    for await (const p of bulkQuery(capped, { soql: SOQL, maxRecords: 20, poll: FAST_POLL, resume: checkpoint! })) stored.push(p);
    expect(ids(stored).sort()).toEqual(expected);
    await org.admin('/limits', { DailyApiRequests: 100000, reset: true });
  });

  it('ingest: inserts with per-record results, then hard-deletes what it made', async () => {
    const csv = ['Name,Phone', 'Bulk A,1', 'Bulk B,2', ',3', 'Bulk D,4'].join('\n') + '\n';
    const inserted = await runIngestJob(conn, { object: 'Account', operation: 'insert', csv, poll: FAST_POLL });
    expect(inserted.successful).toHaveLength(3);
    expect(inserted.successful.every((r) => r.sf__Created === 'true' && r.sf__Id)).toBe(true);
    expect(inserted.failed).toHaveLength(1);
    expect(inserted.failed[0]!.sf__Error).toMatch(/REQUIRED_FIELD_MISSING/);
    expect(inserted.failed[0]!.Phone).toBe('3');
    const made = inserted.successful.map((r) => r.sf__Id!);
    const removed = await runIngestJob(conn, {
      object: 'Account',
      operation: 'hardDelete',
      csv: `Id\n${made.join('\n')}\n`,
      poll: FAST_POLL,
    });
    expect(removed.successful).toHaveLength(3);
    expect(await queryRecords(conn, `SELECT Id FROM Account WHERE Name LIKE 'Bulk %'`, { all: true })).toHaveLength(0);
  });

  it('ingest: upserts by external id and updates by Id, with failures per row', async () => {
    const up = await runIngestJob(conn, {
      object: 'Project__c',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      csv: 'Name,External_Id__c\nIngest 1,ing-1\nIngest 2,ing-2\n',
      poll: FAST_POLL,
    });
    expect(up.successful.map((r) => r.sf__Created)).toEqual(['true', 'true']);
    const again = await runIngestJob(conn, {
      object: 'Project__c',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
      csv: 'Name,External_Id__c\nIngest 1b,ing-1\n',
      poll: FAST_POLL,
    });
    expect(again.successful[0]).toMatchObject({
      sf__Created: 'false',
      sf__Id: up.successful.find((r) => r.External_Id__c === 'ing-1')!.sf__Id,
    });
    const upd = await runIngestJob(conn, {
      object: 'Project__c',
      operation: 'update',
      csv: `Id,Name\n${up.successful[1]!.sf__Id},Renamed\na01000000000000AAA,Nobody\n`,
      poll: FAST_POLL,
    });
    expect(upd.successful).toHaveLength(1);
    expect(upd.failed).toHaveLength(1);
  });
});
