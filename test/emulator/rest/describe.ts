/** describeGlobal and describe answers, projected from the object definitions. */
import type { FieldDef, ObjectDef } from '../data/model.js';
import { SOAP_TYPES } from '../data/model.js';
import type { Schema } from '../data/schema.js';
import type { Org } from '../data/org.js';
import { recordTypeInfos } from '../data/record-types.js';

function urls(version: string, o: ObjectDef): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

export function objectSummary(version: string, o: ObjectDef): Record<string, unknown> {
  return {
    activateable: false,
    createable: o.createable,
    custom: o.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: o.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: o.createable,
    mergeable: o.mergeable,
    mruEnabled: false,
    name: o.name,
    queryable: o.queryable,
    replicateable: o.replicateable,
    retrieveable: o.retrieveable,
    searchable: o.replicateable,
    triggerable: o.triggerable,
    undeletable: o.undeletable,
    updateable: o.updateable,
    urls: urls(version, o),
  };
}

export function describeGlobal(version: string, schema: Schema): Record<string, unknown> {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: schema.objects.map((o) => objectSummary(version, o)) };
}

/** Salesforce's extra type detail: plain text areas say so; other emulated types carry none. */
function extraTypeInfo(f: FieldDef): string | null {
  return f.type === 'textarea' && f.compoundFieldName === null ? 'plaintextarea' : null;
}

function fieldDescribe(f: FieldDef): Record<string, unknown> {
  return {
    aiPredictionField: false,
    aggregatable: !['textarea', 'address', 'location', 'base64', 'multipicklist'].includes(f.type),
    autoNumber: f.autoNumber,
    byteLength: f.length * 3,
    calculated: f.calculated,
    calculatedFormula: f.calculatedFormula,
    cascadeDelete: f.cascadeDelete,
    caseSensitive: false,
    compoundFieldName: f.compoundFieldName,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' ? f.defaultValue : null,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.digits,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: f.externalId,
    extraTypeInfo: extraTypeInfo(f),
    filterable: !(f.type === 'textarea' && f.length > 255) && !['address', 'location', 'base64'].includes(f.type),
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: ['string', 'picklist', 'boolean', 'date', 'reference', 'id', 'email', 'phone', 'url', 'int'].includes(f.type),
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.idLookup,
    inlineHelpText: null,
    label: f.label,
    length: f.length,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: f.referenceTo.length > 1,
    nillable: f.nillable,
    permissionable: f.nillable && !f.calculated && f.type !== 'id',
    picklistValues: f.picklistValues,
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: f.precision,
    queryByDistance: f.type === 'location',
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: f.relationshipOrder,
    restrictedDelete: f.restrictedDelete,
    restrictedPicklist: false,
    scale: f.scale,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[f.type],
    sortable: !['textarea', 'address', 'location', 'base64', 'multipicklist'].includes(f.type),
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
    writeRequiresMasterRead: f.relationshipOrder !== null,
  };
}

export function describeObject(version: string, org: Org, o: ObjectDef): Record<string, unknown> {
  const { schema } = org;
  return {
    ...objectSummary(version, o),
    actionOverrides: [],
    childRelationships: schema.childRelationships(o.name).map((r) => ({
      cascadeDelete: r.cascadeDelete,
      childSObject: r.childSObject,
      deprecatedAndHidden: false,
      field: r.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: r.relationshipName,
      restrictedDelete: r.restrictedDelete,
    })),
    compactLayoutable: o.createable,
    fields: o.fields.map(fieldDescribe),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: o.createable ? recordTypeInfos(org, version, o.name) : [],
    searchLayoutable: o.queryable,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [{ label: 'All', name: 'everything' }],
    urls: { ...urls(version, o), uiDetailTemplate: null },
  };
}
