/**
 * Legal holds through the API and the service other domains ask: place on a whole org or on
 * records, list, release; each change one audit entry; refusals name the hold; another tenant's
 * ids and the wrong role get nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestApi, type TestApi } from '../api/harness.js';
import { OrgVaultError } from '../../src/errors.js';
import { RetentionService, toRecordIds18, type LegalHold } from '../../src/retention/index.js';
import type { Org } from '../../src/orgs/registry.js';

type Hold = Omit<LegalHold, 'createdAt' | 'releasedAt'> & { createdAt: string; releasedAt: string | null };

describe('legal holds', () => {
  let api: TestApi;
  let retention: RetentionService;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let org: Org;
  let other: Org;
  const admin = () => ({ key: a.key, roles: ['administrator' as const], user: 'ann@example.com' });

  beforeAll(async () => {
    api = await startTestApi();
    retention = api.services.retention as RetentionService;
    a = await api.newTenant('Holding');
    b = await api.newTenant('Elsewhere');
    org = await api.addOrg(a.tenantId, '00D0000000000H1AAA', { name: 'Held Org' });
    other = await api.addOrg(a.tenantId, '00D0000000000H2AAA', { name: 'Free Org' });
  });
  afterAll(async () => api.stop());

  const refusal = async (fn: () => Promise<unknown>): Promise<OrgVaultError> => {
    const err = await fn().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OrgVaultError);
    return err as OrgVaultError;
  };

  it('gives a 15-character id its case-safe suffix, keeps an 18-character one, and names a bad one', () => {
    expect(toRecordIds18(['001000000000001', '001000000000001AAA', '001A00000000Bcd'])).toEqual([
      '001000000000001AAA',
      '001A00000000BcdIAE',
    ]);
    expect(() => toRecordIds18(['001', 'x'])).toThrow(/recordIds\[0\]/);
  });

  it('a records hold refuses actions on its records only; the whole org is refused while it holds', async () => {
    const r = await api.call('POST', `/orgs/${org.id}/legal-holds`, {
      ...admin(),
      body: { name: 'Case 2026-114', recordIds: ['003000000000001', '003000000000002AAA'] },
    });
    expect(r.status).toBe(201);
    const hold = r.body as Hold;
    expect(hold).toMatchObject({ name: 'Case 2026-114', scope: 'records', createdBy: 'ann@example.com', releasedAt: null });
    expect(hold.recordIds).toEqual(['003000000000001AAA', '003000000000002AAA']);

    const erase = await refusal(() =>
      retention.assertNotHeld(org, { action: 'erasure', recordIds: ['003000000000001AAA', '001000000000009AAA'] }),
    );
    expect(erase.code).toBe('LEGAL_HOLD');
    expect(erase.message).toContain('Held Org is under legal hold "Case 2026-114"');
    expect(erase.message).toContain('erasure refused');
    expect(erase.details).toEqual({
      action: 'erasure',
      holds: [{ id: hold.id, name: 'Case 2026-114', scope: 'records', records: ['003000000000001AAA'] }],
    });
    await expect(retention.assertNotHeld(org, { action: 'erasure', recordIds: ['003000000000003AAA'] })).resolves.toBeUndefined();
    expect((await refusal(() => retention.assertNotHeld(org, { action: 'delete its backups' }))).code).toBe('LEGAL_HOLD');
    await expect(retention.assertNotHeld(other, { action: 'delete its backups' })).resolves.toBeUndefined();
    expect([...(await retention.heldRecords(org))].sort()).toEqual(hold.recordIds);

    const released = await api.call('POST', `/orgs/${org.id}/legal-holds/${hold.id}/release`, admin());
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: hold.id, releasedBy: 'ann@example.com', releasedAt: expect.any(String) });
    await expect(retention.assertNotHeld(org, { action: 'delete its backups' })).resolves.toBeUndefined();
    const again = await api.call('POST', `/orgs/${org.id}/legal-holds/${hold.id}/release`, admin());
    expect(again.status).toBe(409);
    expect((again.body as { error: { message: string } }).error.message).toContain('already released');
  });

  it('an org hold covers every record; listing shows active holds, released ones on request', async () => {
    const r = await api.call('POST', `/orgs/${org.id}/legal-holds`, { ...admin(), body: { name: 'Audit FY2026' } });
    const hold = r.body as Hold;
    expect(hold).toMatchObject({ scope: 'org', recordIds: [] });
    const err = await refusal(() => retention.assertNotHeld(org, { action: 'prune', recordIds: ['001000000000009AAA'] }));
    expect(err).toMatchObject({ code: 'LEGAL_HOLD', details: { holds: [{ id: hold.id, name: 'Audit FY2026', scope: 'org' }] } });
    expect(err.actions[0]).toContain('hold release');
    expect(await retention.isHeld(org)).toBe(true);
    expect(await retention.isHeld(other)).toBe(false);

    const active = (await api.call('GET', `/orgs/${org.id}/legal-holds`, { key: a.key, roles: ['viewer'] })).body as { holds: Hold[] };
    expect(active.holds.map((h) => h.name)).toEqual(['Audit FY2026']);
    const all = (await api.call('GET', `/orgs/${org.id}/legal-holds?includeReleased=true`, admin())).body as { holds: Hold[] };
    expect(all.holds.map((h) => h.name)).toEqual(['Audit FY2026', 'Case 2026-114']);
    await api.call('POST', `/orgs/${org.id}/legal-holds/${hold.id}/release`, admin());
  });

  it('a hold placed while a caller holds its transaction waits for it to commit', async () => {
    const client = await api.db.pool.connect();
    try {
      await client.query('BEGIN');
      await retention.assertNotHeld(other, { action: 'prune' }, client);
      let placed = false;
      const placing = retention.placeHold(other, { name: 'Late' }, null).then((h) => ((placed = true), h));
      await new Promise((r) => setTimeout(r, 300));
      expect(placed).toBe(false);
      await client.query('COMMIT');
      const late = await placing;
      expect((await refusal(() => retention.assertNotHeld(other, { action: 'prune' }))).details).toMatchObject({
        holds: [{ id: late.id }],
      });
      await retention.releaseHold(other, late.id, null);
    } finally {
      client.release();
    }
  });

  it('refuses bad input, the wrong role and another tenant, and records each change once', async () => {
    const noName = await api.call('POST', `/orgs/${org.id}/legal-holds`, { ...admin(), body: { name: '' } });
    expect(noName.status).toBe(400);
    const badId = await api.call('POST', `/orgs/${org.id}/legal-holds`, { ...admin(), body: { name: 'x', recordIds: ['nope'] } });
    expect(badId.status).toBe(400);
    const operator = await api.call('POST', `/orgs/${org.id}/legal-holds`, { key: a.key, roles: ['backup_operator'], body: { name: 'x' } });
    expect(operator.status).toBe(403);
    const foreign = await api.call('POST', `/orgs/${org.id}/legal-holds`, { key: b.key, roles: ['administrator'], body: { name: 'x' } });
    expect(foreign.status).toBe(404);
    const unknown = await api.call('POST', `/orgs/${org.id}/legal-holds/00000000-0000-4000-8000-000000000000/release`, admin());
    expect(unknown.status).toBe(404);
    expect((await retention.holds(org, { includeReleased: true })).map((h) => h.name)).toEqual(['Audit FY2026', 'Case 2026-114']);

    const trail = await api.services.audit.list({ tenantId: a.tenantId }, { limit: 100 });
    const changes = trail.entries.filter((e) => e.action.startsWith('legal-hold.') && e.outcome === 'succeeded');
    expect(changes.map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['legal-hold.create', 'ann@example.com'],
      ['legal-hold.release', 'ann@example.com'],
      ['legal-hold.create', 'ann@example.com'],
      ['legal-hold.release', 'ann@example.com'],
    ]);
    const refused = trail.entries.filter((e) => e.action.startsWith('legal-hold.') && e.outcome === 'refused');
    expect(refused.map((e) => e.code).sort()).toEqual(['CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'VALIDATION_FAILED']);
  });
});
