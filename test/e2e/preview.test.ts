/**
 * The Lightning page's local preview in headless Chromium against a running engine and the org
 * emulator: the same components as force-app, built by preview/build.ts, served by the engine at
 * /preview (its development setting ORGVAULT_PREVIEW_DIR), calling /api/v1 through the Apex
 * bridge. Screenshots of each step are kept under test-artifacts/preview/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startPageHarness, type PageHarness } from '../support/page.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import type { TestEngine } from '../support/engine.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts/preview');

let work: string;
let emulator: EmulatorHandle;
let harness: PageHarness;
let engine: TestEngine;
let key: string;
let orgId: string;
let orgName: string;

async function api(path: string, init: RequestInit = {}, roles = 'administrator'): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: { 'X-OrgVault-Key': key, 'X-OrgVault-User': 'e2e@example.com', 'X-OrgVault-Roles': roles, ...(init.headers ?? {}) },
  });
}

async function openPage(roles = 'administrator'): Promise<Page> {
  const page = await harness.open({ user: 'e2e@example.com', roles });
  await page.locator('c-org-vault-org-tile').first().waitFor();
  return page;
}

function tile(page: Page, name: string) {
  return page.locator('c-org-vault-org-tile', { hasText: name });
}

async function command(page: Page, orgName: string, item: string): Promise<void> {
  await page.getByRole('button', { name: `More commands for ${orgName}` }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'orgvault-preview-'));
  await mkdir(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ records: 300, seed: 7, admin: true });
  harness = await startPageHarness({ worker: { pollMs: 200 } });
  ({ engine, key } = harness);
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  await engine.services.schedule.subscriptions.put(me.tenant.id, { type: 'enterprise' });
  ({ orgId } = await engine.services.connect(me.tenant.id, {
    kind: 'accessToken',
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
  }));
  orgName = (await engine.services.orgs.get({ tenantId: me.tenant.id, orgId: null }, orgId)).name;
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await emulator?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('local preview of the Backup page', () => {
  it('shows a tile per organization with the status the engine reports', async () => {
    const page = await openPage();
    const org = (await (await api(`/orgs/${orgId}`)).json()) as { sfOrgId: string; isSandbox: boolean; nextBackupAt: string | null };
    const shown = tile(page, orgName);
    await expect(shown.locator('.status').textContent()).resolves.toBe('never backed up');
    await expect(shown.textContent()).resolves.toContain(`${org.isSandbox ? 'Sandbox' : 'Production'} · ${org.sfOrgId}`);
    if (org.nextBackupAt === null) await expect(shown.locator('.next-backup').textContent()).resolves.toBe('Not scheduled');
    else await expect(shown.locator('.next-backup c-org-vault-date-time').count()).resolves.toBe(1);
    await shot(page, '01-tiles');
    await page.close();
  });

  it('offers each role only the commands the engine allows it', async () => {
    const admin = await openPage('administrator');
    await admin.getByRole('button', { name: `More commands for ${orgName}` }).click();
    await expect(admin.getByRole('menuitem').allTextContents()).resolves.toEqual([
      'Back up now',
      'Generate recovery point',
      'Configure permission check settings',
      'Check permissions now',
      'Configure backup settings',
      'Hide organization',
      'View details',
      'Disconnect organization',
    ]);
    await shot(admin, '02-admin-menu');
    await admin.close();

    const viewer = await openPage('viewer');
    await viewer.getByRole('button', { name: `More commands for ${orgName}` }).click();
    await expect(viewer.getByRole('menuitem').allTextContents()).resolves.toEqual(['View details']);
    await shot(viewer, '03-viewer-menu');
    await viewer.close();
  });

  it('hides an organization and shows it again', async () => {
    const page = await openPage();
    await command(page, orgName, 'Hide organization');
    const toggle = page.getByRole('button', { name: 'Show hidden organizations (1)' });
    await toggle.waitFor();
    await expect(page.locator('.organizations c-org-vault-org-tile').count()).resolves.toBe(0);
    const hidden = (await (await api(`/orgs/${orgId}`)).json()) as { hidden: boolean };
    expect(hidden.hidden).toBe(true);
    await shot(page, '04-hidden');

    await toggle.click();
    await command(page, orgName, 'Show organization');
    await page.locator('.organizations c-org-vault-org-tile', { hasText: orgName }).waitFor();
    await expect(page.locator('.hidden-orgs').count()).resolves.toBe(0);
    const shown = (await (await api(`/orgs/${orgId}`)).json()) as { hidden: boolean };
    expect(shown.hidden).toBe(false);
    await shot(page, '05-shown-again');
    await page.close();
  });

  it('opens Back up now with its scope choices and says a custom scope needs the full backup first', async () => {
    const page = await openPage();
    await command(page, orgName, 'Back up now');
    const dialog = page.getByRole('dialog', { name: `Back up ${orgName} now` });
    await dialog.waitFor();
    await dialog.getByText('Custom scope', { exact: true }).click();
    await dialog.locator('.no-full-backup').waitFor();
    await expect(dialog.getByRole('button', { name: 'Start backup' }).isDisabled()).resolves.toBe(true);
    await dialog.getByText('All objects', { exact: true }).click();
    await expect(dialog.getByRole('button', { name: 'Start backup' }).isEnabled()).resolves.toBe(true);
    await shot(page, '06-back-up-now');
    await page.close();
  });

  it('backs up now: the tile shows the job running, then succeeded, and the details list its objects', async () => {
    // Slow the org down so the job is still going when the page refreshes right after Start.
    await emulatorFaults({ latencyMs: 150 });
    const page = await openPage();
    await command(page, orgName, 'Back up now');
    const dialog = page.getByRole('dialog', { name: `Back up ${orgName} now` });
    await dialog.getByRole('button', { name: 'Start backup' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('div[aria-live="polite"]', { hasText: `Backup of ${orgName} started.` }).waitFor();
    await tile(page, orgName).locator('.current-job').waitFor();
    await expect(tile(page, orgName).locator('.current-job').textContent()).resolves.toMatch(/Backup (queued|running)/);
    await shot(page, '07-job-running');
    await emulatorFaults({ latencyMs: 0 });

    await until(page, () => tile(page, orgName).locator('.status', { hasText: 'succeeded' }).count());
    await expect(tile(page, orgName).locator('.current-job').count()).resolves.toBe(0);
    await shot(page, '08-job-succeeded');

    await command(page, orgName, 'View details');
    const details = page.locator('c-org-vault-org-details');
    await details.locator('.job-status', { hasText: 'succeeded' }).waitFor();
    await details
      .getByRole('button', { name: /Show objects of job/ })
      .first()
      .click();
    await details.locator('.job-objects tbody tr', { hasText: 'Account' }).waitFor();
    await shot(page, '09-details');
    await page.close();
  });

  it('checks permissions now and shows the report in the details', async () => {
    const page = await openPage();
    await command(page, orgName, 'Check permissions now');
    await page.locator('.status', { hasText: `Permission check of ${orgName} started.` }).waitFor();
    await command(page, orgName, 'View details');
    const details = page.locator('c-org-vault-org-details');
    await until(page, () => details.locator('.gaps, .no-gaps').count());
    // The engine's own continuous-protection answer, through the same bridge as Apex.
    await expect(details.locator('.protection-state').textContent()).resolves.toBe(
      'Off: the org is protected by its scheduled backups only.',
    );
    await shot(page, '10-permission-report');
    await page.close();
  });
});

/** Refreshes the page (its Refresh button) until the condition holds; the job runs on its own time. */
async function until(page: Page, holds: () => Promise<number>, what = 'the page to show it'): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await holds()) > 0) return;
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: 'Refresh' }).click();
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function emulatorFaults(faults: { latencyMs: number }): Promise<void> {
  const res = await fetch(`${emulator.instanceUrl}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(res.ok).toBe(true);
}
