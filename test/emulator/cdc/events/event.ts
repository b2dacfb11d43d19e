export type ChangeType =
  'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE' | 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';

/** Salesforce's enum order, which is also the Avro enum's. */
export const CHANGE_TYPES: ChangeType[] = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
];

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  /** Record field names; each channel encodes them its own way. */
  changedFields: string[];
  nulledFields: string[];
  diffFields: string[];
}

/** One change event before it is encoded for a channel. */
export interface ChangeEvent {
  header: ChangeEventHeader;
  /** Record field name → value: every field on create and undelete, the changed ones on update. */
  values: Record<string, unknown>;
}

/** A change event on the bus. */
export interface BusEvent extends ChangeEvent {
  replayId: number;
  /** The event's own id (EventUuid). */
  uuid: string;
  /** Epoch ms the bus took it (retention runs from here). */
  storedAt: number;
}
