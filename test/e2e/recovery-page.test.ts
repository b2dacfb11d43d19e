/**
 * Recovery as an admin does it in the Lightning page (its local preview, headless Chromium, against
 * the engine and the org emulator), the three cases of issue #15:
 * 1. accounts deleted with their contacts and a file each show under Deleted records, each contact
 *    beside the account it went with; chosen there and restored through the wizard, the org holds
 *    them again with their own Ids, the contacts on their accounts and the files linked to them;
 * 2. a Bulk update overwrites Industry; the record history of one shows the change; restoring only
 *    Industry from the backup before it puts the old values back and leaves a field changed since
 *    (Phone) as it is now;
 * 3. a backup compared with the live org after some edits shows exactly those edits, field by field.
 * One emulator, engine and browser for the file; the org is small (scale is bench/'s, see
 * bench/record-search.ts), so the cases use a few records each rather than the issue's hundreds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import type { Locator, Page } from 'playwright-core';
import { startPageHarness, type PageHarness } from '../support/page.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { waitForJob } from '../support/backup-checks.js';
import type { TestEngine } from '../support/engine.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const DELETED = 4;
const OVERWRITTEN = 12;
const EDITS = 8;
const OBJECTS = ['Account', 'Contact'];

let emulator: EmulatorHandle;
let harness: PageHarness;
let engine: TestEngine;
let conn: Connection;
let org: Org;
let orgName: string;
/** Errors the page threw (a base component that failed to render throws one): none expected. */
const pageErrors: string[] = [];

type Row = { Id: string; AccountId?: string; Industry?: string | null; Phone?: string | null; ParentId?: string | null };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: {
      'X-OrgVault-Key': harness.key,
      'X-OrgVault-Roles': 'administrator',
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
}

/** Backs up the accounts and contacts (and the links of their files); answers the job's id. */
async function backUp(): Promise<string> {
  const job = await engine.services.jobs.start(org, { objects: OBJECTS, by: 'e2e' });
  expect((await waitForJob(engine, org, job.id)).status).toBe('succeeded');
  return job.id;
}

async function query<T extends Record<string, unknown>>(soql: string): Promise<T[]> {
  return (await conn.query<T>(soql)).records;
}

const inList = (ids: string[]): string => `('${ids.join("','")}')`;

