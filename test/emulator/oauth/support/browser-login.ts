/**
 * What a person does in the browser during the web-server flow, done by headless Chromium: fill
 * the emulator's login page, allow the app if it asks, and follow the redirect to the callback.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/**
 * Logs in on the page showing the login form and allows access if asked; resolves once the
 * browser reached a URL starting with `callbackPrefix` (the callback, or where it sent the browser on).
 */
export async function fillLogin(page: Page, username: string, password: string, callbackPrefix: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  const left = page.waitForURL((url) => url.toString().startsWith(callbackPrefix), { waitUntil: 'load' });
  await page.locator('#Login').click();
  const approve = page.locator('#oaapprove');
  await Promise.race([left, approve.waitFor()]);
  if (!page.url().startsWith(callbackPrefix)) await approve.click();
  await left;
}
