import { randomUUID } from 'node:crypto';
import type { RecordChange, Transaction, TransactionListener } from '../../data/changes.js';
import type { CdcSource, SourceField } from '../source.js';

const f = (name: string, type: string, extra: Partial<SourceField> = {}): SourceField => ({ name, type, ...extra });
const system = [
  f('CreatedDate', 'datetime'),
  f('CreatedById', 'reference'),
  f('LastModifiedDate', 'datetime'),
  f('LastModifiedById', 'reference'),
  f('SystemModstamp', 'datetime'),
];

/**
 * A stand-in org for the CDC suites: a few objects, records in memory, and a Transaction per
 * commit exactly as data/changes.ts describes.
 */
export class FakeOrg implements CdcSource {
  readonly orgId = '00D5g000000EMUAEAW';
  readonly userId = '0055g000000EMU1AAG';
  readonly token = `${this.orgId}!fake-session-token`;
  private readonly tokens = new Set([this.token]);
  readonly objects: Record<string, SourceField[]> = {
    Account: [
      f('Id', 'id'),
      f('IsDeleted', 'boolean'),
      f('Name', 'string'),
      f('Type', 'picklist'),
      f('Phone', 'phone'),
      f('AnnualRevenue', 'currency'),
      f('NumberOfEmployees', 'int'),
      f('BillingStreet', 'textarea', { compoundFieldName: 'BillingAddress' }),
      f('BillingCity', 'string', { compoundFieldName: 'BillingAddress' }),
      f('BillingPostalCode', 'string', { compoundFieldName: 'BillingAddress' }),
      f('BillingCountry', 'string', { compoundFieldName: 'BillingAddress' }),
      f('BillingAddress', 'address'),
      f('Description', 'textarea'),
      f('Active__c', 'boolean'),
      f('Since__c', 'date'),
      f('Score__c', 'double', { calculated: true }),
      ...system,
    ],
    Contact: [
      f('Id', 'id'),
      f('IsDeleted', 'boolean'),
      f('FirstName', 'string', { compoundFieldName: 'Name' }),
      f('LastName', 'string', { compoundFieldName: 'Name' }),
      f('Name', 'string'),
      f('Email', 'email'),
      f('AccountId', 'reference'),
      ...system,
    ],
    Invoice__c: [f('Id', 'id'), f('IsDeleted', 'boolean'), f('Name', 'string'), f('Amount__c', 'currency'), ...system],
  };
  readonly selected = new Set(['Account', 'Contact', 'Invoice__c']);
  readonly records = new Map<string, { sobject: string; fields: Record<string, unknown>; deleted: boolean }>();
  private readonly listeners: TransactionListener[] = [];
  private commitNumber = 1000;
  private seq = 0;

  onTransaction(listener: TransactionListener): void {
    this.listeners.push(listener);
  }
  fields(sobject: string): SourceField[] | undefined {
    return this.objects[sobject];
  }
  selectedEntities(): Iterable<string> {
    return this.selected;
  }
  setSelected(sobject: string, selected: boolean): void {
    if (selected) this.selected.add(sobject);
    else this.selected.delete(sobject);
  }
  session(accessToken: string): { userId: string } | undefined {
    return this.tokens.has(accessToken) ? { userId: this.userId } : undefined;
  }

  /** Another valid session, as a token refresh gives. */
  issueToken(): string {
    const token = `${this.orgId}!${randomUUID()}`;
    this.tokens.add(token);
    return token;
  }

  /** Commits the changes one callback makes as one transaction. */
  transaction(work: (tx: FakeTx) => void): Transaction {
    const changes: RecordChange[] = [];
    const now = new Date().toISOString();
    const tx: FakeTx = {
      create: (sobject, values) => {
        const id = `${sobject === 'Account' ? '001' : sobject === 'Contact' ? '003' : 'a00'}5g00000${String(++this.seq).padStart(7, '0')}AAA`;
        const fields: Record<string, unknown> = {};
        for (const field of this.objects[sobject] ?? []) fields[field.name] = null;
        Object.assign(fields, values, {
          Id: id,
          IsDeleted: false,
          CreatedDate: now,
          LastModifiedDate: now,
          SystemModstamp: now,
          CreatedById: this.userId,
          LastModifiedById: this.userId,
        });
        this.records.set(id, { sobject, fields, deleted: false });
        changes.push({ kind: 'create', sobject, id, fields: { ...fields }, changedFields: [] });
        return id;
      },
      update: (id, values) => {
        const rec = this.records.get(id) as { sobject: string; fields: Record<string, unknown> };
        const changed = Object.keys(values).filter((k) => rec.fields[k] !== values[k]);
        const stamp = { LastModifiedDate: now, SystemModstamp: now };
        Object.assign(rec.fields, values, stamp);
        const names = [...changed, 'LastModifiedDate', 'SystemModstamp'];
        changes.push({
          kind: 'update',
          sobject: rec.sobject,
          id,
          fields: Object.fromEntries(names.map((n) => [n, rec.fields[n]])),
          changedFields: names,
        });
      },
      remove: (id) => {
        const rec = this.records.get(id) as { sobject: string; deleted: boolean };
        rec.deleted = true;
        changes.push({ kind: 'delete', sobject: rec.sobject, id, fields: {}, changedFields: [] });
      },
      undelete: (id) => {
        const rec = this.records.get(id) as { sobject: string; fields: Record<string, unknown>; deleted: boolean };
        rec.deleted = false;
        changes.push({ kind: 'undelete', sobject: rec.sobject, id, fields: { ...rec.fields }, changedFields: [] });
      },
    };
    work(tx);
    const committed: Transaction = {
      transactionKey: randomUUID(),
      commitTimestamp: Date.now(),
      commitNumber: ++this.commitNumber,
      userId: this.userId,
      origin: 'com/salesforce/api/rest/62.0',
      changes,
    };
    for (const l of this.listeners) l(committed);
    return committed;
  }
}

export interface FakeTx {
  create(sobject: string, values: Record<string, unknown>): string;
  update(id: string, values: Record<string, unknown>): void;
  remove(id: string): void;
  undelete(id: string): void;
}
