import { describe, expect, it } from '@jest/globals';
import { ApiBudget, parseLimitEntry, parseLimitInfo } from '../../src/salesforce/api-budget.js';
import { OrgVaultError } from '../../src/errors.js';

describe('Sforce-Limit-Info parsing', () => {
  it('reads api-usage alone or among other entries', () => {
    expect(parseLimitInfo('api-usage=18/5000')).toEqual({ used: 18, max: 5000 });
    expect(parseLimitInfo('api-usage=25/15000, per-app-api-usage=17/250(appName=sample-app)')).toEqual({ used: 25, max: 15000 });
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x), api-usage=3/100')).toEqual({ used: 3, max: 100 });
  });

  it('ignores absent or foreign headers', () => {
    expect(parseLimitInfo(null)).toBeUndefined();
    expect(parseLimitInfo('')).toBeUndefined();
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x)')).toBeUndefined();
  });

  it('turns a /limits entry into used/max', () => {
    expect(parseLimitEntry({ Max: 15000, Remaining: 14000 })).toEqual({ used: 1000, max: 15000 });
    expect(parseLimitEntry(undefined)).toBeUndefined();
  });
});

describe('ApiBudget', () => {
  it('allows spending until the org has reported usage', () => {
    const b = new ApiBudget();
    expect(b.maySpend()).toBe(true);
    expect(b.snapshot().remaining).toBeUndefined();
  });

  it('caps at the share of the daily limit, counting every client as the org reports it', () => {
    const b = new ApiBudget(50);
    b.observeLimitInfo('api-usage=4990/10000'); // other clients used most of it
    expect(b.snapshot()).toMatchObject({ apiRequests: { used: 4990, max: 10000 }, remaining: 10 });
    for (let i = 0; i < 10; i++) {
      b.assertMaySpend();
      b.recordCall();
    }
    expect(b.maySpend()).toBe(false);
    expect(() => b.assertMaySpend()).toThrow(OrgVaultError);
    try {
      b.assertMaySpend();
    } catch (err) {
      expect(OrgVaultError.is(err, 'API_BUDGET_EXHAUSTED')).toBe(true);
      expect((err as OrgVaultError).details).toMatchObject({ source: 'cap', used: 5000, max: 10000, capPercent: 50 });
      expect((err as OrgVaultError).actions.length).toBeGreaterThan(0);
    }
  });

  it('adds our calls between two reports, and a report replaces the estimate', () => {
    const b = new ApiBudget(100);
    b.observeLimitInfo('api-usage=10/100');
    b.recordCall();
    b.recordCall();
    expect(b.snapshot().apiRequests).toEqual({ used: 12, max: 100 });
    b.observeLimitInfo('api-usage=11/100');
    expect(b.snapshot().apiRequests).toEqual({ used: 11, max: 100 });
    expect(b.callsMade).toBe(2);
  });

  it('budget returns when the org reports lower usage (the 24-hour window moved on)', () => {
    const b = new ApiBudget(10);
    b.observeLimits({ DailyApiRequests: { Max: 1000, Remaining: 900 } });
    expect(b.maySpend()).toBe(false);
    b.observeLimits({ DailyApiRequests: { Max: 1000, Remaining: 950 } });
    expect(b.maySpend()).toBe(true);
    expect(b.snapshot().remaining).toBe(50);
  });

  it('REQUEST_LIMIT_EXCEEDED from the org spends the whole budget', () => {
    const b = new ApiBudget(100);
    b.observeLimitInfo('api-usage=5/100');
    b.observeExhausted();
    expect(b.maySpend()).toBe(false);
  });

  it('counts Bulk query jobs against the daily job limit', () => {
    const b = new ApiBudget();
    b.observeLimits({ DailyBulkV2QueryJobs: { Max: 3, Remaining: 1 } });
    b.assertMayStartBulkQueryJob();
    b.recordBulkQueryJob();
    expect(() => b.assertMayStartBulkQueryJob()).toThrow(expect.objectContaining({ code: 'API_BUDGET_EXHAUSTED' }));
  });

  it('a tally counts the calls made inside its run, not those of concurrent work on the same connection', async () => {
    const b = new ApiBudget();
    const other = new ApiBudget();
    const tick = () => new Promise((r) => setImmediate(r));
    b.recordCall();
    const pass = b.tally();
    const inner = b.tally();
    let neighbourDone = false;
    const neighbour = (async () => {
      for (let i = 0; i < 3; i++) {
        await tick();
        b.recordCall(); // e.g. the schedule's permission check on the shared connection
      }
      neighbourDone = true;
    })();
    await pass.run(async () => {
      for (let i = 0; i < 2; i++) {
        await tick();
        b.recordCall();
      }
      await inner.run(async () => {
        await tick();
        b.recordCall();
        other.recordCall(); // another org's connection
      });
    });
    await neighbour;
    b.recordCall();
    expect(neighbourDone).toBe(true);
    expect(pass.calls).toBe(3);
    expect(inner.calls).toBe(1);
    expect(b.callsMade).toBe(8);
  });

  it('rejects a cap outside 1–100 %', () => {
    expect(() => new ApiBudget(0)).toThrow(OrgVaultError);
    expect(() => new ApiBudget(101)).toThrow(OrgVaultError);
    expect(() => new ApiBudget(12.5)).toThrow(OrgVaultError);
    const b = new ApiBudget(1);
    b.capPercent = 100;
    expect(b.capPercent).toBe(100);
  });
});
