import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChangeDataCapture } from '../hub.js';
import { FakeOrg } from '../testing/fake-org.js';
import { recordIdsOf, subscribeCometd, type CometdEvent, type CometdSubscriber } from '../testing/clients.js';
import { CometdServer } from './server.js';

describe('CometD with jsforce streaming and the replay extension', () => {
  const org = new FakeOrg();
  const cdc = new ChangeDataCapture(org);
  const cometd = new CometdServer(cdc, { timeoutSec: 2 });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  let instanceUrl = '';
  const subscribers: CometdSubscriber[] = [];

  beforeAll(async () => {
    cometd.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instanceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.client.disconnect()));
    cometd.stop();
    cdc.stop();
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  });

  function subscribe(channel: string, replayId: number | null, token = org.token): CometdSubscriber {
    const s = subscribeCometd(instanceUrl, token, channel, replayId);
    subscribers.push(s);
    return s;
  }

  it('delivers create, update, delete and undelete without nulls or unchanged fields', async () => {
    const sub = subscribe('/data/AccountChangeEvent', -1);
    await sub.subscribed;
    let id = '';
    org.transaction((tx) => {
      id = tx.create('Account', { Name: 'Globex', Phone: '555', BillingCity: 'Oslo', Since__c: '2021-05-06' });
    });
    org.transaction((tx) => tx.update(id, { Phone: null, Name: 'Globex Corp' }));
    org.transaction((tx) => tx.remove(id));
    org.transaction((tx) => tx.undelete(id));
    await sub.until(() => sub.received.length >= 4);

    const [create, update, del, undelete] = sub.received as [CometdEvent, CometdEvent, CometdEvent, CometdEvent];
    expect(create.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'CREATE', recordIds: [id] });
    expect(create.payload).toMatchObject({ Name: 'Globex', Phone: '555', BillingAddress: { City: 'Oslo' }, Since__c: '2021-05-06' });
    expect(create.payload).not.toHaveProperty('Type');
    expect(create.payload.ChangeEventHeader).not.toHaveProperty('nulledFields');

    expect(update.payload.ChangeEventHeader.changeType).toBe('UPDATE');
    expect(new Set(update.payload.ChangeEventHeader.changedFields as string[])).toEqual(new Set(['Phone', 'Name', 'LastModifiedDate']));
    expect(update.payload).toMatchObject({ Name: 'Globex Corp', Phone: null });
    expect(update.payload).not.toHaveProperty('BillingAddress');

    expect(del.payload.ChangeEventHeader.changeType).toBe('DELETE');
    expect(Object.keys(del.payload)).toEqual(['ChangeEventHeader']);
    expect(undelete.payload).toMatchObject({ Name: 'Globex Corp', BillingAddress: { City: 'Oslo' } });
    expect(undelete.payload).not.toHaveProperty('Phone');
  });

  it('replays from a stored replay id exactly the missed events, and -2 replays all retained', async () => {
    const first = subscribe('/data/ChangeEvents', -1);
    await first.subscribed;
    org.transaction((tx) => tx.create('Invoice__c', { Name: 'first' }));
    await first.until(() => first.received.length === 1);
    const stored = (first.received[0] as CometdEvent).event.replayId;
    await first.client.disconnect();

    const missed: string[] = [];
    for (let i = 0; i < 4; i++) org.transaction((tx) => missed.push(tx.create('Invoice__c', { Name: `m${i}` })));
    const second = subscribe('/data/ChangeEvents', stored);
    await second.subscribed;
    await second.until(() => second.received.length >= 4);
    expect(recordIdsOf(second.received)).toEqual(missed);

    const all = subscribe('/data/Invoice__ChangeEvent', -2);
    await all.subscribed;
    await all.until(() => all.received.length >= 5);
    expect(all.received.every((d) => d.payload.ChangeEventHeader.entityName === 'Invoice__c')).toBe(true);
  });

  it('gets back every missed event after the server forgets the client (403::Unknown client)', async () => {
    const sub = subscribe('/data/ChangeEvents', -1);
    await sub.subscribed;
    org.transaction((tx) => tx.create('Invoice__c', { Name: 'before' }));
    await sub.until(() => sub.received.length === 1);
    cometd.dropClients();
    const after: string[] = [];
    for (let i = 0; i < 3; i++) org.transaction((tx) => after.push(tx.create('Invoice__c', { Name: `a${i}` })));
    await sub.until(() => sub.received.length >= 4);
    expect(recordIdsOf(sub.received.slice(1))).toEqual(after);
    expect(sub.errors).toContainEqual(
      expect.objectContaining({
        channel: '/meta/connect',
        error: '403::Unknown client',
        advice: expect.objectContaining({ reconnect: 'handshake' }),
      }),
    );
  });

  it('refuses a stored replay id outside the retention window', async () => {
    const sub = subscribe('/data/ChangeEvents', 987654);
    await expect(sub.subscribed).rejects.toMatchObject({
      message: expect.stringContaining('The replayId {987654} you provided was invalid'),
    });
  });

  it('ends a subscription whose session expires with 401::Authentication invalid', async () => {
    const token = org.issueToken();
    const sub = subscribe('/data/ChangeEvents', -1, token);
    await sub.subscribed;
    cdc.expireSessions([token]);
    await sub.until(() => sub.failures.length > 0);
    expect(sub.failures[0]).toMatchObject({
      channel: '/meta/connect',
      error: '401::Authentication invalid',
      advice: { reconnect: 'none' },
    });
  });

  it('refuses a bad token with 401::Authentication invalid and no reconnect', async () => {
    const sub = subscribe('/data/ChangeEvents', -1, `${org.orgId}!bad`);
    await sub.until(() => sub.failures.length > 0);
    expect(sub.failures[0]).toMatchObject({
      channel: '/meta/handshake',
      successful: false,
      advice: { reconnect: 'none' },
      ext: { sfdc: { failureReason: '401::Authentication invalid' } },
    });
  });
});
