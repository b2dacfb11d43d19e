/**
 * The contract between the emulator's record store (data/) and its change-event producers
 * (cdc/). Every committed write to records — through REST, composite, Bulk ingest or the test
 * mutation hook — is reported once, after commit, as one Transaction with the changes in commit
 * order. cdc/ decides which entities are selected for Change Data Capture and turns these into
 * events; data/ knows nothing of events.
 */
export type ChangeKind = 'create' | 'update' | 'delete' | 'undelete' | 'hardDelete';

export interface RecordChange {
  kind: ChangeKind;
  /** API name of the object, e.g. Account or Invoice__c. */
  sobject: string;
  /** 18-character record id. */
  id: string;
  /**
   * create / undelete: every field value of the record after the change (nulls included);
   * update: only the fields whose value changed, with their new values (null for a field set to
   * null); delete / hardDelete: empty.
   */
  fields: Record<string, unknown>;
  /** update: names of the fields whose value changed (including those set to null). */
  changedFields: string[];
}

export interface Transaction {
  /** Unique per transaction (a UUID-like string, as Salesforce's transactionKey). */
  transactionKey: string;
  /** Epoch milliseconds of the commit. */
  commitTimestamp: number;
  /** Monotonic commit number, increasing per org. */
  commitNumber: number;
  /** 18-character id of the user whose request made the change. */
  userId: string;
  /** Where the change came from: the API client id or '' (Salesforce's changeOrigin). */
  origin: string;
  changes: RecordChange[];
}

export type TransactionListener = (tx: Transaction) => void;
