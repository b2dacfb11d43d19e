/**
 * `orgvault org add` checks the address it is given the way the API does: outside Salesforce's
 * domains (and ORGVAULT_SALESFORCE_ORIGINS) nothing is sent and nothing is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { runCli } from '../support/cli.js';
import { testDatabaseUrl } from '../support/db.js';

describe('orgvault org add', () => {
  let engine: TestEngine;
  let trap: http.Server;
  let hits = 0;
  beforeAll(async () => {
    engine = await startTestEngine();
    await engine.services.tenants.create('Acme');
    trap = http.createServer((_req, res) => res.end('{}'));
    trap.on('connection', () => hits++);
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => trap.close(() => resolve()));
    await engine.close();
  });

  it("refuses a login or instance URL outside Salesforce's domains before calling it", async () => {
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const pg = new URL(testDatabaseUrl());
    // Salesforce's domains only: the loopback origin the tests allow elsewhere is taken away.
    const only = { ORGVAULT_SALESFORCE_ORIGINS: '' };
    for (const args of [
      ['--instance-url', trapUrl, '--access-token', '00D000000000001!token'],
      ['--login-url', `http://127.0.0.1:${pg.port}`, '--client-id', 'app', '--refresh-token', 'token'],
    ]) {
      const run = await runCli(engine, ['org', 'add', '--tenant', 'Acme', ...args], only);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/must be an https:\/\/ address on a Salesforce domain/);
    }
    expect(hits).toBe(0);
    const { rows } = await engine.ctx.infra.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs');
    expect(rows[0]!.n).toBe(0);
  });
});
