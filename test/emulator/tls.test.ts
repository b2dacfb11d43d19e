import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type EmulatorHandle } from './server.js';
import { DEFAULT_PASSWORD } from './soap/session-calls.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** jsforce in its own process, trusting the emulator's certificate as a client is told to (NODE_EXTRA_CA_CERTS). */
const CLIENT = `
import jsforce from 'jsforce';
const [loginUrl, username, password] = process.argv.slice(1);
const conn = new jsforce.Connection({ loginUrl, version: '62.0' });
await conn.login(username, password);
const res = await conn.query('SELECT COUNT() FROM User');
console.log(JSON.stringify({ instanceUrl: conn.instanceUrl, users: res.totalSize }));
`;

describe('--tls', () => {
  let emu: EmulatorHandle;
  let certFile: string;

  beforeAll(async () => {
    emu = await startEmulator({ records: 1, seed: 2, cdc: false, tls: true });
    certFile = path.join(mkdtempSync(path.join(tmpdir(), 'orgvault-tls-')), 'emulator.pem');
    writeFileSync(certFile, String(emu.ready.tlsCertificate));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves https with the certificate it announces; jsforce logs in and queries over it', async () => {
    expect(emu.instanceUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', CLIENT, emu.instanceUrl, emu.username, DEFAULT_PASSWORD],
          { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
        );
      });
    const trusted = await run({ NODE_EXTRA_CA_CERTS: certFile });
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.out)).toEqual({ instanceUrl: emu.instanceUrl, users: emu.org.table('User').size });
    // Without trusting it, the client refuses the self-signed certificate, as it would any unknown one.
    const untrusted = await run({});
    expect(untrusted.code).toBe(1);
    expect(untrusted.out).toMatch(/self[- ]signed certificate/i);
  });
});
