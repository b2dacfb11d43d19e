import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Org } from './org.js';
import { generateOrg } from './generator.js';
import { checksum, normalizeId } from './ids.js';
import type { Transaction } from './changes.js';
import { executeSoql } from '../soql/execute.js';

function newOrg(records = 800, seed = 5, clock?: () => number): Org {
  const org = new Org({ clock });
  generateOrg(org, { records, seed, anchorTime: Date.UTC(2026, 0, 1) });
  return org;
}

describe('ids', () => {
  it('computes the 18-character suffix as Salesforce does', () => {
    // A known pair from Salesforce documentation examples.
    expect(checksum('001A000000a1b2C')).toBe(normalizeId('001A000000a1b2C')!.slice(15));
    expect(normalizeId('0015000000ABCDe')).toBe(`0015000000ABCDe${checksum('0015000000ABCDe')}`);
    expect(normalizeId('not-an-id')).toBeNull();
  });
});

describe('generator', () => {
  it('builds the same org from the same seed', () => {
    const a = newOrg(800, 9);
    const b = newOrg(800, 9);
    const dump = (org: Org) =>
      executeSoql(
        org,
        'SELECT Id, Name, AccountId, Account.Name, Email, CreatedDate, SystemModstamp FROM Contact ORDER BY Id',
      ).rows.length.toString() +
      JSON.stringify(executeSoql(org, 'SELECT Id, Name, Email, CreatedDate FROM Contact ORDER BY Id').columns.map((c) => c.get(0)));
    expect(dump(a)).toBe(dump(b));
    expect(newOrg(800, 10).table('Contact').get(0, 'Email')).toBe(a.table('Contact').get(0, 'Email'));
    expect(JSON.stringify(newOrg(800, 10).table('Account').get(0, 'BillingAddress'))).not.toBe(
      JSON.stringify(a.table('Account').get(0, 'BillingAddress')),
    );
  });

  it('makes about the requested number of records with consistent files', () => {
    const org = newOrg(5000, 1);
    const total = org.allTables().reduce((s, t) => s + t.size, 0);
    expect(total).toBeGreaterThan(4500);
    expect(total).toBeLessThan(5600);
    const versions = executeSoql(
      org,
      'SELECT Id, ContentDocumentId, ContentDocument.LatestPublishedVersionId, IsLatest FROM ContentVersion',
    );
    expect(versions.totalSize).toBeGreaterThan(10);
    for (let i = 0; i < versions.totalSize; i++) {
      const [id, doc, latest, isLatest] = versions.columns.map((c) => c.get(versions.rows[i]!));
      expect(doc).toBeTruthy();
      expect(isLatest).toBe(latest === id);
    }
    expect(org.table('Organization').get(0, 'Id')).toBe(org.orgId);
  });
});

