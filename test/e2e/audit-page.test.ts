/**
 * The audit trail seen as a person sees it: three actions taken in the Lightning page (its local
 * preview, headless Chromium, against the engine and the org emulator) are each exactly one entry
 * with the page's user, source "page" and outcome; the org's details show them in the Audit trail
 * section; and neither the trail's tables nor its export hold a record value the org holds (the
 * at-rest test's kind of marker), the API key or the org's token.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { startPageHarness, type PageHarness } from '../support/page.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import type { TestEngine } from '../support/engine.js';
import { testDatabaseUrl } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts/audit');
const USER = 'auditor-e2e@example.com';

type Entry = { action: string; actor: string; source: string; outcome: string; target: string | null; orgId: string | null };

let work: string;
let emulator: EmulatorHandle;
let harness: PageHarness;
let engine: TestEngine;
let key: string;
let orgId: string;
let orgName: string;
const marker = `zqaudit${randomBytes(8).toString('hex')}`;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: {
      'X-OrgVault-Key': key,
      'X-OrgVault-User': 'api-e2e@example.com',
      'X-OrgVault-Roles': 'administrator',
      ...(init.headers ?? {}),
    },
  });
}

async function command(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: `More commands for ${orgName}` }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

async function entries(action: string): Promise<Entry[]> {
  const r = await api(`/audit?action=${action}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { entries: Entry[] }).entries;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'orgvault-audit-'));
  await mkdir(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ records: 120, seed: 11, admin: true });
  harness = await startPageHarness({ worker: { pollMs: 200 } });
  ({ engine, key } = harness);
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  // Records carrying the marker: what a backup reads and a compare answers, never what the trail keeps.
  const conn = new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' });
  const contacts = (await conn.query<{ Id: string }>('SELECT Id FROM Contact LIMIT 2')).records;
  await conn.sobject('Contact').update(contacts.map((c, i) => ({ Id: c.Id, LastName: `${marker}-${i}` })));
  const connected = await api('/orgs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ method: 'access_token', instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken }),
  });
  expect(connected.status).toBe(201);
  ({ id: orgId, name: orgName } = ((await connected.json()) as { org: { id: string; name: string } }).org);
}, 300_000);

afterAll(async () => {
  await harness?.close();
  await emulator?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('audit trail of the page', () => {
  it('records three actions taken in the page once each, and shows them in the details', async () => {
    const page = await harness.open({ user: USER, height: 1000 });
    await page.locator('c-org-vault-org-tile').first().waitFor();

    await command(page, 'Back up now');
    const backup = page.getByRole('dialog', { name: `Back up ${orgName} now` });
    await backup.getByRole('button', { name: 'Start backup' }).click();
    await backup.waitFor({ state: 'detached' });
    await command(page, 'Check permissions now');
    await page.locator('.status', { hasText: `Permission check of ${orgName} started.` }).waitFor();
    await command(page, 'Configure backup settings');
    const settings = page.getByRole('dialog').filter({ has: page.getByRole('button', { name: 'Save' }) });
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached' });

    for (const action of ['backup.run', 'permission-check.run', 'settings.backup.change']) {
      const found = await entries(action);
      expect(found.map((e) => ({ action: e.action, actor: e.actor, source: e.source, outcome: e.outcome, orgId: e.orgId }))).toEqual([
        { action, actor: USER, source: 'page', outcome: 'succeeded', orgId },
      ]);
    }
    expect((await entries('org.connect')).map((e) => [e.actor, e.source, e.target])).toEqual([['api-e2e@example.com', 'api', orgId]]);

    await command(page, 'View details');
    const audit = page.locator('c-org-vault-org-details c-org-vault-audit-trail');
    await audit.locator('tbody tr', { hasText: 'Change backup settings' }).waitFor();
    // Filtering and paging are the component's jest suite's (orgVaultAuditTrail.test.js).
    const rows = await audit.locator('tbody tr').allTextContents();
    for (const label of ['Back up now', 'Check permissions', 'Change backup settings'])
      expect(rows.filter((r) => r.includes(label) && r.includes(USER) && r.includes('Page'))).toHaveLength(1);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-trail.png'), fullPage: true });
    await page.close();
  });

  it('keeps no record value, key or token: not in its tables, not in its export', async () => {
    // Let the page's backup finish, then read the marked records through a compare (customer data).
    for (let i = 0; i < 120; i++) {
      const tile = (await (await api(`/orgs/${orgId}`)).json()) as { currentJob: unknown; lastJob: { status: string } | null };
      if (!tile.currentJob && tile.lastJob) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const compared = await api(`/orgs/${orgId}/compare`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: { at: new Date().toISOString() }, to: { live: true }, objects: ['Contact'] }),
    });
    expect(compared.status).toBe(200);
    expect((await entries('compare.run')).map((e) => e.outcome)).toEqual(['succeeded']);

    const exported = await (await api('/audit/export?format=csv')).text();
    const client = new pg.Client({ connectionString: testDatabaseUrl(), options: `-c search_path=${engine.schema}` });
    await client.connect();
    let dump: string;
    try {
      await client.query('CHECKPOINT');
      const tables = ['audit_entries', 'audit_chains', 'audit_forwarding'];
      dump = (
        await Promise.all(tables.map(async (t) => (await client.query(`SELECT t::text AS r FROM ${t} t`)).rows.map((r) => r.r).join('\n')))
      ).join('\n');
      // The marker did reach OrgVault's backup: the check is not vacuous.
      const stored = await client.query("SELECT count(*)::int AS n FROM backup_jobs WHERE status = 'succeeded'");
      expect(stored.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    for (const text of [dump, exported]) {
      expect(text).toContain(USER);
      for (const secret of [marker, key, emulator.accessToken]) expect(text).not.toContain(secret);
    }
  });
});
