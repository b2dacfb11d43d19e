/**
 * GDPR erasure over a real store: a request by a marker email (and by record id) finds the
 * records whose stored versions hold it, its dry run counts versions and files per object and
 * names no value; the requester cannot approve it; a second administrator's approval removes every
 * version of those records and the files only they held, leaves every other record as it was and
 * a store `check --read-data 100` passes; the ledger then recognises the record and the value in
 * an older copy. Killed (SIGKILL) in each phase and approved again, it ends where an uninterrupted
 * one does. No match, a hold and the requester's own approval are refused clearly.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { storeFixture, type StoreFixture } from '../store/fixture.js';
import { insertTenantAndOrg } from '../../../test/support/fixtures.js';
import { RetentionService, type ErasureRequest } from '../../src/retention/index.js';
import { OrgVaultError } from '../../src/errors.js';

const PACK_BYTES = 1500;
const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const MARKER = 'Erin.Marker+gdpr@Example.com';
const CONTACTS = Array.from({ length: 12 }, (_, i) => `003000000000${String(i).padStart(3, '0')}AAA`);
const LEADS = Array.from({ length: 4 }, (_, i) => `00Q000000000${String(i).padStart(3, '0')}AAA`);
const SUBJECT = CONTACTS[3]!;
/** Named by id alongside the email. */
const NAMED = CONTACTS[7]!;

interface Org {
  id: string;
  tenantId: string;
  name: string;
}

/** Four backups of every contact; the subject's email is the marker in the first two only, then changed (a change event). */
async function fill(fx: StoreFixture, orgId: string): Promise<void> {
  for (let v = 0; v < 4; v++) {
    const records = CONTACTS.map((id, i) => ({
      id,
      validFrom: new Date(T0 + (v * 10 + i) * DAY),
      fields: {
        Id: id,
        LastName: `Contact ${i} v${v}`,
        Email: id === SUBJECT && v < 2 ? MARKER.toLowerCase() : `c${i}.v${v}@example.org`,
        Phone: `+1 555 010 ${String(i).padStart(4, '0')}`,
      },
    }));
    await fx.store.putRecords({ orgId, object: 'Contact', source: v === 2 ? 'cdc' : 'test', records });
  }
  // A lead with the same email: Lead is not among the objects the erasure searches.
  const leads = LEADS.map((id, i) => ({ id, validFrom: new Date(T0), fields: { Id: id, Email: i === 0 ? MARKER : `l${i}@example.org` } }));
  await fx.store.putRecords({ orgId, object: 'Lead', source: 'test', records: leads });
  const file = (recordId: string, d: number, body: string) =>
    fx.store.putBlob(
      { orgId, object: 'Contact', recordId, field: 'Photo', validFrom: new Date(T0 + d * DAY), source: 'test' },
      Readable.from([Buffer.from(body)]),
    );
  await file(SUBJECT, 1, 'the subject alone holds this photo');
  await file(SUBJECT, 20, 'a photo two contacts share');
  await file(CONTACTS[4]!, 21, 'a photo two contacts share');
  await file(NAMED, 2, 'the named contact photo');
  await file(CONTACTS[5]!, 3, 'another contact photo');
}

