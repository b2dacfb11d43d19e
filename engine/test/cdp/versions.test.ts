import { describe, it, expect } from '@jest/globals';
import { commitOrder, eventLayout, eventValues, storedFieldOf } from '../../src/cdp/versions.js';
import type { ChangeEvent } from '../../src/salesforce/change-stream.js';
import type { DescribeSObject } from '../../src/salesforce/scope.js';

const contact = {
  name: 'Contact',
  queryable: true,
  replicateable: true,
  retrieveable: true,
  fields: [
    { name: 'Id', type: 'id' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'LastModifiedDate', type: 'datetime' },
    { name: 'SystemModstamp', type: 'datetime' },
    { name: 'FirstName', type: 'string', compoundFieldName: 'Name' },
    { name: 'LastName', type: 'string', compoundFieldName: 'Name' },
    { name: 'Name', type: 'string' },
    { name: 'MailingCity', type: 'string', compoundFieldName: 'MailingAddress' },
    { name: 'MailingAddress', type: 'address' },
    { name: 'Birthdate', type: 'date' },
    { name: 'Score__c', type: 'double', calculated: true },
  ],
} as unknown as DescribeSObject;

const event = (replayId: number, commitTimestamp: number, transactionKey: string, sequenceNumber: number): ChangeEvent => ({
  replayId,
  header: {
    entityName: 'Contact',
    recordIds: ['003'],
    changeType: 'UPDATE',
    transactionKey,
    sequenceNumber,
    commitTimestamp,
    changedFields: [],
    nulledFields: [],
  },
  body: {},
});

describe('change events as stored fields', () => {
  const layout = eventLayout(contact)!;

  it('knows which stored fields events never carry', () => {
    expect(layout.notCarried.sort()).toEqual(['Name', 'Score__c', 'SystemModstamp']);
    expect(layout.compoundValues).toEqual(['Name']);
  });

  it('flattens compound parts and turns Avro dates and datetimes into the stored spelling', () => {
    const values = eventValues(layout, {
      Name: { FirstName: 'Ada', LastName: 'Lovelace' },
      MailingAddress: { City: 'London' },
      LastModifiedDate: Date.UTC(2024, 0, 31, 12),
      Birthdate: 19_000,
    });
    expect(Object.fromEntries(values)).toEqual({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      MailingCity: 'London',
      LastModifiedDate: '2024-01-31T12:00:00.000Z',
      Birthdate: '2022-01-08',
    });
    expect(storedFieldOf(layout, 'MailingAddress.City')).toBe('MailingCity');
    expect(storedFieldOf(layout, 'Name.LastName')).toBe('LastName');
    expect(storedFieldOf(layout, 'Unknown__c')).toBeUndefined();
  });

  it('orders events by commit time, transaction and sequence number', () => {
    const order = commitOrder([event(5, 200, 'b', 1), event(3, 100, 'a', 2), event(4, 200, 'b', 0), event(2, 100, 'a', 1)]);
    expect(order.map((e) => e.replayId)).toEqual([2, 3, 4, 5]);
  });
});
