/** Building blocks for object definitions: system fields, references, compound fields. */
import { field, type FieldDef, type FieldOptions, type FieldType, type ObjectDef } from './model.js';

export type ObjectOptions = Partial<Omit<ObjectDef, 'name' | 'keyPrefix' | 'fields'>> & {
  /** Has OwnerId (a lookup to User). */
  owned?: boolean;
  /** Has no IsDeleted / recycle bin (Organization, User, setup objects). */
  noRecycleBin?: boolean;
};

const READ_ONLY = { createable: false, updateable: false };

export function ref(name: string, to: string | string[], relationshipName: string, opts: FieldOptions = {}): FieldDef {
  return field(name, 'reference', { referenceTo: Array.isArray(to) ? to : [to], relationshipName, ...opts });
}

/** A master-detail field: required, reparenting off, cascade delete from the master. */
export function masterDetail(name: string, to: string, relationshipName: string): FieldDef {
  return ref(name, to, relationshipName, { required: true, relationshipOrder: 0, cascadeDelete: true, updateable: false });
}

export function formula(name: string, type: FieldType, expression: string, compute: FieldDef['compute']): FieldDef {
  return field(name, type, { calculated: true, calculatedFormula: expression, compute, nillable: true });
}

/** Street, City, ... components plus the read-only compound field (e.g. BillingAddress). */
export function address(prefix: string, compoundName: string): FieldDef[] {
  const c = (suffix: string, type: FieldType, opts: FieldOptions = {}): FieldDef =>
    field(prefix + suffix, type, { compoundFieldName: compoundName, ...opts });
  const parts = {
    street: prefix + 'Street',
    city: prefix + 'City',
    state: prefix + 'State',
    postalCode: prefix + 'PostalCode',
    country: prefix + 'Country',
    latitude: prefix + 'Latitude',
    longitude: prefix + 'Longitude',
    geocodeAccuracy: prefix + 'GeocodeAccuracy',
  };
  return [
    c('Street', 'textarea', { length: 255 }),
    c('City', 'string', { length: 40 }),
    c('State', 'string', { length: 80 }),
    c('PostalCode', 'string', { length: 20 }),
    c('Country', 'string', { length: 80 }),
    c('Latitude', 'double', { precision: 18, scale: 15 }),
    c('Longitude', 'double', { precision: 18, scale: 15 }),
    c('GeocodeAccuracy', 'picklist', { values: ['Address', 'NearAddress', 'Block', 'Street', 'ExtendedZip', 'Zip', 'City'] }),
    field(compoundName, 'address', { compute: (get) => compound(parts, get) }),
  ];
}

/** A custom geolocation field Name__c with its Name__Latitude__s / Name__Longitude__s parts. */
export function geolocation(name: string): FieldDef[] {
  const base = name.replace(/__c$/, '');
  const parts = { latitude: `${base}__Latitude__s`, longitude: `${base}__Longitude__s` };
  return [
    field(name, 'location', { compute: (get) => compound(parts, get), scale: 6 }),
    field(parts.latitude, 'double', { compoundFieldName: name, precision: 9, scale: 6, custom: true }),
    field(parts.longitude, 'double', { compoundFieldName: name, precision: 9, scale: 6, custom: true }),
  ];
}

function compound(parts: Record<string, string>, get: (name: string) => unknown): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, fieldName] of Object.entries(parts)) {
    const v = get(fieldName) ?? null;
    if (v !== null) any = true;
    out[key] = v;
  }
  return any ? out : null;
}

/** First + Last name as the read-only Name of Contact, Lead and User. */
export function personName(): FieldDef[] {
  return [
    field('FirstName', 'string', { length: 40, compoundFieldName: 'Name' }),
    field('LastName', 'string', { length: 80, required: true, compoundFieldName: 'Name' }),
    field('Name', 'string', {
      length: 121,
      nameField: true,
      createable: false,
      updateable: false,
      compute: (get) => [get('FirstName'), get('LastName')].filter((v) => v !== null && v !== undefined).join(' ') || null,
    }),
  ];
}

export function systemFields(name: string, opts: ObjectOptions): FieldDef[] {
  const ro = { createable: false, updateable: false, nillable: false, defaultedOnCreate: true };
  const fields = [field('Id', 'id', { label: 'Record ID', ...ro })];
  if (opts.owned) fields.push(ref('OwnerId', 'User', 'Owner', { nillable: false, defaultedOnCreate: true }));
  if (!opts.noRecycleBin) fields.push(field('IsDeleted', 'boolean', { label: 'Deleted', ...ro }));
  // A record merged into another is deleted pointing at the one it was merged into.
  if (opts.mergeable) fields.push(ref('MasterRecordId', name, 'MasterRecord', { label: 'Master Record ID', ...READ_ONLY }));
  fields.push(
    field('CreatedDate', 'datetime', ro),
    ref('CreatedById', 'User', 'CreatedBy', ro),
    field('LastModifiedDate', 'datetime', ro),
    ref('LastModifiedById', 'User', 'LastModifiedBy', ro),
    field('SystemModstamp', 'datetime', ro),
  );
  return fields;
}

export function defineObject(name: string, keyPrefix: string, fields: FieldDef[], opts: ObjectOptions = {}): ObjectDef {
  const custom = name.endsWith('__c');
  const writable = opts.createable ?? true;
  return {
    name,
    label: opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' '),
    labelPlural: opts.labelPlural ?? `${opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' ')}s`,
    keyPrefix,
    custom,
    createable: writable,
    updateable: opts.updateable ?? writable,
    deletable: opts.deletable ?? writable,
    undeletable: opts.undeletable ?? (!opts.noRecycleBin && (opts.deletable ?? writable)),
    queryable: opts.queryable ?? true,
    replicateable: opts.replicateable ?? true,
    retrieveable: opts.retrieveable ?? true,
    triggerable: opts.triggerable ?? writable,
    mergeable: opts.mergeable ?? false,
    fields: [...systemFields(name, opts), ...fields],
  };
}
