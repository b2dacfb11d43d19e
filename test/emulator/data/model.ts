/**
 * Object and field definitions, shaped like Salesforce's describe so describe answers are a
 * projection of them. A field either has a column in its table (stored) or is computed from
 * other fields of the same record (formula, compound address/geolocation, person Name).
 */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'boolean'
  | 'picklist'
  | 'multipicklist'
  | 'email'
  | 'phone'
  | 'url'
  | 'address'
  | 'location'
  | 'base64'
  | 'reference';

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export type FieldGetter = (name: string) => unknown;

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  calculated: boolean;
  calculatedFormula: string | null;
  custom: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  nameField: boolean;
  autoNumber: boolean;
  defaultedOnCreate: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** 0 or 1 for master-detail, null for a lookup or a non-reference. */
  relationshipOrder: number | null;
  cascadeDelete: boolean;
  /** The parent cannot be deleted while a live record points at it through this lookup (DELETE_FAILED). */
  restrictedDelete: boolean;
  /** What the parent's describe lists this field's children under; null: the child's plural label. */
  childRelationshipName: string | null;
  compoundFieldName: string | null;
  picklistValues: PicklistValue[];
  /** Value of a computed field from the record's other fields. */
  compute: ((get: FieldGetter) => unknown) | null;
  /** Value given on create when none is supplied (a picklist default, false for checkboxes). */
  defaultValue: unknown;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  undeletable: boolean;
  queryable: boolean;
  replicateable: boolean;
  retrieveable: boolean;
  triggerable: boolean;
  /** merge() takes it (Account, Contact, Lead); such objects carry MasterRecordId. */
  mergeable: boolean;
  fields: FieldDef[];
}

export const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  boolean: 'xsd:boolean',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  address: 'urn:address',
  location: 'urn:location',
  base64: 'xsd:base64Binary',
  reference: 'tns:ID',
};

export type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type'>> & {
  /** Required on create: not nillable and not defaulted. */
  required?: boolean;
  /** Picklist values by value; the first listed with a leading '*' is the default. */
  values?: string[];
};

const DEFAULT_LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 32768,
  picklist: 255,
  multipicklist: 4099,
  email: 80,
  phone: 40,
  url: 255,
};

export function field(name: string, type: FieldType, opts: FieldOptions = {}): FieldDef {
  const custom = name.endsWith('__c');
  const computed = opts.compute !== undefined && opts.compute !== null;
  let picklistValues: PicklistValue[] = [];
  let defaultValue: unknown = opts.defaultValue ?? (type === 'boolean' ? false : null);
  if (opts.values) {
    picklistValues = opts.values.map((v) => {
      const isDefault = v.startsWith('*');
      const value = isDefault ? v.slice(1) : v;
      if (isDefault) defaultValue = value;
      return { value, label: value, active: true, defaultValue: isDefault };
    });
  }
  const numeric = type === 'currency' || type === 'double' || type === 'percent';
  const readOnly = computed || type === 'id' || type === 'address' || type === 'location';
  return {
    name,
    label: opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' '),
    type,
    length: opts.length ?? DEFAULT_LENGTHS[type] ?? 0,
    precision: opts.precision ?? (numeric ? 18 : 0),
    scale: opts.scale ?? (type === 'currency' ? 2 : numeric ? 2 : 0),
    digits: type === 'int' ? 9 : 0,
    nillable: opts.nillable ?? (!opts.required && type !== 'boolean' && type !== 'id'),
    createable: opts.createable ?? !readOnly,
    updateable: opts.updateable ?? !readOnly,
    calculated: opts.calculated ?? false,
    calculatedFormula: opts.calculatedFormula ?? null,
    custom: opts.custom ?? custom,
    externalId: opts.externalId ?? false,
    idLookup: opts.idLookup ?? (type === 'id' || !!opts.externalId),
    unique: opts.unique ?? false,
    nameField: opts.nameField ?? false,
    autoNumber: opts.autoNumber ?? false,
    defaultedOnCreate: opts.defaultedOnCreate ?? (defaultValue !== null || type === 'boolean'),
    referenceTo: opts.referenceTo ?? [],
    relationshipName: opts.relationshipName ?? null,
    relationshipOrder: opts.relationshipOrder ?? null,
    cascadeDelete: opts.cascadeDelete ?? false,
    restrictedDelete: opts.restrictedDelete ?? false,
    childRelationshipName: opts.childRelationshipName ?? null,
    compoundFieldName: opts.compoundFieldName ?? null,
    picklistValues,
    compute: opts.compute ?? null,
    defaultValue,
  };
}

/** A required-on-create field: what REQUIRED_FIELD_MISSING checks. */
export function isRequired(f: FieldDef): boolean {
  return !f.nillable && f.createable && !f.defaultedOnCreate && f.type !== 'boolean';
}
