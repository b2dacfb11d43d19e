/**
 * Recovery as an admin does it in the Lightning page (its local preview, headless Chromium, against
 * the engine and the org emulator): accounts deleted with their contacts show under Deleted
 * records, each contact beside the account it went with; chosen there, they open the restore
 * wizard, whose dry run shows them coming back from the Recycle Bin; the run brings them back with
 * their own Ids. The record history of one shows its versions.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import { chromium, type Browser } from 'playwright-core';
import { sharedPreview } from '../support/preview.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { waitForJob } from '../support/backup-checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

let emulator: EmulatorHandle;
let engine: TestEngine;
let browser: Browser;
let conn: Connection;
let key: string;
let org: Org;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: { 'X-OrgVault-Key': key, 'X-OrgVault-Roles': 'administrator', 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
}

async function backUp(): Promise<void> {
  const job = await engine.services.jobs.start(org, { objects: ['Account', 'Contact'], by: 'e2e' });
  expect((await waitForJob(engine, org, job.id)).status).toBe('succeeded');
}

beforeAll(async () => {
  key = randomBytes(24).toString('hex');
  emulator = await startEmulator({ records: 120, seed: 15, admin: true });
  engine = await startTestEngine({
    env: { ORGVAULT_PREVIEW_DIR: await sharedPreview(), ORGVAULT_BOOTSTRAP_KEY: key },
    worker: { pollMs: 200 },
    restoreWorker: { pollMs: 200 },
  });
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  const connected = await api('/orgs', {
    method: 'POST',
    body: JSON.stringify({ method: 'access_token', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }),
  });
  expect(connected.status).toBe(201);
  const orgId = ((await connected.json()) as { org: { id: string } }).org.id;
  org = await engine.services.orgs.get({ tenantId: me.tenant.id, orgId: null }, orgId);
  conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  await emulator?.stop();
});

describe('recovery in the page', () => {
  it('finds accounts deleted with their contacts, restores them from the wizard with their own Ids', async () => {
    await backUp();
    const contacts = (await conn.query<{ Id: string; AccountId: string }>('SELECT Id, AccountId FROM Contact WHERE AccountId != null'))
      .records;
    const accounts = [...new Set(contacts.map((c) => c.AccountId))].slice(0, 3);
    const children = contacts.filter((c) => accounts.includes(c.AccountId)).map((c) => c.Id);
    expect(children.length).toBeGreaterThanOrEqual(3);
    await conn.sobject('Account').destroy(accounts);
    await backUp();

    const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    await page.goto(`${engine.url}/preview/#key=${key}&user=admin-e2e@example.com&roles=administrator`);
    const name = (await (await api(`/orgs/${org.id}`)).json()) as { name: string };
    await page.getByRole('button', { name: `More commands for ${name.name}` }).click();
    await page.getByRole('menuitem', { name: 'View details' }).click();
    await page.getByRole('button', { name: 'Recover records' }).click();

    const deleted = page.locator('c-org-vault-deleted-records');
    await deleted.locator('tr[data-id]').first().waitFor();
    const listed = await deleted.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(listed.sort()).toEqual([...accounts, ...children].sort());
    const wentWith = await deleted.locator('td.went-with').allTextContents();
    expect(wentWith.filter((t) => t.startsWith('Account '))).toHaveLength(children.length);

    // Choosing the accounts chooses the contacts that went with them.
    await deleted.getByRole('checkbox', { name: 'Select every deleted Account' }).check();
    await expect(deleted.locator('p.selected-count').textContent()).resolves.toBe(`${accounts.length + children.length} selected`);
    await deleted.getByRole('button', { name: 'Restore selected' }).click();

    const wizard = page.locator('c-org-vault-restore-wizard');
    await wizard.getByRole('button', { name: '4. Preview (dry run)' }).click();
    await wizard.locator('table.plan tr[data-object="Account"]').waitFor();
    const undelete = async (object: string) =>
      Number(await wizard.locator(`table.plan tr[data-object="${object}"] td.undelete`).textContent());
    expect(await undelete('Account')).toBe(accounts.length);
    await wizard.getByRole('button', { name: '5. Restore' }).click();
    await wizard.locator('p.summary', { hasText: 'Restore succeeded' }).waitFor({ timeout: 120_000 });

    const back = await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Id IN ('${children.join("','")}')`);
    expect(back.records.map((r) => r.Id).sort()).toEqual([...children].sort());
    const accountsBack = await conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Id IN ('${accounts.join("','")}')`);
    expect(accountsBack.records.map((r) => r.Id).sort()).toEqual([...accounts].sort());

    // The history of one: its backed-up version, then its deletion.
    await page.getByRole('tab', { name: 'Record history' }).click();
    const history = page.locator('c-org-vault-record-history');
    await history.getByLabel('Record Id').fill(accounts[0]!);
    await history.getByRole('button', { name: 'Show history' }).click();
    await history.locator('h3.title').waitFor();
    expect(await history.locator('li.version .kind').allTextContents()).toContain('Saved');
    await page.close();
  }, 300_000);
});
