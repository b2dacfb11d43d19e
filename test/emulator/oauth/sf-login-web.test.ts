/**
 * `sf org login web` against the emulator: the sf CLI's own browser flow (PKCE, its local
 * callback server, PlatformCLI) with Chromium filling the login page, then `sf data query` as
 * that user. The CLI opens the authorize URL through xdg-open, which hands it to $BROWSER: a
 * script that writes it to a file for playwright to open.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { SfCli } from '../support/sf-cli.js';
import { DEFAULT_PASSWORD } from '../soap/session-calls.js';
import { fillLogin, launchChromium } from './support/browser-login.js';

/** A port nobody listens on now (the CLI's callback server needs a fixed one, named in sfdx-project.json). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForFile(file: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8').trim();
      if (text) return text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sf CLI opened no browser within ${ms} ms`);
}

describe('sf org login web against the emulator', () => {
  let emu: EmulatorHandle;
  let browser: Browser;
  const sf = new SfCli();

  beforeAll(async () => {
    emu = await startEmulator({ records: 200, seed: 5 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.stop();
  });

  it('completes the browser flow with PKCE, then queries as the user who logged in', async () => {
    const port = await freePort();
    const callback = `http://localhost:${port}/OauthRedirect`;
    // The admin points PlatformCLI's callback at the port the project names, as oauthLocalPort asks.
    emu.oauth.apps.register({ clientId: 'PlatformCLI', callbackUrls: [callback] });
    mkdirSync(path.join(sf.home, 'force-app'), { recursive: true });
    writeFileSync(
      path.join(sf.home, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], oauthLocalPort: port }),
    );
    const urlFile = path.join(sf.home, 'browser-url.txt');
    const opener = path.join(sf.home, 'browser.sh');
    writeFileSync(opener, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`);
    chmodSync(opener, 0o755);

    const login = sf.run(['org', 'login', 'web', '--instance-url', emu.instanceUrl, '--alias', 'web'], { BROWSER: opener });
    const authorizeUrl = new URL(await waitForFile(urlFile, 60_000));
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${emu.instanceUrl}/services/oauth2/authorize`);
    // jsforce sends the challenge without code_challenge_method: Salesforce takes it as S256.
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(callback);

    const page = await browser.newPage();
    await page.goto(authorizeUrl.toString());
    await fillLogin(page, emu.username, DEFAULT_PASSWORD, `http://localhost:${port}/`);
    await expect(page.textContent('body')).resolves.toContain('Authentication Successful');
    await page.close();

    const done = await login;
    expect(done.json).toMatchObject({ status: 0, result: { username: emu.username, orgId: emu.orgId, instanceUrl: emu.instanceUrl } });

    const q = await sf.run([
      'data',
      'query',
      '--query',
      'SELECT Id, Username FROM User WHERE Id = ' + `'${emu.userId}'`,
      '--target-org',
      'web',
    ]);
    expect(q.json).toMatchObject({ status: 0, result: { totalSize: 1, records: [{ Id: emu.userId, Username: emu.username }] } });
  });
});
