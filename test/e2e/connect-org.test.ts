/**
 * Connecting an org from the Backup page, in headless Chromium through the local preview: the
 * admin chooses Connect organization, logs in on the emulator's login page in the window it opens,
 * and the org's first backup runs. Salesforce then revokes our refresh token: the next job fails
 * and marks the org, the one after is skipped with the reason, the tile offers Reconnect; after the
 * reconnect the next job runs and continuous protection catches up with every change made meanwhile.
 * Screenshots under test-artifacts/connect-org/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startPageHarness, type PageHarness } from '../support/page.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { DEFAULT_PASSWORD } from '../emulator/soap/session-calls.js';
import { fillLogin } from '../emulator/oauth/support/browser-login.js';
import type { TestEngine } from '../support/engine.js';
import { Connection } from 'jsforce';
import { expectExportEquals, waitForJob } from '../support/backup-checks.js';
import { captureMoment, caughtUpSince, emulatorAdmin } from './cdp-support/checks.js';
import type { Org } from '../../engine/src/orgs/registry.js';

const ARTIFACTS = join(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts/connect-org');
const APP = { clientId: 'OrgVaultE2E', clientSecret: randomBytes(12).toString('hex') };
const OBJECTS = ['Account'];

let work: string;
let emulator: EmulatorHandle;
let harness: PageHarness;
let engine: TestEngine;
let key: string;
let tenantId: string;

async function openPage(): Promise<Page> {
  const page = await harness.open({ user: 'admin@e2e.example' });
  await page.getByRole('button', { name: 'Connect organization' }).waitFor();
  return page;
}

/** Clicks the dialog's login button and logs in in the window it opens; answers that window's headline. */
async function logInFromDialog(page: Page, heading: string): Promise<string> {
  const dialog = page.getByRole('dialog', { name: heading });
  const [login] = await Promise.all([
    page.context().waitForEvent('page'),
    dialog.getByRole('button', { name: 'Log in to Salesforce' }).click(),
  ]);
  await login.waitForLoadState();
  await fillLogin(login, emulator.username, DEFAULT_PASSWORD, `${engine.url}/oauth/callback`);
  const result = (await login.locator('#result').textContent()) ?? '';
  await login.screenshot({ path: join(ARTIFACTS, `${heading.replace(/\W+/g, '-')}-done.png`) });
  await login.close();
  return result;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'orgvault-connect-'));
  await mkdir(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ records: 80, seed: 31, admin: true, cdc: { entities: [], keepaliveMs: 200 } });
  harness = await startPageHarness({
    env: {
      ORGVAULT_OAUTH_CLIENT_ID: APP.clientId,
      ORGVAULT_OAUTH_CLIENT_SECRET: APP.clientSecret,
      ORGVAULT_PUBSUB_ENDPOINT: String(emulator.ready.pubSubEndpoint),
      ORGVAULT_PUBSUB_INSECURE_TLS: 'true',
    },
    worker: { pollMs: 200 },
    cdp: { scanMs: 300, retryMs: 200, catchUpWaitMs: 60_000 },
  });
  ({ engine, key } = harness);
  emulator.oauth.apps.register({ ...APP, callbackUrls: [`${engine.url}/oauth/callback`] });
  const me = (await (await fetch(`${engine.url}/api/v1/me`, { headers: { 'X-OrgVault-Key': key } })).json()) as { tenant: { id: string } };
  tenantId = me.tenant.id;
  await engine.services.schedule.subscriptions.put(tenantId, { type: 'enterprise' });
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await emulator?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('connecting an organization from the Backup page', () => {
  it('connects, pauses when Salesforce revokes access, reconnects and loses no change', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Connect organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect organization' });
    await dialog.getByText('Custom domain (My Domain)').click();
    await dialog.getByLabel('My Domain URL').fill(emulator.instanceUrl);
    await page.screenshot({ path: join(ARTIFACTS, '01-connect-dialog.png') });
    expect(await logInFromDialog(page, 'Connect organization')).toContain('is connected');

    await page.getByRole('button', { name: 'Refresh' }).click();
    const orgs = await engine.services.orgs.list({ tenantId, orgId: null });
    expect(orgs.map((o) => o.sfOrgId)).toEqual([emulator.orgId]);
    const org: Org = orgs[0]!;
    const tile = page.locator('c-org-vault-org-tile', { hasText: org.name });
    await tile.waitFor();

    // Its first backup, then continuous protection on Account.
    expect((await waitForJob(engine, org, (await engine.services.jobs.start(org, { by: 'e2e' })).id)).status).toBe('succeeded');
    await engine.services.cdp.configure(org, { enabled: true, objects: OBJECTS }, 'e2e');
    const catchUp = (await engine.services.cdp.getSettings(org)).fallbacks.find((f) => f.reason === 'protection_on')!;
    expect((await waitForJob(engine, org, catchUp.jobId!)).status).toBe('succeeded');
    await caughtUpSince(engine, org, Date.now());
    const account = emulator.org.create('Account', { Name: 'Before the revoke' });

    // Setup → Connected Apps OAuth Usage → Revoke, in the org; changes go on meanwhile.
    await emulatorAdmin(emulator.instanceUrl, '/oauth/revoke-user', { username: emulator.username });
    emulator.org.update(account, { Name: 'While OrgVault was locked out' });
    const refused = await engine.services.jobs.start(org, { by: 'e2e' });
    expect((await waitForJob(engine, org, refused.id)).status).toBe('failed');
    const paused = await engine.services.orgs.get({ tenantId, orgId: null }, org.id);
    expect(paused.reconnectNeeded).toBe(true);
    expect((await engine.services.cdp.getSettings(paused)).paused).toBe('reconnect_needed');
    const slot = await engine.services.schedule.scheduler.runBackupSlot(org.id, new Date());
    expect(slot).toMatchObject({ outcome: 'skipped', code: 'RECONNECT_NEEDED' });
    const skipped = (await engine.services.jobs.list(paused, { limit: 1 }))[0]!;
    expect(skipped).toMatchObject({ status: 'skipped', trigger: 'scheduled' });
    emulator.org.update(account, { Name: 'Still locked out' });

    await page.getByRole('button', { name: 'Refresh' }).click();
    await tile.locator('.reconnect-needed').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '02-reconnect-needed.png') });
    await page.getByRole('button', { name: `More commands for ${org.name}` }).click();
    await page.getByRole('menuitem', { name: 'Reconnect' }).click();
    expect(await logInFromDialog(page, `Reconnect ${org.name}`)).toContain('is reconnected');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await tile.locator('.reconnect-needed').waitFor({ state: 'detached' });
    await page.screenshot({ path: join(ARTIFACTS, '03-reconnected.png') });
    await page.close();

    // The next job runs; the stream resumes from its checkpoint and every change is stored.
    const back = await engine.services.orgs.get({ tenantId, orgId: null }, org.id);
    expect((await engine.services.cdp.getSettings(back)).paused).toBeNull();
    expect((await waitForJob(engine, back, (await engine.services.jobs.start(back, { by: 'e2e' })).id)).status).toBe('succeeded');
    await caughtUpSince(engine, back, Date.now());
    // The emulator's own start-up token: not renewed through a refresh token, so the revoke left it alone.
    const moment = await captureMoment(
      new Connection({ instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken, version: '62.0' }),
      OBJECTS,
    );
    const point = await engine.services.cdp.createRecoveryPoint(back, { objects: OBJECTS, at: moment.at, by: 'e2e' });
    expect((await waitForJob(engine, back, point.id)).status).toBe('succeeded');
    await expectExportEquals(engine, back.id, moment.at, moment.truth);
    // A value the org held only while OrgVault was locked out: only the replayed change events can have it.
    const names = (await engine.services.store.versionsOf({ orgId: back.id, object: 'Account', recordId: account })).map(
      (v) => v.fields?.Name,
    );
    expect(names).toEqual(expect.arrayContaining(['Before the revoke', 'While OrgVault was locked out', 'Still locked out']));
  });
});
