/**
 * The Chromium suites' one harness: an engine serving the page's preview (built once for these
 * sources, preview/cache.ts) under a fresh bootstrap key, headless Chromium (launched the way the
 * emulator's own login suite launches it), and the Backup page opened as a named user. One per test file, started in beforeAll.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../emulator/oauth/support/browser-login.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { cachedPreview } from '../../preview/cache.js';

export interface PageHarness {
  engine: TestEngine;
  browser: Browser;
  /** The engine's bootstrap key: the page and the suite's API calls both sign with it. */
  key: string;
  /** A new page on the preview as `user` with `roles` (comma-separated); the suite waits for what it needs. */
  open(as: { user: string; roles?: string; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startPageHarness(options: Parameters<typeof startTestEngine>[0] = {}): Promise<PageHarness> {
  const key = randomBytes(24).toString('hex');
  const engine = await startTestEngine({
    ...options,
    env: { ...options.env, ORGVAULT_PREVIEW_DIR: await cachedPreview(), ORGVAULT_BOOTSTRAP_KEY: key },
  });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await engine.close();
    throw e;
  }
  return {
    engine,
    browser,
    key,
    async open({ user, roles = 'administrator', height = 900 }) {
      const page = await browser.newPage({ viewport: { width: 1280, height } });
      await page.goto(`${engine.url}/preview/#key=${key}&user=${user}&roles=${roles}`);
      return page;
    },
    async close() {
      await browser.close();
      await engine.close();
    },
  };
}
