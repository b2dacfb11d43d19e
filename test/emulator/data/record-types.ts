/**
 * Record types as Salesforce applies them: an object with record types carries RecordTypeId; a
 * record created without one gets the default (here the object's first active record type, as
 * a profile's default would be); one of another object, or an inactive one, is refused; describe
 * lists them in recordTypeInfos after the Master record type every layoutable object has.
 */
import { SfError } from '../errors.js';
import type { Org } from './org.js';
import { RowState } from './table.js';

/** The Master record type's id in every org. */
export const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

export interface RecordTypeInfo {
  active: boolean;
  available: boolean;
  defaultRecordTypeMapping: boolean;
  developerName: string;
  master: boolean;
  name: string;
  recordTypeId: string;
  urls: { layout: string };
}

interface RecordTypeRow {
  id: string;
  name: string;
  developerName: string;
  active: boolean;
}

function recordTypesOf(org: Org, sobject: string): RecordTypeRow[] {
  const t = org.table('RecordType');
  const out: RecordTypeRow[] = [];
  for (let r = 0; r < t.size; r++) {
    if (t.rowState(r) !== RowState.Live || t.getStored(r, 'SobjectType') !== sobject) continue;
    out.push({
      id: t.idOf(r),
      name: String(t.getStored(r, 'Name')),
      developerName: String(t.getStored(r, 'DeveloperName')),
      active: t.getStored(r, 'IsActive') === true,
    });
  }
  return out;
}

/** The record type a new record of the object gets when it names none (null: the object has none). */
export function defaultRecordType(org: Org, sobject: string): string | null {
  return recordTypesOf(org, sobject).find((rt) => rt.active)?.id ?? null;
}

/** INVALID_CROSS_REFERENCE_KEY unless the id is an active record type of this object. */
export function checkRecordType(org: Org, sobject: string, id: string): void {
  if (!recordTypesOf(org, sobject).some((rt) => rt.id === id && rt.active))
    throw new SfError('INVALID_CROSS_REFERENCE_KEY', `Record Type ID: this ID value isn't valid for the user: ${id}`, 400, [
      'RecordTypeId',
    ]);
}

export function recordTypeInfos(org: Org, version: string, sobject: string): RecordTypeInfo[] {
  const layout = (id: string) => ({ layout: `/services/data/v${version}/sobjects/${sobject}/describe/layouts/${id}` });
  const own = recordTypesOf(org, sobject);
  const firstActive = own.find((rt) => rt.active);
  const infos = own.map((rt) => ({
    active: rt.active,
    available: rt.active,
    defaultRecordTypeMapping: rt === firstActive,
    developerName: rt.developerName,
    master: false,
    name: rt.name,
    recordTypeId: rt.id,
    urls: layout(rt.id),
  }));
  const master = {
    active: true,
    available: !firstActive,
    defaultRecordTypeMapping: !firstActive,
    developerName: 'Master',
    master: true,
    name: 'Master',
    recordTypeId: MASTER_RECORD_TYPE_ID,
    urls: layout(MASTER_RECORD_TYPE_ID),
  };
  return [...infos, master];
}
