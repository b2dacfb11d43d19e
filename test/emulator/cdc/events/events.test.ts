import { afterAll, describe, expect, it } from '@jest/globals';
import { ChangeDataCapture } from '../hub.js';
import { fieldBitmap } from '../pubsub/avro.js';
import { FakeOrg } from '../testing/fake-org.js';

describe('change events from transactions', () => {
  const org = new FakeOrg();
  const cdc = new ChangeDataCapture(org);
  afterAll(() => cdc.stop());
  const eventsOf = (work: Parameters<FakeOrg['transaction']>[0]) => {
    const before = cdc.bus.latestReplayId();
    org.transaction(work);
    return cdc.bus.read(before, () => true).events;
  };

  it('merges identical changes of one transaction into one event with several recordIds', () => {
    const ids: string[] = [];
    eventsOf((tx) => {
      for (let i = 0; i < 3; i++) ids.push(tx.create('Account', { Name: `A${i}` }));
    });
    const events = eventsOf((tx) => {
      for (const id of ids) tx.update(id, { Type: 'Partner' });
      tx.update(ids[0] as string, { Phone: '1' });
      for (const id of ids) tx.remove(id);
    });
    expect(events.map((e) => [e.header.changeType, e.header.recordIds.length, e.header.sequenceNumber])).toEqual([
      ['UPDATE', 3, 1],
      ['UPDATE', 1, 2],
      ['DELETE', 3, 3],
    ]);
    expect(new Set(events.map((e) => e.header.transactionKey)).size).toBe(1);
    expect(events[0]?.header.changedFields.sort()).toEqual(['LastModifiedDate', 'Type']);
  });

  it('leaves out entities that are not selected', () => {
    org.setSelected('Contact', false);
    expect(eventsOf((tx) => tx.create('Contact', { LastName: 'x' }))).toEqual([]);
    org.setSelected('Contact', true);
  });

  it('replaces changes past the threshold with one GAP_OVERFLOW per entity', () => {
    cdc.producer.overflowThreshold = 2;
    const events = eventsOf((tx) => {
      tx.create('Account', { Name: 'a' });
      tx.create('Invoice__c', { Name: 'b' });
      tx.create('Account', { Name: 'c' });
      tx.create('Invoice__c', { Name: 'd' });
      tx.create('Account', { Name: 'e' });
    });
    cdc.producer.overflowThreshold = 100_000;
    expect(events.map((e) => [e.header.entityName, e.header.changeType, e.header.recordIds.length])).toEqual([
      ['Account', 'CREATE', 1],
      ['Invoice__c', 'CREATE', 1],
      ['Account', 'GAP_OVERFLOW', 0],
      ['Invoice__c', 'GAP_OVERFLOW', 0],
    ]);
  });

  it('encodes bitmaps as Salesforce does: bit i for schema field i, compound parts apart', () => {
    const layout = cdc.layout('Account')!;
    // Schema: 0 header, 1 Name, 2 Type, 3 Phone, 4 AnnualRevenue, 5 NumberOfEmployees, 6 BillingAddress{Street, City, ...}
    expect(fieldBitmap(layout, ['Name', 'Phone'])).toEqual(['0x0A']);
    expect(fieldBitmap(layout, ['BillingCity', 'Phone'])).toEqual(['0x08', '6-0x02']);
    expect(fieldBitmap(layout, ['BillingCity'])).toEqual(['0x00', '6-0x02']);
    expect(fieldBitmap(layout, [])).toEqual([]);
  });

  it('keeps events 72 hours and then refuses to resume from before the window', () => {
    const [event] = eventsOf((tx) => tx.create('Account', { Name: 'old' }));
    expect(cdc.bus.isResumable(event!.replayId - 1)).toBe(true);
    cdc.bus.age(71 * 3600 * 1000);
    expect(cdc.bus.isResumable(event!.replayId - 1)).toBe(true);
    cdc.bus.age(2 * 3600 * 1000);
    expect(cdc.bus.isResumable(event!.replayId - 1)).toBe(false);
    expect(cdc.bus.isResumable(event!.replayId)).toBe(true);
    expect(cdc.bus.isResumable(event!.replayId + 1000)).toBe(false);
  });
});
