/**
 * The operator's CLI for what belongs to a tenant as a whole: who receives permission-check
 * reports, and the subscription (which the API only reads).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { runCli } from '../support/cli.js';

describe('orgvault tenant', () => {
  let engine: TestEngine;
  let tenantId: string;
  beforeAll(async () => {
    // The operator who sets subscriptions hosts OrgVault for others: subscription limits on.
    engine = await startTestEngine({ env: { ORGVAULT_SUBSCRIPTION_LIMITS: 'true' } });
    tenantId = (await engine.services.tenants.create('Acme')).id;
  });
  afterAll(async () => {
    await engine.close();
  });

  it('admins: sets, lists and empties the addresses the permission check mails', async () => {
    const set = await runCli(engine, [
      'tenant',
      'admins',
      '--tenant',
      'Acme',
      '--set',
      'Ops@Acme.example, cio@acme.example,ops@acme.example',
    ]);
    expect([set.code, set.stderr]).toEqual([0, '']);
    expect(set.stdout).toBe('cio@acme.example\nops@acme.example\n');
    expect(await engine.services.schedule.adminEmails.list(tenantId)).toEqual(['cio@acme.example', 'ops@acme.example']);

    const bad = await runCli(engine, ['tenant', 'admins', '--tenant', 'Acme', '--set', 'not-an-address']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/VALIDATION_FAILED|valid/i);
    expect(await engine.services.schedule.adminEmails.list(tenantId)).toEqual(['cio@acme.example', 'ops@acme.example']);

    expect((await runCli(engine, ['tenant', 'admins', '--tenant', 'Acme', '--set', ''])).stdout).toBe('');
    expect(await engine.services.schedule.adminEmails.list(tenantId)).toEqual([]);
  });

  it('subscription: the operator sets type, expiry and seats; the API reads the same', async () => {
    const set = await runCli(engine, [
      'tenant',
      'subscription',
      '--tenant',
      'Acme',
      '--type',
      'professional',
      '--expires',
      '2020-01-01T00:00:00Z',
      '--seats',
      '25',
    ]);
    expect([set.code, set.stderr]).toEqual([0, '']);
    expect(set.stdout).toMatch(/professional\s.*2020-01-01T00:00:00\.000Z\s+25\s+true/);
    expect(await engine.services.api.tenantSettings.subscription(tenantId)).toMatchObject({
      type: 'professional',
      expired: true,
      seats: 25,
    });

    const unknown = await runCli(engine, ['tenant', 'subscription', '--tenant', 'Acme', '--type', 'platinum']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('platinum');
    const typo = await runCli(engine, ['tenant', 'admins', '--tenant', 'Acmee']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('No tenant is named "Acmee"');
    const { rows } = await engine.ctx.infra.pool.query("SELECT count(*)::int AS n FROM tenants WHERE name = 'Acmee'");
    expect(rows[0].n).toBe(0);
    const half = await runCli(engine, ['tenant', 'subscription', '--tenant', 'Acme', '--seats', '3']);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('--type');
    expect((await engine.services.api.tenantSettings.subscription(tenantId)).seats).toBe(25);
    // The one change made is one entry in the tenant's trail, with before and after; the refused ones changed nothing.
    const changes = (await engine.services.audit.list({ tenantId, action: 'subscription.change' }, { limit: 10 })).entries;
    expect(changes.map((e) => [e.source, e.actor.startsWith('operator:'), e.outcome])).toEqual([['cli', true, 'succeeded']]);
    expect(changes[0]!.details).toMatchObject({ before: { type: 'essentials' }, after: { type: 'professional', seats: 25 } });
  });
});
