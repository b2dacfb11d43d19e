import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsforce from 'jsforce';
import type PubSubApiClient from 'salesforce-pubsub-api-client';
import { startEmulator, type EmulatorHandle } from '../server.js';
import { collectPubSub, connectPubSub, recordIdsOf, subscribeCometd, type CometdSubscriber, type PubSubEvent } from './testing/clients.js';

/** The emulator with CDC on: writes through REST and the admin hooks, events on both channels. */
describe('Change Data Capture on the emulator', () => {
  let emu: EmulatorHandle;
  let conn: jsforce.Connection;
  let pubSubEndpoint: string;
  const clients: PubSubApiClient[] = [];
  const subscribers: CometdSubscriber[] = [];

  const admin = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${emu.instanceUrl}/__emulator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
    return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
  };
  const pubsub = async () => {
    const c = await connectPubSub(pubSubEndpoint, emu.accessToken, emu.instanceUrl.replace('http:', 'https:'));
    clients.push(c);
    return c;
  };
  /** A live Pub/Sub subscription, ready once the first keepalive has come. */
  const live = async (topic: string) => {
    const client = await pubsub();
    const sub = collectPubSub((cb) => client.subscribe(topic, cb));
    await sub.until(() => sub.keepalives() > 0);
    return sub;
  };
  const cometd = (channel: string, replayId: number | null) => {
    const s = subscribeCometd(emu.instanceUrl, emu.accessToken, channel, replayId);
    subscribers.push(s);
    return s;
  };

  beforeAll(async () => {
    emu = await startEmulator({
      records: 200,
      seed: 3,
      admin: true,
      cdc: { entities: ['Account'], keepaliveMs: 200, cometdTimeoutSec: 2 },
    });
    pubSubEndpoint = emu.ready.pubSubEndpoint as string;
    conn = new jsforce.Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.accessToken, version: '62.0' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(subscribers.map((s) => s.client.disconnect()));
    await emu.stop();
  });

  it('announces the Pub/Sub endpoint and keeps selection in PlatformEventChannelMember', async () => {
    expect(pubSubEndpoint).toMatch(/^localhost:\d+$/);
    const members = await conn.query<{ SelectedEntity: string; EventChannel: string }>(
      'SELECT EventChannel, SelectedEntity FROM PlatformEventChannelMember',
    );
    expect(members.records.map((r) => [r.EventChannel, r.SelectedEntity])).toEqual([['ChangeEvents', 'AccountChangeEvent']]);
  });

  it('delivers REST and hook changes to both real clients, with changed and nulled fields decoded', async () => {
    const grpc = await live('/data/AccountChangeEvent');
    const bayeux = cometd('/data/ChangeEvents', -1);
    await bayeux.subscribed;

    const created = await conn
      .sobject('Account')
      .create({ Name: 'Initech', Phone: '555-0100', BillingCity: 'Austin', NumberOfEmployees: 40 });
    const id = (created as { id: string }).id;
    await conn.sobject('Account').update({ Id: id, Phone: null, BillingCity: 'Dallas' });
    await conn.sobject('Account').destroy(id);
    await admin('/mutate', { ops: [{ kind: 'undelete', id }] });
    await conn.sobject('Contact').create({ LastName: 'not selected' });

    await grpc.until(() => grpc.events.length >= 4);
    await bayeux.until(() => bayeux.received.length >= 4);
    // The client parses each response while it fetches a schema it has not seen: order by replay id.
    grpc.events.sort((a, b) => a.replayId - b.replayId);
    const types = (events: Array<{ payload: { ChangeEventHeader: Record<string, unknown> } }>) =>
      events.map((e) => e.payload.ChangeEventHeader.changeType);
    expect(types(grpc.events)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
    expect(types(bayeux.received)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
    expect(recordIdsOf(grpc.events)).toEqual([id, id, id, id]);

    const [create, update] = grpc.events as [PubSubEvent, PubSubEvent];
    expect(create.payload).toMatchObject({ Name: 'Initech', Phone: '555-0100', NumberOfEmployees: 40, BillingAddress: { City: 'Austin' } });
    expect(create.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', commitUser: emu.userId });
    expect(create.payload).not.toHaveProperty('SystemModstamp');
    expect(update.payload.ChangeEventHeader.nulledFields).toEqual(['Phone']);
    expect(update.payload.ChangeEventHeader.changedFields).toEqual(
      expect.arrayContaining(['Phone', 'LastModifiedDate', 'BillingAddress.City']),
    );
    expect(update.payload).toMatchObject({ Phone: null, Name: null, BillingAddress: { City: 'Dallas' } });

    const cometdUpdate = (bayeux.received[1] as { payload: Record<string, unknown> }).payload;
    expect(cometdUpdate).toMatchObject({ Phone: null, BillingAddress: { City: 'Dallas' } });
    expect(cometdUpdate).not.toHaveProperty('Name');
  });

  it('resumes from the stored replay id after the stream is dropped, none missed and none twice', async () => {
    const first = await live('/data/ChangeEvents');
    await conn.sobject('Account').create({ Name: 'before drop' });
    await first.until(() => first.events.length === 1);
    await admin('/cdc/faults', { dropStreams: true });
    await first.until(() => first.errors.length > 0);
    const stored = (first.events[0] as PubSubEvent).replayId;

    const missed = await conn.sobject('Account').create([{ Name: 'm1' }, { Name: 'm2' }, { Name: 'm3' }]);
    const again = await pubsub();
    const resumed = collectPubSub((cb) => again.subscribeFromReplayId('/data/ChangeEvents', cb, null, stored));
    await resumed.until(() => resumed.events.length >= 3);
    await conn.sobject('Account').create({ Name: 'after' });
    await resumed.until(() => resumed.events.length >= 4);
    resumed.events.sort((a, b) => a.replayId - b.replayId);
    expect(recordIdsOf(resumed.events).slice(0, 3)).toEqual(missed.map((r) => (r as { id: string }).id));
    expect(new Set(resumed.events.map((e) => e.replayId)).size).toBe(resumed.events.length);
  });

  it('emits gap events and GAP_OVERFLOW through the test hooks', async () => {
    const sub = await live('/data/AccountChangeEvent');

    await admin('/cdc/gap', { transactions: 1 });
    const gapped = (await conn.sobject('Account').create({ Name: 'gap' })) as { id: string };
    await sub.until(() => sub.events.length === 1);
    expect((sub.events[0] as PubSubEvent).payload.ChangeEventHeader).toMatchObject({ changeType: 'GAP_CREATE', recordIds: [gapped.id] });
    expect((sub.events[0] as PubSubEvent).payload.Name).toBeNull();

    await admin('/cdc/overflow', { threshold: 2 });
    await conn.sobject('Account').create([{ Name: 'o1' }, { Name: 'o2' }, { Name: 'o3' }, { Name: 'o4' }]);
    await sub.until(() => sub.events.length === 4);
    const headers = sub.events.slice(1).map((e) => e.payload.ChangeEventHeader);
    expect(headers.map((h) => h.changeType)).toEqual(['CREATE', 'CREATE', 'GAP_OVERFLOW']);
    expect(headers[2]).toMatchObject({ recordIds: [], entityName: 'Account' });
    expect(new Set(headers.map((h) => h.transactionKey)).size).toBe(1);
    await admin('/cdc/overflow', { threshold: 100_000 });
  });

  it('holds events back while delivery is delayed, then delivers each once', async () => {
    const sub = await live('/data/AccountChangeEvent');
    const before = (await (await fetch(`${emu.instanceUrl}/__emulator/cdc/state`)).json()) as { latestReplayId: number };
    await admin('/cdc/faults', { delayMs: 300 });
    await conn.sobject('Account').create({ Name: 'delayed' });
    const held = (await (await fetch(`${emu.instanceUrl}/__emulator/cdc/state`)).json()) as { latestReplayId: number };
    expect(held.latestReplayId).toBe(before.latestReplayId);
    await sub.until(() => sub.events.length === 1);
    await admin('/cdc/faults', { delayMs: 0 });
    await conn.sobject('Account').create({ Name: 'prompt' });
    await sub.until(() => sub.events.length === 2);
    expect(sub.events.map((e) => e.payload.Name).sort()).toEqual(['delayed', 'prompt']);
  });

  it('ends a live Pub/Sub stream when its session expires in the org', async () => {
    const token = emu.org.sessions.issueAccessToken(emu.userId);
    const client = await connectPubSub(pubSubEndpoint, token, 'https://emulator.test');
    clients.push(client);
    const sub = collectPubSub((cb) => client.subscribe('/data/ChangeEvents', cb));
    await sub.until(() => sub.keepalives() > 0);
    await admin('/sessions/expire', { token });
    await sub.until(() => sub.errors.length > 0);
    expect(sub.errors[0]).toMatchObject({ code: 16 });
  });

  it('answers a replay id older than 72 hours as corrupted, as Salesforce does', async () => {
    const stream = await live('/data/AccountChangeEvent');
    await conn.sobject('Account').create({ Name: 'old news' });
    await stream.until(() => stream.events.length === 1);
    const stored = (stream.events[0] as PubSubEvent).replayId;
    await admin('/cdc/age', { ms: 73 * 3600 * 1000 });

    const later = await pubsub();
    const sub = collectPubSub((cb) => later.subscribeFromReplayId('/data/AccountChangeEvent', cb, 5, stored - 1));
    await sub.until(() => sub.errors.length > 0);
    expect((sub.errors[0] as { code: number }).code).toBe(3);
    expect(String((sub.errors[0] as Error).message)).toContain('Replay ID validation failed');
  });
});