describe('GDPR erasure', () => {
  let fx: StoreFixture;
  let retention: RetentionService;
  let orgs: Record<'plain' | 'held' | 'reference' | 'killedInVersions' | 'killedInFiles', Org>;
  const request = { reference: 'DSR-2026-0042', objects: ['Contact'], values: [` ${MARKER} `], recordIds: [NAMED.slice(0, 15)] };

  const history = async (orgId: string, object: string, ids: string[]) =>
    Promise.all(ids.map(async (recordId) => (await fx.store.versionsOf({ orgId, object, recordId })).map((v) => [v.validFrom, v.fields])));
  const files = async (orgId: string) => ({
    refs: (await Promise.all(CONTACTS.map((id) => fx.store.blobRefsOf(orgId, 'Contact', id)))).flat().map((r) => [r.recordId, r.validFrom]),
    blobs: Number((await fx.db.pool.query('SELECT count(*) FROM blobs WHERE org_id = $1', [orgId])).rows[0].count),
    stored: (await names(orgId)).length,
  });
  const names = async (orgId: string) => {
    const out = [];
    for await (const b of fx.container.listBlobsFlat({ prefix: `orgs/${orgId}/blobs/` })) out.push(b.name);
    return out;
  };
  const refusal = async (fn: () => Promise<unknown>): Promise<OrgVaultError> => {
    const err = await fn().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OrgVaultError);
    return err as OrgVaultError;
  };

  beforeAll(async () => {
    fx = await storeFixture(PACK_BYTES);
    retention = new RetentionService(fx.db.pool, fx.store);
    const made = await Promise.all(Array.from({ length: 5 }, () => insertTenantAndOrg(fx.db.pool)));
    const [plain, held, reference, killedInVersions, killedInFiles] = made.map((o) => ({
      id: o.orgId,
      tenantId: o.tenantId,
      name: 'Test Org',
    }));
    orgs = { plain: plain!, held: held!, reference: reference!, killedInVersions: killedInVersions!, killedInFiles: killedInFiles! };
    for (const o of Object.values(orgs)) await fill(fx, o.id);
  }, 120_000);
  afterAll(async () => fx.drop());

  it('dry run, four eyes, then every version and sole file of the records found is gone and nothing else changed', async () => {
    const org = orgs.plain;
    const others = CONTACTS.filter((id) => id !== SUBJECT && id !== NAMED);
    const before = {
      others: await history(org.id, 'Contact', others),
      leads: await history(org.id, 'Lead', LEADS),
      files: await files(org.id),
    };

    const asked = await retention.requestErasure(org, request, 'ann@example.com');
    expect(asked).toMatchObject({
      status: 'pending',
      reference: 'DSR-2026-0042',
      recordIdsNamed: 1,
      valuesNamed: 1,
      requestedBy: 'ann@example.com',
    });
    expect(asked.dryRun).toMatchObject({
      recordIds: [SUBJECT, NAMED].sort(),
      objects: [{ object: 'Contact', records: 2, versions: 8, files: 2 }],
      versions: 8,
      files: 2,
    });
    // Record ids only: neither the email nor any other value of the records.
    const wire = JSON.stringify(asked).toLowerCase();
    for (const value of [MARKER.toLowerCase(), 'contact 3', '555 010']) expect(wire).not.toContain(value);
    expect(JSON.stringify(await retention.erasureDryRun(org, asked.id))).toContain('"versions":8');

    const self = await refusal(() => retention.approveErasure(org, asked.id, 'ann@example.com'));
    expect(self).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('second administrator') });
    expect(self.actions[0]).toContain('four eyes');
    expect((await retention.erasure(org, asked.id)).status).toBe('pending');

    const done = await retention.approveErasure(org, asked.id, 'bob@example.com');
    expect(done).toMatchObject({ status: 'done', approvedBy: 'bob@example.com', versionsRemoved: 8, filesDeleted: 2, fileRefsRemoved: 3 });
    expect(await history(org.id, 'Contact', [SUBJECT, NAMED])).toEqual([[], []]);
    expect(await fx.store.blobRefsOf(org.id, 'Contact', SUBJECT)).toEqual([]);
    expect(await history(org.id, 'Contact', others)).toEqual(before.others);
    expect(await history(org.id, 'Lead', LEADS)).toEqual(before.leads);
    const after = await files(org.id);
    // The shared photo stays for the contact that still holds it.
    expect(after).toEqual({
      refs: before.files.refs.filter(([id]) => id !== SUBJECT && id !== NAMED),
      blobs: before.files.blobs - 2,
      stored: before.files.stored - 2,
    });
    expect(await fx.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true, problems: [] });
    expect((await retention.erasureRequests(org)).map((r) => [r.id, r.status])).toEqual([[asked.id, 'done']]);
    expect((await refusal(() => retention.approveErasure(org, asked.id, 'carl@example.com'))).code).toBe('CONFLICT');

    // The ledger: the erased record, and the email in any Contact field, are recognised in an older copy; others are not.
    const ledger = (await retention.erasedFilter(org.id))!;
    expect(ledger.erased('Contact', { id: SUBJECT, fields: { Email: 'changed@example.org' } })).toBe(true);
    expect(ledger.erased('Contact', { id: CONTACTS[9]!, fields: { Email: MARKER.toUpperCase() } })).toBe(true);
    expect(ledger.erased('Contact', { id: CONTACTS[9]!, fields: { Email: 'c9.v0@example.org' } })).toBe(false);
    expect(ledger.erased('Lead', { id: LEADS[1]!, fields: {} })).toBe(false);
    expect(await retention.erasedFilter(orgs.reference.id)).toBeNull();
    const raw = JSON.stringify((await fx.db.pool.query('SELECT * FROM erasure_requests r JOIN erasure_ledger l USING (org_id)')).rows);
    expect(raw.toLowerCase()).not.toContain('marker');
  }, 120_000);

  it('refuses an erasure with no match, and one a hold covers, naming the hold', async () => {
    const org = orgs.held;
    const none = await refusal(() =>
      retention.requestErasure(org, { reference: 'DSR-1', objects: ['Contact'], values: ['nobody@example.net'] }, 'ann@example.com'),
    );
    expect(none).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('Nothing') });
    const bad = await refusal(() => retention.requestErasure(org, { reference: 'DSR-2', values: [MARKER] }, 'ann@example.com'));
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('objects') });
    expect(await retention.erasureRequests(org)).toEqual([]);

    const asked = await retention.requestErasure(org, request, 'ann@example.com');
    const hold = await retention.placeHold(org, { name: 'Case 77', recordIds: [SUBJECT] }, 'legal@example.com');
    const held = await refusal(() => retention.approveErasure(org, asked.id, 'bob@example.com'));
    expect(held).toMatchObject({ code: 'LEGAL_HOLD', message: expect.stringContaining('"Case 77"') });
    expect(held.message).toContain('erase refused');
    expect((await refusal(() => retention.requestErasure(org, request, 'ann@example.com'))).code).toBe('LEGAL_HOLD');
    expect((await retention.erasure(org, asked.id)).status).toBe('pending');
    expect(await history(org.id, 'Contact', [SUBJECT])).not.toEqual([[]]);
    await retention.releaseHold(org, hold.id, null);
    expect(await retention.erasedFilter(org.id)).toBeNull();
  }, 60_000);

  /** Approves in a child process that SIGKILLs itself at the step. */
  const killAt = (org: Org, id: string, phase: string, step: number): Promise<NodeJS.Signals | null> => {
    const args = [fx.db.schema, fx.container.containerName, fx.keyFile, String(PACK_BYTES), org.tenantId, org.id, id, phase, String(step)];
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./erasure-child.ts', import.meta.url)), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  };

  /** The killed run's session lock goes a moment after the kill; until then CONFLICT. */
  const afterKill = async <T>(run: () => Promise<T>): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return await run();
      } catch (err) {
        if (!OrgVaultError.is(err, 'CONFLICT') || tries >= 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  it('killed in each phase and approved again, ends where an uninterrupted erasure does', async () => {
    const state = async (orgId: string) => ({ contacts: await history(orgId, 'Contact', CONTACTS), files: await files(orgId) });
    const ref = await retention.requestErasure(orgs.reference, request, 'ann@example.com');
    const want = { run: await retention.approveErasure(orgs.reference, ref.id, 'bob@example.com'), ...(await state(orgs.reference.id)) };
    const cases: Array<[Org, string, number]> = [
      [orgs.killedInVersions, 'versions', 1],
      [orgs.killedInFiles, 'files', 1],
    ];
    for (const [org, phase, step] of cases) {
      const asked = await retention.requestErasure(org, request, 'ann@example.com');
      expect(await killAt(org, asked.id, phase, step)).toBe('SIGKILL');
      expect((await retention.erasure(org, asked.id)).status).toBe('running');
      const resumed: ErasureRequest = await afterKill(() => retention.approveErasure(org, asked.id, 'carl@example.com'));
      expect({ phase, status: resumed.status, approvedBy: resumed.approvedBy, ...(await state(org.id)) }).toEqual({
        phase,
        status: 'done',
        approvedBy: 'bob@example.com',
        contacts: want.contacts,
        files: want.files,
      });
      expect(resumed.versionsRemoved).toBe(want.run.versionsRemoved);
      expect(await fx.store.check({ orgId: org.id, readDataPercent: 100 })).toMatchObject({ ok: true });
    }
  }, 120_000);
});
