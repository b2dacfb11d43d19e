import type { TransactionListener } from '../data/changes.js';

/** A field as the org's describe gives it (only what change events need). */
export interface SourceField {
  name: string;
  /** Describe type: string, boolean, int, double, currency, percent, date, datetime, reference, address, ... */
  type: string;
  /** Formula fields are never in change events. */
  calculated?: boolean;
  /** Set on the parts of a compound field (BillingCity → BillingAddress, FirstName → Name). */
  compoundFieldName?: string | null;
}

/**
 * What Change Data Capture needs from the org: committed transactions, the shape of objects, which
 * entities are selected (PlatformEventChannelMember on ChangeEvents) and who a token belongs to.
 * The emulator's org is adapted to this in extension.ts; unit tests feed a small fake.
 */
export interface CdcSource {
  orgId: string;
  onTransaction(listener: TransactionListener): void;
  /** Describe fields of an object, or undefined when the org has no such object. */
  fields(sobject: string): SourceField[] | undefined;
  /** Object API names selected for change events on the standard ChangeEvents channel. */
  selectedEntities(): Iterable<string>;
  /** Select or deselect an object (creates or deletes its PlatformEventChannelMember). */
  setSelected(sobject: string, selected: boolean): void;
  /** The user behind a valid, unexpired access token; undefined otherwise. */
  session(accessToken: string): { userId: string } | undefined;
}
