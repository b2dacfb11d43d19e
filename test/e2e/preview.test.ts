/**
 * The Lightning page's local preview in headless Chromium against a running engine: the same
 * components as force-app, built by preview/build.ts, served by the engine at /preview (its
 * development setting ORGVAULT_PREVIEW_DIR), calling /api/v1 through the Apex bridge. Screenshots
 * of each step are kept under test-artifacts/preview/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { configSchema } from '../../engine/src/config/schema.js';
import { startEngine, type RunningEngine } from '../../engine/src/main.js';
import { OrgRegistry } from '../../engine/src/orgs/registry.js';
import { openJob, setJobStatus } from '../../engine/src/backup/jobs.js';
import { buildPreview } from '../../preview/build.js';
import { testDatabaseUrl, testStorageConnectionString } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts/preview');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let work: string;
let engine: RunningEngine;
let browser: Browser;
let key: string;
let orgId: string;

async function api(path: string, init: RequestInit = {}, roles = 'administrator'): Promise<Response> {
  return fetch(`${engine.url}/api/v1${path}`, {
    ...init,
    headers: { 'X-OrgVault-Key': key, 'X-OrgVault-User': 'e2e@example.com', 'X-OrgVault-Roles': roles, ...(init.headers ?? {}) },
  });
}

async function openPage(roles = 'administrator'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${engine.url}/preview/#key=${key}&user=e2e@example.com&roles=${roles}`);
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
  const hex = randomBytes(6).toString('hex');
  key = randomBytes(24).toString('hex');
  const config = configSchema.parse({
    port: 0,
    host: '127.0.0.1',
    dataDir: work,
    databaseUrl: testDatabaseUrl(),
    databaseSchema: `t_${hex}`,
    azureStorageConnectionString: testStorageConnectionString(),
    blobContainer: `preview-${hex}`,
    previewDir: await buildPreview(join(work, 'preview')),
    bootstrapKey: key,
    logLevel: 'warn',
    demo: 'false',
  });
  engine = await startEngine(config);
  const me = (await (await api('/me')).json()) as { tenant: { id: string } };
  // Connecting through POST /api/v1/orgs needs the salesforce connect service; the registry row
  // is what that service ends with, and all the page reads.
  const org = await new OrgRegistry(engine.ctx.infra.pool).register(me.tenant.id, {
    sfOrgId: '00D5g000004SnqPEAS',
    name: 'Acme Production',
    instanceUrl: 'https://acme.my.salesforce.com',
    isSandbox: false,
    timeZone: 'Europe/Berlin',
  });
  orgId = org.id;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('local preview of the Backup page', () => {
  it('shows a tile per organization with the status the engine reports', async () => {
    const page = await openPage();
    const acme = tile(page, 'Acme Production');
    await expect(acme.locator('.status').textContent()).resolves.toBe('never backed up');
    await expect(acme.textContent()).resolves.toContain('Production · 00D5g000004SnqPEAS');
    await shot(page, '01-tiles');
    await page.close();
  });

  it('offers each role only the commands the engine allows it', async () => {
    const admin = await openPage('administrator');
    await admin.getByRole('button', { name: 'More commands for Acme Production' }).click();
    await expect(admin.getByRole('menuitem').allTextContents()).resolves.toEqual([
      'Back up now',
      'Generate recovery point',
      'Configure permission check settings',
      'Check permissions now',
      'Configure backup settings',
      'Hide organization',
      'View details',
    ]);
    await shot(admin, '02-admin-menu');
    await admin.close();

    const viewer = await openPage('viewer');
    await viewer.getByRole('button', { name: 'More commands for Acme Production' }).click();
    await expect(viewer.getByRole('menuitem').allTextContents()).resolves.toEqual(['View details']);
    await shot(viewer, '03-viewer-menu');
    await viewer.close();
  });

  it('hides an organization and shows it again', async () => {
    const page = await openPage();
    await command(page, 'Acme Production', 'Hide organization');
    const toggle = page.getByRole('button', { name: 'Show hidden organizations (1)' });
    await toggle.waitFor();
    await expect(page.locator('.organizations c-org-vault-org-tile').count()).resolves.toBe(0);
    const hidden = (await (await api(`/orgs/${orgId}`)).json()) as { hidden: boolean };
    expect(hidden.hidden).toBe(true);
    await shot(page, '04-hidden');

    await toggle.click();
    await command(page, 'Acme Production', 'Show organization');
    await page.locator('.organizations c-org-vault-org-tile', { hasText: 'Acme Production' }).waitFor();
    await expect(page.locator('.hidden-orgs').count()).resolves.toBe(0);
    const shown = (await (await api(`/orgs/${orgId}`)).json()) as { hidden: boolean };
    expect(shown.hidden).toBe(false);
    await shot(page, '05-shown-again');
    await page.close();
  });

  it('opens Back up now with its scope choices and says a custom scope needs the full backup first', async () => {
    const page = await openPage();
    await command(page, 'Acme Production', 'Back up now');
    const dialog = page.getByRole('dialog', { name: 'Back up Acme Production now' });
    await dialog.waitFor();
    await dialog.getByText('Custom scope', { exact: true }).click();
    await dialog.locator('.no-full-backup').waitFor();
    await expect(dialog.getByRole('button', { name: 'Start backup' }).isDisabled()).resolves.toBe(true);
    await dialog.getByText('All objects', { exact: true }).click();
    await expect(dialog.getByRole('button', { name: 'Start backup' }).isEnabled()).resolves.toBe(true);
    await shot(page, '06-back-up-now');
    await page.close();
  });

  it('follows a job from queued to running to succeeded, and lists it in the details', async () => {
    // The backup runner is not wired into the engine yet, so the test plays its part on the job
    // catalog (open, run, finish); everything the page shows comes from the engine's API.
    const pool = engine.ctx.infra.pool;
    const page = await openPage();
    const job = await openJob(pool, orgId, { trigger: 'on_demand', requestedBy: 'e2e@example.com' });
    await setJobStatus(pool, orgId, job.id, 'running');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await tile(page, 'Acme Production').locator('.current-job', { hasText: 'Backup running' }).waitFor();
    await shot(page, '07-job-running');

    await setJobStatus(pool, orgId, job.id, 'succeeded');
    // The page refreshes itself whenever it is shown again.
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    await tile(page, 'Acme Production').locator('.status', { hasText: 'succeeded' }).waitFor();
    await expect(tile(page, 'Acme Production').locator('.current-job').count()).resolves.toBe(0);
    await shot(page, '08-job-succeeded');

    await command(page, 'Acme Production', 'View details');
    const details = page.locator('c-org-vault-org-details');
    await details.locator('.job-status', { hasText: 'succeeded' }).waitFor();
    await shot(page, '09-details');
    await page.close();
  });
});
