/**
 * A newcomer's first run, as the README tells it: a fresh clone, `npm start`, and the link it
 * prints opened in a browser, which shows the demo org's tile with its last backup, no other step.
 * The clone shares this checkout's installed packages (the README's `npm install`, already done).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../emulator/oauth/support/browser-login.js';
import { ROOT } from '../support/cli.js';
import { launch, launcherEnv, waitFor, type Launch } from '../support/launcher.js';

const LINK = /^ {2}(http:\/\/\S+\/preview\/#ticket=[\w-]+)$/m;

describe('first run: npm start in a fresh clone opens the page by its printed link', () => {
  let started: Launch;
  let browser: Browser;
  let link: string;

  beforeAll(async () => {
    const { env } = await launcherEnv('orgvault-first-run-');
    const clone = path.join(path.dirname(env.ORGVAULT_DATA_DIR!), 'orgvault');
    execFileSync('git', ['clone', '-q', ROOT, clone]);
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    // The README's defaults but for the ports a shared test machine needs and a small demo org;
    // the data directory is the clone's own ./.orgvault.
    const { ORGVAULT_DATA_DIR: _default, ...ports } = env;
    started = launch({ ...ports, ORGVAULT_DEMO: 'true', ORGVAULT_DEMO_RECORDS: '300', LOG_LEVEL: 'warn' }, undefined, clone);
    browser = await launchChromium();
    await waitFor(() => LINK.test(started.stdout()), 240_000, `the page's link (printed so far: ${started.stdout()})`);
    link = LINK.exec(started.stdout())![1]!;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (started?.child.pid) process.kill(-started.child.pid, 'SIGINT');
    await started?.exited;
  });

  it('the link signs in as the demo administrator: the demo org’s tile shows its last backup', async () => {
    const page = await browser.newPage();
    await page.goto(link);
    const tile = page.locator('c-org-vault-org-tile').first();
    await tile.waitFor({ timeout: 60_000 });
    // The first full backup runs while the page opens: the tile follows it to its end.
    await tile.locator('.status', { hasText: 'succeeded' }).waitFor({ timeout: 180_000 });
    expect(page.url()).not.toContain('ticket'); // the ticket leaves the address bar once used
    await page.close();
  }, 240_000);

  it('the link works once: a second browser opening it is told so, and sees no org', async () => {
    const page = await browser.newPage();
    await page.goto(link);
    await page.getByText('This sign-in link is unknown, already used or expired').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('c-org-vault-org-tile').count()).toBe(0);
    await page.close();
  }, 90_000);

  it('/ leads to the page', async () => {
    const root = await fetch(new URL('/', link), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/preview/');
  });
});
