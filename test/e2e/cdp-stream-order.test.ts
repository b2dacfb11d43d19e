/**
 * The change stream hands events over in the order the server sent them, even while a schema is
 * being fetched: an event of a new schema (Contact) whose GetSchema answers late must not be
 * overtaken by a later event of a known schema (Account). Were it overtaken, the later event's
 * batch would be stored and its replay id checkpointed while the earlier event was not stored,
 * and a crash then would lose it. Keepalives come after every event sent before them.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { ChangeStream, type ChangeEvent } from '../../engine/src/salesforce/change-stream.js';
import type { OrgConnection } from '../../engine/src/salesforce/connection.js';

describe('change stream order across a schema fetch', () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator({ records: 50, seed: 3, admin: true, cdc: { entities: ['Account', 'Contact'], keepaliveMs: 100 } });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('never hands over an event before one the server sent earlier', async () => {
    const conn = {
      tokens: { session: async () => ({ accessToken: emulator.accessToken, instanceUrl: emulator.instanceUrl }) },
      identity: { orgId: emulator.orgId },
    } as unknown as OrgConnection;
    const handed: Array<{ replayIds: number[]; stored: number[] }> = [];
    const idles: Array<{ latest: number; storedUpTo: number }> = [];
    let stored: number[] = [];
    let wake = () => {};
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        wake = () => done() && resolve();
        wake();
      });
    const stream = new ChangeStream(
      conn,
      '/data/ChangeEvents',
      { endpoint: String(emulator.ready.pubSubEndpoint), insecureTls: true, batchSize: 100, maxBuffered: 1000, lingerMs: 5 },
      {
        onEvents: async (events: ChangeEvent[]) => {
          handed.push({ replayIds: events.map((e) => e.replayId), stored: [...stored] });
          stored = [...stored, ...events.map((e) => e.replayId)];
          wake();
        },
        onIdle: async (latest) => {
          idles.push({ latest: latest ?? 0, storedUpTo: Math.max(0, ...stored) });
          wake();
        },
        onEnd: () => undefined,
      },
    );
    const fault = (body: object) =>
      fetch(`${emulator.instanceUrl}/__emulator/cdc/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const accounts = [emulator.org.create('Account', { Name: 'Order 1' }), emulator.org.create('Account', { Name: 'Order 2' })];
    const contact = emulator.org.create('Contact', { LastName: 'Order' });
    await stream.start(null);
    await until(() => idles.length > 0);

    // Account's schema is fetched and known from here on.
    emulator.org.update(accounts[0]!, { Description: 'first' });
    await until(() => stored.length === 1);
    // Contact's schema answers late; the Account event sent after it must still come after it.
    await fault({ schemaDelayMs: 400 });
    emulator.org.update(contact, { Title: 'second' });
    await new Promise((r) => setTimeout(r, 50));
    emulator.org.update(accounts[1]!, { Description: 'third' });
    await until(() => stored.length === 3);
    const idleAfter = idles.length;
    await until(() => idles.length > idleAfter);
    await fault({ schemaDelayMs: 0 });
    await stream.close();

    const order = handed.flatMap((h) => h.replayIds);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Each batch (and so each checkpoint) comes only after every earlier event was handed over.
    for (const h of handed) expect(Math.max(0, ...h.stored)).toBeLessThan(Math.min(...h.replayIds));
    // A keepalive never claims more than has been handed over.
    for (const i of idles.slice(1)) expect(i.latest).toBeLessThanOrEqual(Math.max(i.storedUpTo, idles[0]!.latest));
  });
});