/** The details page of the org with Recovery opened on `tab`. */
async function recovery(tab: string): Promise<Page> {
  const page = await harness.open({ user: 'admin-e2e@example.com', height: 1400 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.getByRole('button', { name: `More commands for ${orgName}` }).click();
  await page.getByRole('menuitem', { name: 'View details' }).click();
  await page.getByRole('button', { name: 'Recover records' }).click();
  await page.getByRole('tab', { name: tab }).click();
  return page;
}

/** Chooses the job `jobId` in the lightning-combobox of class `css` (its options carry their value). */
async function pickJob(scope: Locator, css: string, jobId: string): Promise<void> {
  await scope.locator(`lightning-combobox.${css} [role="combobox"]`).click();
  await scope.locator(`lightning-combobox.${css} [role="option"][data-value="${jobId}"]`).click();
}

/** Moves `objects` to the chosen side of the objects' lightning-dual-listbox (its first arrow). */
async function chooseObjects(scope: Locator, objects: string[]): Promise<void> {
  const listbox = scope.locator('lightning-dual-listbox.objects');
  for (const o of objects) {
    await listbox.locator(`[role="option"][data-value="${o}"]`).click();
    await listbox.locator('lightning-button-icon button').first().click();
  }
}

/** Dry run, then the run to its end; answers the plan's row of `object` as text per column. */
async function previewAndRestore(wizard: Locator, object: string): Promise<Record<string, string>> {
  await wizard.getByRole('button', { name: '4. Preview (dry run)' }).click();
  const row = wizard.locator(`table.plan tr[data-object="${object}"]`);
  await row.waitFor();
  const cells = Object.fromEntries(
    await Promise.all(
      ['undelete', 'create', 'update', 'fields-changed'].map(async (c) => [c, (await row.locator(`td.${c}`).textContent())!]),
    ),
  );
  await wizard.getByRole('button', { name: '5. Restore' }).click();
  await wizard.locator('p.summary', { hasText: 'Restore succeeded' }).waitFor({ timeout: 60_000 });
  return cells;
}

beforeAll(async () => {
  [emulator, harness] = await Promise.all([
    startEmulator({ records: 900, seed: 15, admin: true }),
    startPageHarness({ worker: { pollMs: 100 }, restoreWorker: { pollMs: 100 } }),
  ]);
  engine = harness.engine;
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  const connected = await api('/orgs', {
    method: 'POST',
    body: JSON.stringify({ method: 'access_token', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }),
  });
  expect(connected.status).toBe(201);
  const made = ((await connected.json()) as { org: { id: string; name: string } }).org;
  orgName = made.name;
  org = await engine.services.orgs.get({ tenantId: me.tenant.id, orgId: null }, made.id);
  conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
  conn.bulk2.pollInterval = 50;
  // A cycle starts with a full backup; the cases then back up only the objects they look at.
  const full = await engine.services.jobs.start(org, { by: 'e2e' });
  expect((await waitForJob(engine, org, full.id)).status).toBe('succeeded');
}, 180_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await harness?.close();
  await emulator?.stop();
});

describe('recovery in the page', () => {
  it('restores accounts deleted with their contacts and files: contacts on their accounts, files linked again', async () => {
    // Accounts of their own, so that nothing else in the org (cases, opportunities) holds them.
    const made = await conn.sobject('Account').create(Array.from({ length: DELETED }, (_, i) => ({ Name: `Deleted with care ${i}` })));
    const accounts = made.map((r) => r.id!);
    const kids = await conn
      .sobject('Contact')
      .create(accounts.flatMap((a, i) => [0, 1].map((k) => ({ LastName: `Child ${i}.${k}`, AccountId: a }))));
    const children = kids.map((r, i) => ({ Id: r.id!, AccountId: accounts[Math.floor(i / 2)]! }));
    for (const [i, a] of accounts.entries())
      await conn.sobject('ContentVersion').create({
        PathOnClient: `contract-${i}.txt`,
        Title: `Contract ${i}`,
        VersionData: Buffer.from(`contract of ${a}`).toString('base64'),
        FirstPublishLocationId: a,
      });
    const linksOf = async (): Promise<string[]> =>
      (
        await query<{ LinkedEntityId: string }>(
          `SELECT LinkedEntityId FROM ContentDocumentLink WHERE LinkedEntityId IN ${inList(accounts)}`,
        )
      )
        .map((l) => l.LinkedEntityId)
        .sort();
    const links = await linksOf();
    expect(links).toEqual([...accounts].sort());
    await backUp();
    await conn.sobject('Account').destroy(accounts);
    await backUp();

    const page = await recovery('Deleted records');
    const deleted = page.locator('c-org-vault-deleted-records');
    await deleted.locator('tr[data-id]').first().waitFor();
    const listed = await deleted.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(listed.sort()).toEqual([...accounts, ...children.map((c) => c.Id)].sort());
    const wentWith = await deleted.locator('td.went-with').allTextContents();
    expect(wentWith.filter((t) => t.startsWith('Account '))).toHaveLength(children.length);

    // Choosing the accounts chooses the contacts that went with them.
    await deleted.getByRole('checkbox', { name: 'Select every deleted Account' }).check();
    await expect(deleted.locator('p.selected-count').textContent()).resolves.toBe(`${accounts.length + children.length} selected`);
    await deleted.getByRole('button', { name: 'Restore selected' }).click();
    const plan = await previewAndRestore(page.locator('c-org-vault-restore-wizard'), 'Account');
    expect(plan.undelete).toBe(String(accounts.length));
    await page.close();

    const back = await query<Row>(`SELECT Id, AccountId FROM Contact WHERE Id IN ${inList(children.map((c) => c.Id))}`);
    expect(back.map((r) => [r.Id, r.AccountId]).sort()).toEqual(children.map((c) => [c.Id, c.AccountId]).sort());
    expect((await query<Row>(`SELECT Id FROM Account WHERE Id IN ${inList(accounts)}`)).map((r) => r.Id).sort()).toEqual(
      [...accounts].sort(),
    );
    expect(await linksOf()).toEqual(links);
  });

  it('restores only Industry after a Bulk update overwrote it, leaving fields changed since as they are', async () => {
    const before = (await query<Row>('SELECT Id, Industry, Phone FROM Account ORDER BY Id')).filter((a) => a.Industry !== 'Biotechnology');
    const victims = before.slice(0, OVERWRITTEN);
    expect(victims).toHaveLength(OVERWRITTEN);
    const previous = await backUp();
    // Changed since that backup, by someone else: theirs to keep.
    const phoned = victims.slice(0, 3).map((a, i) => ({ Id: a.Id, Phone: `+1 555 010${i}` }));
    await conn.sobject('Account').update(phoned);
    const load = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'update',
      input: `Id,Industry\n${victims.map((a) => `${a.Id},Biotechnology`).join('\n')}\n`,
    });
    expect(load.failedResults).toHaveLength(0);
    await backUp();

    const page = await recovery('Record history');
    const history = page.locator('c-org-vault-record-history');
    await history.getByLabel('Record Id').fill(victims[0]!.Id);
    await history.getByRole('button', { name: 'Show history' }).click();
    const change = history.locator('table.changes tr', { has: page.locator('td.field', { hasText: /^Industry$/ }) });
    await change.first().waitFor();
    expect([await change.first().locator('td.from').textContent(), await change.first().locator('td.to').textContent()]).toEqual([
      victims[0]!.Industry ?? '—',
      'Biotechnology',
    ]);

    await page.getByRole('tab', { name: 'Restore' }).click();
    const wizard = page.locator('c-org-vault-restore-wizard');
    await pickJob(wizard, 'job', previous);
    await chooseObjects(wizard, ['Account']);
    await wizard.getByLabel('Only these records (Ids; blank: all)').fill(victims.map((a) => a.Id).join('\n'));
    await wizard.getByLabel(/^Only these fields/).fill('Industry');
    const plan = await previewAndRestore(wizard, 'Account');
    expect({ update: plan.update, fields: plan['fields-changed'] }).toEqual({
      update: String(OVERWRITTEN),
      fields: `Industry: ${OVERWRITTEN}`,
    });
    await page.close();

    const now = new Map(
      (await query<Row>(`SELECT Id, Industry, Phone FROM Account WHERE Id IN ${inList(victims.map((a) => a.Id))}`)).map((a) => [a.Id, a]),
    );
    const phones = new Map(phoned.map((p) => [p.Id, p.Phone]));
    for (const a of victims)
      expect({ id: a.Id, Industry: now.get(a.Id)!.Industry, Phone: now.get(a.Id)!.Phone }).toEqual({
        id: a.Id,
        Industry: a.Industry,
        Phone: phones.get(a.Id) ?? a.Phone,
      });
  });

  it('compares a backup with the live org after some edits: exactly those, field by field', async () => {
    const jobId = await backUp();
    const accounts = await query<Row>('SELECT Id, Phone FROM Account ORDER BY Id LIMIT 4');
    const contacts = await query<Row>(`SELECT Id, Phone FROM Contact ORDER BY Id LIMIT ${EDITS - accounts.length}`);
    const edits = [...accounts.map((r) => ({ object: 'Account', r })), ...contacts.map((r) => ({ object: 'Contact', r }))].map(
      ({ object, r }, i) => ({
        object,
        id: r.Id,
        from: r.Phone ?? '—',
        to: `+44 20 7946 09${String(i).padStart(2, '0')}`,
      }),
    );
    for (const o of OBJECTS) await conn.sobject(o).update(edits.filter((e) => e.object === o).map((e) => ({ Id: e.id, Phone: e.to })));

    const page = await recovery('Compare');
    const compare = page.locator('c-org-vault-compare');
    await pickJob(compare, 'from', jobId);
    await chooseObjects(compare, OBJECTS);
    await compare.getByRole('button', { name: 'Compare', exact: true }).click();
    await compare.locator('table.summary tbody tr').first().waitFor();
    const rows = await compare
      .locator('table.details tbody tr')
      .evaluateAll((trs) => trs.map((tr) => ['record', 'field', 'from', 'to'].map((c) => tr.querySelector(`td.${c}`)?.textContent ?? '')));
    expect(rows.sort()).toEqual(edits.map((e) => [`${e.object} ${e.id}`, 'Phone', e.from, e.to]).sort());
    const changed = await compare
      .locator('table.summary tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('td.object')?.textContent, tr.querySelector('td.changed')?.textContent]));
    expect(changed.sort()).toEqual(OBJECTS.map((o) => [o, String(edits.filter((e) => e.object === o).length)]));
    await page.close();
  });
});