describe('writes', () => {
  it('reports each commit as one Transaction and keeps the audit fields', () => {
    let now = Date.UTC(2026, 0, 2);
    const org = newOrg(500, 2, () => now);
    const txs: Transaction[] = [];
    org.onTransaction((tx) => txs.push(tx));
    const id = org.create('Project__c', { Name: 'P', Budget__c: 100, Tags__c: 'Alpha;Beta', Kickoff__c: '2026-01-01T10:00:00.000+0000' });
    expect(txs).toHaveLength(1);
    expect(txs[0]!.changes[0]).toMatchObject({ kind: 'create', sobject: 'Project__c', id, fields: { Name: 'P', Budget__c: 100 } });
    const projects = org.table('Project__c');
    const row = projects.rowOf(id);
    expect(projects.get(row, 'Budget_With_Tax__c')).toBe(120);
    expect(projects.get(row, 'Kickoff__c')).toBe(Date.UTC(2026, 0, 1, 10));
    now += 60_000;
    org.update(id, { Budget__c: 200, Name: 'P' });
    expect(txs[1]!.changes[0]!.changedFields.sort()).toEqual(['Budget__c', 'LastModifiedDate', 'SystemModstamp']);
    expect(projects.get(row, 'SystemModstamp')).toBe(now);
    expect(txs[1]!.commitNumber).toBe(txs[0]!.commitNumber + 1);
  });

  it('cascades deletes to detail records, undeletes them together, and hard-deletes for good', () => {
    const org = newOrg(1500, 4);
    const invoices = executeSoql(org, 'SELECT Id, Project__c FROM Invoice__c LIMIT 1');
    const projectId = invoices.columns[1]!.get(invoices.rows[0]!) as string;
    const childCount = executeSoql(org, `SELECT Id FROM Invoice__c WHERE Project__c = '${projectId}'`).totalSize;
    const txs: Transaction[] = [];
    org.onTransaction((tx) => txs.push(tx));
    org.delete(projectId);
    expect(txs[0]!.changes.filter((c) => c.kind === 'delete')).toHaveLength(1 + childCount);
    expect(executeSoql(org, `SELECT Id FROM Invoice__c WHERE Project__c = '${projectId}'`).totalSize).toBe(0);
    expect(executeSoql(org, `SELECT Id FROM Invoice__c WHERE Project__c = '${projectId}'`, { includeDeleted: true }).totalSize).toBe(
      childCount,
    );
    org.undelete(projectId);
    expect(txs[1]!.changes.filter((c) => c.kind === 'undelete')).toHaveLength(1 + childCount);
    expect(executeSoql(org, `SELECT Id FROM Invoice__c WHERE Project__c = '${projectId}'`).totalSize).toBe(childCount);
    org.hardDelete(projectId);
    expect(executeSoql(org, `SELECT Id FROM Project__c WHERE Id = '${projectId}'`, { includeDeleted: true }).totalSize).toBe(0);
    expect(() => org.undelete(projectId)).toThrow(expect.objectContaining({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' }));
  });

  it('creates the document and link that come with a new ContentVersion', () => {
    const org = newOrg(1500, 1);
    const account = org.table('Account').idOf(0);
    const txs: Transaction[] = [];
    org.onTransaction((tx) => txs.push(tx));
    const v1 = org.create('ContentVersion', {
      PathOnClient: 'report.pdf',
      VersionData: Buffer.from('hello').toString('base64'),
      FirstPublishLocationId: account,
    });
    expect(txs[0]!.changes.map((c) => c.sobject)).toEqual([
      'ContentVersion',
      'ContentDocument',
      'ContentDocumentLink',
      'ContentDocumentLink',
    ]);
    const links = executeSoql(org, `SELECT LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${txs[0]!.changes[1]!.id}'`);
    expect(links.totalSize).toBe(2);
    expect(() =>
      org.create('ContentDocumentLink', { ContentDocumentId: txs[0]!.changes[1]!.id, LinkedEntityId: account, ShareType: 'V' }),
    ).toThrow(expect.objectContaining({ errorCode: 'DUPLICATE_VALUE' }));
    const docId = org.table('ContentVersion').get(org.table('ContentVersion').rowOf(v1), 'ContentDocumentId') as string;
    const v2 = org.create('ContentVersion', {
      PathOnClient: 'report.pdf',
      VersionData: Buffer.from('hello again').toString('base64'),
      ContentDocumentId: docId,
    });
    const docs = org.table('ContentDocument');
    expect(docs.get(docs.rowOf(docId), 'LatestPublishedVersionId')).toBe(v2);
    const versions = org.table('ContentVersion');
    expect(versions.get(versions.rowOf(v1), 'IsLatest')).toBe(false);
    expect(versions.get(versions.rowOf(v2), 'VersionNumber')).toBe('2');
    expect(versions.get(versions.rowOf(v2), 'Checksum')).toBe(createHash('md5').update('hello again').digest('hex'));

    // Deleting a document takes its versions along, also for files made after an earlier cascade.
    for (const round of [1, 2]) {
      const first =
        round === 1 ? v1 : org.create('ContentVersion', { PathOnClient: 'b.txt', VersionData: Buffer.from('b').toString('base64') });
      const d = versions.get(versions.rowOf(first), 'ContentDocumentId') as string;
      const next =
        round === 1
          ? v2
          : org.create('ContentVersion', {
              PathOnClient: 'b.txt',
              VersionData: Buffer.from('b2').toString('base64'),
              ContentDocumentId: d,
            });
      org.delete(d);
      expect(executeSoql(org, `SELECT Id FROM ContentVersion WHERE Id IN ('${first}', '${next}')`).totalSize).toBe(0);
    }
  });

  it('all-or-none rolls back every record when one fails', () => {
    const org = newOrg(1500, 1);
    const before = org.table('Account').size;
    const results = org.write(
      [
        { kind: 'create', sobject: 'Account', fields: { Name: 'ok' } },
        { kind: 'create', sobject: 'Account', fields: { Nope: 1 } },
      ],
      { allOrNone: true },
    );
    expect(results.map((r) => r.errors[0]!.errorCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'INVALID_FIELD']);
    expect(org.table('Account').size).toBe(before);
  });
});

describe('lookups to deleted records', () => {
  it('are cleared on delete and set again on undelete, each as an update in the same transaction', () => {
    const org = newOrg(3000, 6);
    // An account with cases cannot be deleted (DELETE_FAILED).
    const projects = executeSoql(
      org,
      'SELECT Id, Account__c FROM Project__c WHERE Account__c != null AND Account__c NOT IN (SELECT AccountId FROM Case) LIMIT 1',
    );
    const projectId = org.table('Project__c').idOf(projects.rows[0]!);
    const accountId = projects.columns[1]!.get(projects.rows[0]!) as string;
    const txs: Transaction[] = [];
    org.onTransaction((tx) => txs.push(tx));
    org.delete(accountId);
    const cleared = txs[0]!.changes.find((c) => c.id === projectId)!;
    expect(cleared).toMatchObject({ kind: 'update', fields: { Account__c: null } });
    expect(
      executeSoql(org, `SELECT Account__c FROM Project__c WHERE Id = '${projectId}'`).columns[0]!.get(
        org.table('Project__c').rowOf(projectId),
      ),
    ).toBeNull();
    org.undelete(accountId);
    expect(txs[1]!.changes.find((c) => c.id === projectId)).toMatchObject({ kind: 'update', fields: { Account__c: accountId } });
    // Contacts (a cascading relationship) came back with the account rather than being cleared.
    expect(executeSoql(org, `SELECT Id FROM Contact WHERE AccountId = '${accountId}'`).totalSize).toBe(
      executeSoql(org, `SELECT Id FROM Contact WHERE AccountId = '${accountId}'`, { includeDeleted: true }).totalSize,
    );
  });
});

describe('the recycle bin', () => {
  it('keeps deleted records for 15 days, then queryAll no longer sees them', () => {
    let now = Date.UTC(2026, 0, 2);
    const org = newOrg(1500, 3, () => now);
    const id = org.table('Lead').idOf(0);
    org.delete(id);
    now += 14 * 86_400_000;
    expect(executeSoql(org, `SELECT Id FROM Lead WHERE Id = '${id}'`, { includeDeleted: true }).totalSize).toBe(1);
    now += 2 * 86_400_000;
    expect(executeSoql(org, `SELECT Id FROM Lead WHERE Id = '${id}'`, { includeDeleted: true }).totalSize).toBe(0);
    expect(() => org.undelete(id)).toThrow(expect.objectContaining({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' }));
  });
});
