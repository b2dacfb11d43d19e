import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type PubSubApiClient from 'salesforce-pubsub-api-client';
import { ChangeDataCapture } from '../hub.js';
import { FakeOrg } from '../testing/fake-org.js';
import { collectPubSub, connectPubSub, recordIdsOf, type PubSubEvent as Received } from '../testing/clients.js';
import { PubSubServer } from './server.js';

describe('Pub/Sub API with the real salesforce-pubsub-api-client', () => {
  const org = new FakeOrg();
  const cdc = new ChangeDataCapture(org);
  const server = new PubSubServer(cdc, { keepaliveMs: 200 });
  const clients: PubSubApiClient[] = [];

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.stop();
    cdc.stop();
  });

  async function connect(token = org.token): Promise<PubSubApiClient> {
    const client = await connectPubSub(server.endpoint, token);
    clients.push(client);
    return client;
  }
  it('delivers create, update with changed and nulled fields, delete and undelete', async () => {
    const client = await connect();
    const sub = collectPubSub((cb) => client.subscribe('/data/AccountChangeEvent', cb));
    await sub.until(() => sub.keepalives() > 0);

    let id = '';
    org.transaction((tx) => {
      id = tx.create('Account', {
        Name: 'Acme',
        Phone: '555',
        NumberOfEmployees: 12,
        BillingCity: 'Paris',
        Active__c: true,
        Since__c: '2020-02-03',
      });
    });
    org.transaction((tx) => tx.update(id, { Phone: null, BillingCity: 'Lyon', NumberOfEmployees: 13 }));
    org.transaction((tx) => tx.remove(id));
    org.transaction((tx) => tx.undelete(id));
    await sub.until(() => sub.events.length >= 4);
    // The client parses each response while it fetches a schema it has not seen: order by replay id.
    sub.events.sort((a, b) => a.replayId - b.replayId);

    const [create, update, del, undelete] = sub.events as [Received, Received, Received, Received];
    expect(create.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      recordIds: [id],
      changeType: 'CREATE',
      commitUser: org.userId,
      sequenceNumber: 1,
    });
    expect(create.payload).toMatchObject({ Name: 'Acme', Phone: '555', NumberOfEmployees: 12, Active__c: true, Since__c: 18295 });
    expect(create.payload.BillingAddress).toMatchObject({ City: 'Paris', Street: null });
    expect(create.payload).not.toHaveProperty('SystemModstamp');
    expect(create.payload).not.toHaveProperty('Score__c');

    expect(update.payload.ChangeEventHeader.changeType).toBe('UPDATE');
    expect(new Set(update.payload.ChangeEventHeader.changedFields as string[])).toEqual(
      new Set(['Phone', 'NumberOfEmployees', 'LastModifiedDate', 'BillingAddress.City']),
    );
    expect(update.payload.ChangeEventHeader.nulledFields).toEqual(['Phone']);
    expect(update.payload).toMatchObject({
      Phone: null,
      NumberOfEmployees: 13,
      Name: null,
      BillingAddress: { City: 'Lyon', Street: null },
    });

    expect(del.payload.ChangeEventHeader).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
    expect(del.payload.Name).toBeNull();
    expect(undelete.payload.ChangeEventHeader.changeType).toBe('UNDELETE');
    expect(undelete.payload).toMatchObject({ Name: 'Acme', NumberOfEmployees: 13, Phone: null });
  });

  it('resumes from a stored replay id with exactly the missed events', async () => {
    const first = await connect();
    const live = collectPubSub((cb) => first.subscribe('/data/ChangeEvents', cb));
    await live.until(() => live.keepalives() > 0);
    org.transaction((tx) => tx.create('Contact', { FirstName: 'Ada', LastName: 'Lovelace' }));
    await live.until(() => live.events.length === 1);
    const stored = (live.events[0] as Received).replayId;
    first.close();

    const missed: string[] = [];
    for (let i = 0; i < 5; i++) org.transaction((tx) => missed.push(tx.create('Invoice__c', { Name: `INV-${i}`, Amount__c: i })));

    const second = await connect();
    const resumed = collectPubSub((cb) => second.subscribeFromReplayId('/data/ChangeEvents', cb, null, stored));
    await resumed.until(() => resumed.events.length >= 5);
    resumed.events.sort((a, b) => a.replayId - b.replayId);
    expect(recordIdsOf(resumed.events)).toEqual(missed);
    org.transaction((tx) => tx.create('Invoice__c', { Name: 'after' }));
    await resumed.until(() => resumed.events.length === 6);
    expect(new Set(resumed.events.map((e) => e.replayId)).size).toBe(6);
  });

  it('answers a corrupted replay id and a bad token as Salesforce does', async () => {
    const client = await connect();
    const sub = collectPubSub((cb) => client.subscribeFromReplayId('/data/ChangeEvents', cb, 10, 999_999));
    await sub.until(() => sub.errors.length > 0);
    expect(String((sub.errors[0] as Error).message)).toContain('Replay ID validation failed');
    expect((sub.errors[0] as { metadata: { get(k: string): unknown[] } }).metadata.get('error-code')).toEqual([
      'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
    ]);

    const intruder = await connect(`${org.orgId}!wrong`);
    const denied = collectPubSub((cb) => intruder.subscribe('/data/ChangeEvents', cb));
    await denied.until(() => denied.errors.length > 0);
    expect((denied.errors[0] as { code: number }).code).toBe(16);
  });
});
