import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';
import { queryRecords } from './rest-query.js';

/** Account → AccountChangeEvent, Invoice__c → Invoice__ChangeEvent. */
export function changeEventName(object: string): string {
  return object.endsWith('__c') ? `${object.slice(0, -3)}__ChangeEvent` : `${object}ChangeEvent`;
}

export type SelectionOutcome = { selected: true; created: boolean } | { selected: false; reason: string };

const CHANNEL = 'ChangeEvents';

/** The change events the org's standard channel selects (AccountChangeEvent, ...). */
export async function selectedEvents(conn: OrgConnection): Promise<Set<string>> {
  const soql = `SELECT SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = '${CHANNEL}'`;
  type Member = { SelectedEntity: string };
  // Salesforce serves the member through the Tooling API; some orgs expose it to the data API too.
  const rows = await conn.http
    .json<{ records: Member[] }>({ path: 'tooling/query', query: { q: soql }, what: 'CDC selection' })
    .then((r) => r.records)
    .catch(() => queryRecords<Member>(conn, soql));
  return new Set(rows.map((r) => r.SelectedEntity));
}

async function createMember(conn: OrgConnection, event: string): Promise<void> {
  const developerName = `${CHANNEL}_${event}`;
  const attempts: Array<{ path: string; json: unknown }> = [
    // Tooling API: how an integration selects an entity in Salesforce.
    {
      path: 'tooling/sobjects/PlatformEventChannelMember',
      json: { FullName: developerName, Metadata: { eventChannel: CHANNEL, selectedEntity: event } },
    },
    {
      path: 'sobjects/PlatformEventChannelMember',
      json: { DeveloperName: developerName, MasterLabel: event, EventChannel: CHANNEL, SelectedEntity: event },
    },
  ];
  let last: unknown;
  for (const a of attempts) {
    try {
      await conn.http.json({ method: 'POST', path: a.path, json: a.json, what: 'select entity for CDC' });
      return;
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/**
 * Makes sure each object is selected for Change Data Capture on the standard channel, creating the
 * PlatformEventChannelMember where missing. Reports per object rather than failing as a whole:
 * an org without the CDC licence for more entities, or a user without Customize Application,
 * leaves the others protected.
 */
export async function ensureCdcSelected(conn: OrgConnection, objects: readonly string[]): Promise<Record<string, SelectionOutcome>> {
  const out: Record<string, SelectionOutcome> = {};
  let have: Set<string>;
  try {
    have = await selectedEvents(conn);
  } catch (err) {
    const reason = `The org's Change Data Capture selection cannot be read: ${OrgVaultError.is(err) ? err.oneLine() : (err as Error).message}`;
    for (const o of objects) out[o] = { selected: false, reason };
    return out;
  }
  for (const object of objects) {
    const event = changeEventName(object);
    if (have.has(event)) {
      out[object] = { selected: true, created: false };
      continue;
    }
    try {
      await createMember(conn, event);
      out[object] = { selected: true, created: true };
    } catch (err) {
      out[object] = {
        selected: false,
        reason: `Could not select ${object} for Change Data Capture (Setup → Change Data Capture): ${
          OrgVaultError.is(err) ? err.oneLine() : (err as Error).message
        }`,
      };
    }
  }
  return out;
}
