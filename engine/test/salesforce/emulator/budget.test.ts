import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkBudget, readOrgLimits } from '../../../src/salesforce/org-limits.js';
import { queryRecords } from '../../../src/salesforce/rest-query.js';
import { startTestOrg, type TestOrg } from './org.js';

describe('API budget against the org (emulator)', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await startTestOrg();
  });
  afterAll(async () => {
    await org.stop();
  });

  it('stops at the cap, counting what other clients spent, and resumes when usage falls', async () => {
    await org.admin('/limits', { DailyApiRequests: 100, reset: true });
    const conn = await org.connect({ budgetPercent: 50 });
    const other = await org.connect({ budgetPercent: 100 });
    for (let i = 0; i < 20; i++) await queryRecords(other, 'SELECT Id FROM Account LIMIT 1'); // another client
    const limits = await readOrgLimits(conn);
    expect(limits.dailyApiRequests!.max).toBe(100);
    const used = limits.dailyApiRequests!.used;
    expect(used).toBeGreaterThanOrEqual(20);
    let spent = 0;
    let stop: unknown;
    try {
      for (;;) {
        await queryRecords(conn, 'SELECT Id FROM Account LIMIT 1');
        spent++;
      }
    } catch (err) {
      stop = err;
    }
    expect(stop).toMatchObject({ code: 'API_BUDGET_EXHAUSTED', details: { source: 'cap', capPercent: 50 } });
    expect(used + spent).toBeLessThanOrEqual(50);
    expect(used + spent).toBeGreaterThanOrEqual(49);
    const state = (await org.admin('/state', undefined, 'GET')) as { limits: { DailyApiRequests: { Max: number; Remaining: number } } };
    expect(state.limits.DailyApiRequests.Max - state.limits.DailyApiRequests.Remaining).toBeLessThanOrEqual(50);
    expect((await checkBudget(conn)).maySpend).toBe(false);
    await org.admin('/limits', { reset: true });
    expect((await checkBudget(conn)).maySpend).toBe(true);
    expect(await queryRecords(conn, 'SELECT Id FROM Account LIMIT 1')).toHaveLength(1);
  });

  it("the org's own REQUEST_LIMIT_EXCEEDED is API_BUDGET_EXHAUSTED too", async () => {
    await org.admin('/limits', { DailyApiRequests: 5, reset: true });
    const conn = await org.connect({ budgetPercent: 100 });
    const other = await org.connect({ budgetPercent: 100 });
    for (let i = 0; i < 10; i++) await queryRecords(other, 'SELECT Id FROM Account LIMIT 1').catch(() => undefined);
    await expect(queryRecords(conn, 'SELECT Id FROM Account LIMIT 1')).rejects.toMatchObject({ code: 'API_BUDGET_EXHAUSTED' });
    await org.admin('/limits', { DailyApiRequests: 100000, reset: true });
  });
});
