/**
 * The deterministic org generator: `records` records spread over the standard and custom
 * objects with realistic relationships, users and permissions, and files. The same seed and
 * anchor time give the same org. Rows are written straight into the tables (no transactions):
 * this is the org's history before the emulator started.
 */
import { GeneratedBlob, md5Hex } from './blobs.js';
import { idCounter, makeId } from './ids.js';
import { ENTITY_FLAGS, USER_PERMISSIONS } from './standard-objects.js';
import type { Org } from './org.js';
import { Random } from './random.js';
import { RowState, type Table } from './table.js';
import { extensionOf, fileType } from './triggers.js';

export interface GenerateOptions {
  records: number;
  seed: number;
  /** Epoch ms the generated history ends at; defaults to the start of the current UTC day. */
  anchorTime?: number;
  username?: string;
  isSandbox?: boolean;
  timeZone?: string;
}

const DAY = 86_400_000;
const FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'Anna',
  'Lukas',
  'Sofia',
  'Mateo',
  'Yuki',
  'Amara',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Müller',
  'Schmidt',
  'Rossi',
  'Tanaka',
  'Okafor',
  'Nguyen',
  "O'Brien",
  'Kowalski',
];
const ADJ = ['Global', 'United', 'Pacific', 'Northern', 'Bright', 'Blue', 'Summit', 'Prime', 'Urban', 'Green', 'Silver', 'Atlas'];
const NOUN = [
  'Dynamics',
  'Systems',
  'Logistics',
  'Foods',
  'Energy',
  'Health',
  'Media',
  'Partners',
  'Labs',
  'Works',
  'Holdings',
  'Networks',
];
const SUFFIX = ['Inc.', 'LLC', 'GmbH', 'Ltd', 'Corp.', 'S.A.', 'AG', 'Group'];
const CITIES: Array<[string, string, string, string, number, number]> = [
  ['San Francisco', 'CA', '94105', 'United States', 37.7897, -122.3972],
  ['New York', 'NY', '10001', 'United States', 40.7506, -73.9972],
  ['Berlin', 'BE', '10115', 'Germany', 52.532, 13.3849],
  ['London', 'LND', 'EC1A 1BB', 'United Kingdom', 51.5202, -0.0979],
  ['Tokyo', '13', '100-0001', 'Japan', 35.6852, 139.7528],
  ['Austin', 'TX', '78701', 'United States', 30.2711, -97.7437],
];
const STREETS = ['Market St', 'Main St', 'Oak Ave', 'Friedrichstraße', 'High St', 'Elm Rd', 'Sunset Blvd'];
const WORDS = ['renewal', 'upgrade', 'onboarding', 'migration', 'pilot', 'expansion', 'support', 'audit', 'rollout', 'integration'];

export const DATA_SHARES: Array<[string, number]> = [
  ['Account', 0.1],
  ['Contact', 0.2],
  ['Opportunity', 0.12],
  ['Case', 0.1],
  ['Lead', 0.08],
  ['Task', 0.18],
  ['Project__c', 0.05],
  ['Invoice__c', 0.1],
  ['Attachment', 0.02],
  ['ContentVersion', 0.015],
  ['Document', 0.005],
];

type Put = (field: string, value: unknown) => void;

class Loader {
  readonly rnd: Random;
  readonly anchor: number;
  users: string[] = [];
  activeUsers: string[] = [];

  constructor(
    readonly org: Org,
    readonly opts: GenerateOptions,
  ) {
    this.rnd = new Random(opts.seed);
    this.anchor = opts.anchorTime ?? Math.floor(Date.now() / DAY) * DAY;
  }

  /** Appends n rows, each filled by fill; audit fields get a plausible history. */
  load(table: Table, n: number, fill: (i: number, put: Put, row: number) => void): void {
    table.reserve(n);
    const setters = new Map<string, (row: number, v: unknown) => void>();
    let row = 0;
    const put: Put = (name, v) => {
      let s = setters.get(name);
      if (!s) {
        if (!table.field(name)) throw new Error(`generator: no field ${table.def.name}.${name}`);
        s = (r, value) => table.setStored(r, name, value);
        setters.set(name, s);
      }
      s(row, v);
    };
    const hasOwner = !!table.field('OwnerId');
    for (const f of table.stored)
      if (f.defaultValue !== null && f.type !== 'boolean') setters.set(f.name, (r, v) => table.setStored(r, f.name, v));
    const defaults = table.stored.filter((f) => f.defaultValue !== null && f.type !== 'boolean');
    const autos = table.stored.filter((f) => f.autoNumber);
    for (let i = 0; i < n; i++) {
      row = table.allocate();
      table.setRowState(row, RowState.Live);
      for (const f of defaults) table.setStored(row, f.name, f.defaultValue);
      const created = this.anchor - Math.floor(this.rnd.next() * 730 * DAY);
      const recent = this.rnd.chance(0.1);
      const modified = recent
        ? this.anchor - Math.floor(this.rnd.next() * 10 * DAY)
        : created + Math.floor(this.rnd.next() * (this.anchor - created));
      const creator = this.users.length ? this.rnd.pick(this.users) : this.org.userId;
      const modifier = this.users.length ? this.rnd.pick(this.users) : this.org.userId;
      put('CreatedDate', created);
      put('CreatedById', creator);
      put('LastModifiedDate', Math.max(created, modified));
      put('LastModifiedById', modifier);
      put('SystemModstamp', Math.max(created, modified));
      if (hasOwner) put('OwnerId', this.activeUsers.length ? this.rnd.pick(this.activeUsers) : this.org.userId);
      for (const f of autos)
        table.setStored(
          row,
          f.name,
          f.name === 'CaseNumber' ? String(row + 1).padStart(8, '0') : `INV-${String(row + 1).padStart(6, '0')}`,
        );
      fill(i, put, row);
    }
  }

  idsOf(table: Table): string[] {
    const out: string[] = [];
    for (let r = 0; r < table.size; r++) if (table.rowState(r) === RowState.Live) out.push(table.idOf(r));
    return out;
  }

  person(put: Put): void {
    put('FirstName', this.rnd.pick(FIRST));
    put('LastName', this.rnd.pick(LAST));
  }

  company(): string {
    return `${this.rnd.pick(ADJ)} ${this.rnd.pick(NOUN)} ${this.rnd.pick(SUFFIX)}`;
  }

  address(put: Put, prefix: string): void {
    const [city, state, zip, country, lat, lng] = this.rnd.pick(CITIES);
    put(`${prefix}Street`, `${1 + this.rnd.int(999)} ${this.rnd.pick(STREETS)}`);
    put(`${prefix}City`, city);
    put(`${prefix}State`, state);
    put(`${prefix}PostalCode`, zip);
    put(`${prefix}Country`, country);
    put(`${prefix}Latitude`, Math.round((lat + this.rnd.next() / 10) * 1e6) / 1e6);
    put(`${prefix}Longitude`, Math.round((lng + this.rnd.next() / 10) * 1e6) / 1e6);
    put(`${prefix}GeocodeAccuracy`, 'Address');
  }

  phone(): string {
    return `(${200 + this.rnd.int(800)}) 555-${String(this.rnd.int(10000)).padStart(4, '0')}`;
  }

  date(offsetDays: number, spreadDays: number): string {
    return new Date(this.anchor + (offsetDays + Math.floor(this.rnd.next() * spreadDays)) * DAY).toISOString().slice(0, 10);
  }

  words(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.rnd.pick(WORDS));
    return out.join(' ');
  }

  money(max: number): number {
    return Math.round(this.rnd.next() * max * 100) / 100;
  }
}

/** Fills an empty org: core setup data, then about `records` data records. */
export function generateOrg(org: Org, opts: GenerateOptions): void {
  const g = new Loader(org, opts);
  generateSetup(g);
  const data = Math.max(0, opts.records - countAll(org));
  const n = (name: string): number => {
    const share = DATA_SHARES.find(([o]) => o === name)![1];
    return Math.max(data > 0 ? 1 : 0, Math.round(data * share));
  };
  generateData(g, n);
  // Last, so the random stream of everything above is what it was before they existed.
  generateMetadataRows(g);
}

/** Lead record types (two active, one retired), given to the generated leads in turn. */
const LEAD_RECORD_TYPES: Array<[string, string, boolean]> = [
  ['Inbound', 'Inbound', true],
  ['Partner', 'Partner', true],
  ['Legacy', 'Legacy', false],
];

/** Rows that describe the org's metadata: record types, and one EntityDefinition per object. */
function generateMetadataRows(g: Loader): void {
  const { org } = g;
  const types = org.table('RecordType');
  g.load(types, LEAD_RECORD_TYPES.length, (i, put) => {
    const [name, developerName, active] = LEAD_RECORD_TYPES[i]!;
    put('Name', name);
    put('DeveloperName', developerName);
    put('SobjectType', 'Lead');
    put('IsActive', active);
  });
  const leads = org.table('Lead');
  for (let r = 0; r < leads.size; r++) leads.setStored(r, 'RecordTypeId', types.idOf(r % 2));
  const objects = org.schema.objects;
  g.load(org.table('EntityDefinition'), objects.length, (i, put) => {
    const o = objects[i]!;
    put('DurableId', o.custom ? makeId('01I', i + 1) : o.name);
    put('QualifiedApiName', o.name);
    put('DeveloperName', o.name.replace(/__c$/, ''));
    put('Label', o.label);
    put('PluralLabel', o.labelPlural);
    put('KeyPrefix', o.keyPrefix);
    const flags: Record<string, boolean> = {
      IsCustomizable: o.createable,
      IsCustomSetting: false,
      IsDeprecatedAndHidden: false,
      IsEverCreatable: o.createable,
      IsEverDeletable: o.deletable,
      IsEverUpdatable: o.updateable,
      IsIdEnabled: true,
      IsLayoutable: o.createable,
      IsQueryable: o.queryable,
      IsReplicateable: o.replicateable,
      IsRetrieveable: o.retrieveable,
      IsSearchable: o.replicateable,
      IsTriggerable: o.triggerable,
    };
    for (const f of ENTITY_FLAGS) put(f, flags[f]);
  });
}

function countAll(org: Org): number {
  return org.allTables().reduce((s, t) => s + t.size, 0);
}

function generateSetup(g: Loader): void {
  const { org, opts, rnd } = g;
  const orgs = org.table('Organization');
  // The Organization row's id must be the org id: skip rows up to its counter.
  while (orgs.idOf(orgs.size) !== org.orgId) orgs.setRowState(orgs.allocate(), RowState.Gone);
  g.load(orgs, 1, (_i, put) => {
    put('Name', 'OrgVault Emulator Org');
    put('InstanceName', 'EMU8');
    put('IsSandbox', opts.isSandbox ?? false);
    put('OrganizationType', 'Enterprise Edition');
    put('TimeZoneSidKey', opts.timeZone ?? 'America/Los_Angeles');
    put('LanguageLocaleKey', 'en_US');
    put('DefaultLocaleSidKey', 'en_US');
    put('Country', 'US');
  });
  const licenses = org.table('UserLicense');
  const userCount = Math.min(200, Math.max(4, Math.round(opts.records / 2000)));
  const licenseDefs: Array<[string, string, number]> = [
    ['Salesforce', 'SFDC', 100 + userCount],
    ['Salesforce Platform', 'AUL', 50],
    ['Chatter Free', 'PID_Chatter', 5000],
  ];
  g.load(licenses, licenseDefs.length, (i, put) => {
    const [name, key, total] = licenseDefs[i]!;
    put('Name', name);
    put('MasterLabel', name);
    put('LicenseDefinitionKey', key);
    put('Status', 'Active');
    put('TotalLicenses', total);
    put('UsedLicenses', 0);
  });
  const profiles = org.table('Profile');
  const profileNames = ['System Administrator', 'Standard User', 'Read Only'];
  g.load(profiles, profileNames.length, (i, put) => {
    put('Name', profileNames[i]);
    put('UserLicenseId', licenses.idOf(0));
    put('UserType', 'Standard');
  });
  const users = org.table('User');
  org.userId = users.idOf(0);
  // Usernames are unique across all of Salesforce: each org number gets its own domain, so the
  // sf CLI (which keys its auth files by username) keeps two emulator orgs apart.
  const domain = `org${idCounter(org.orgId)}.orgvault-emulator.test`;
  org.username = opts.username ?? `admin@${domain}`;
  g.load(users, userCount, (i, put) => {
    const first = i === 0 ? 'Ada' : rnd.pick(FIRST);
    const last = i === 0 ? 'Admin' : rnd.pick(LAST);
    put('Username', i === 0 ? org.username : `user${i}@${domain}`);
    put('FirstName', first);
    put('LastName', last);
    put('Email', i === 0 ? org.username : `user${i}@example.com`);
    put('Alias', `${first.slice(0, 1)}${last.slice(0, 4)}`.toLowerCase());
    put('IsActive', i === 0 || rnd.chance(0.9));
    put('UserType', 'Standard');
    put('ProfileId', profiles.idOf(i === 0 ? 0 : 1 + rnd.int(2)));
    put('TimeZoneSidKey', opts.timeZone ?? 'America/Los_Angeles');
    put('LocaleSidKey', 'en_US');
    put('LanguageLocaleKey', 'en_US');
    put('EmailEncodingKey', 'UTF-8');
    put('Title', i === 0 ? 'Administrator' : rnd.pick(['Sales Rep', 'Account Executive', 'Support Agent', 'Manager']));
    if (i > 0) put('ManagerId', users.idOf(0));
  });
  g.users = g.idsOf(users);
  g.activeUsers = g.users.filter((id) => users.get(users.rowOf(id), 'IsActive') === true);
  // Seats in use: the active users (all of them hold the Salesforce license here).
  licenses.setStored(0, 'UsedLicenses', g.activeUsers.length);

  const permsets = org.table('PermissionSet');
  const sets: Array<{ name: string; label: string; profile: number | null; perms: string[] }> = [
    { name: 'X00e_SystemAdministrator', label: 'System Administrator', profile: 0, perms: USER_PERMISSIONS },
    { name: 'X00e_StandardUser', label: 'Standard User', profile: 1, perms: ['PermissionsApiEnabled'] },
    { name: 'X00e_ReadOnly', label: 'Read Only', profile: 2, perms: ['PermissionsApiEnabled', 'PermissionsViewSetup'] },
    {
      name: 'OrgVault_Backup',
      label: 'OrgVault Backup',
      profile: null,
      perms: ['PermissionsApiEnabled', 'PermissionsViewAllData', 'PermissionsQueryAllFiles', 'PermissionsViewSetup'],
    },
  ];
  g.load(permsets, sets.length, (i, put) => {
    const s = sets[i]!;
    put('Name', s.name);
    put('Label', s.label);
    put('IsOwnedByProfile', s.profile !== null);
    put('ProfileId', s.profile === null ? null : profiles.idOf(s.profile));
    for (const p of USER_PERMISSIONS) put(p, s.perms.includes(p));
  });
  const assignments: Array<[string, string]> = [];
  for (const u of g.users) {
    const profileRow = profiles.rowOf(users.get(users.rowOf(u), 'ProfileId') as string);
    assignments.push([u, permsets.idOf(profileRow)]);
  }
  assignments.push([org.userId, permsets.idOf(3)]);
  g.load(org.table('PermissionSetAssignment'), assignments.length, (i, put) => {
    put('AssigneeId', assignments[i]![0]);
    put('PermissionSetId', assignments[i]![1]);
  });
  const dataObjects = DATA_SHARES.map(([o]) => org.table(o));
  const objPerms: Array<[number, string]> = [];
  const fieldPerms: Array<[number, string, string, boolean]> = [];
  for (let p = 0; p < sets.length; p++) {
    for (const t of dataObjects) {
      objPerms.push([p, t.def.name]);
      for (const f of t.def.fields) {
        if (!f.nillable || f.compoundFieldName === f.name || f.type === 'address' || f.type === 'location' || f.name === 'Name') continue;
        fieldPerms.push([p, t.def.name, f.name, f.updateable && p !== 2]);
      }
    }
  }
  g.load(org.table('ObjectPermissions'), objPerms.length, (i, put) => {
    const [p, sobject] = objPerms[i]!;
    const admin = p === 0 || p === 3;
    put('ParentId', permsets.idOf(p));
    put('SobjectType', sobject);
    put('PermissionsRead', true);
    put('PermissionsCreate', p !== 2);
    put('PermissionsEdit', p !== 2);
    put('PermissionsDelete', p !== 2);
    put('PermissionsViewAllRecords', admin);
    put('PermissionsModifyAllRecords', p === 0);
  });
  g.load(org.table('FieldPermissions'), fieldPerms.length, (i, put) => {
    const [p, sobject, fieldName, edit] = fieldPerms[i]!;
    put('ParentId', permsets.idOf(p));
    put('SobjectType', sobject);
    put('Field', `${sobject}.${fieldName}`);
    put('PermissionsRead', true);
    put('PermissionsEdit', edit);
  });
  g.load(org.table('UserPermissionAccess'), 1, (_i, put) => {
    for (const p of USER_PERMISSIONS) put(p, true);
  });
}

function generateData(g: Loader, n: (name: string) => number): void {
  const { org, rnd } = g;
  const accounts = org.table('Account');
  g.load(accounts, n('Account'), (i, put) => {
    put('Name', `${g.company()} ${i + 1}`);
    put('Type', rnd.pick(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner']));
    if (i > 10 && rnd.chance(0.05)) put('ParentId', accounts.idOf(rnd.int(i)));
    g.address(put, 'Billing');
    if (rnd.chance(0.3)) g.address(put, 'Shipping');
    put('Phone', g.phone());
    put('Website', `https://www.example${i}.com`);
    put('Industry', rnd.pick(['Banking', 'Energy', 'Healthcare', 'Manufacturing', 'Retail', 'Technology']));
    put('AnnualRevenue', rnd.int(500) * 100000);
    put('NumberOfEmployees', 1 + rnd.int(20000));
    put('AccountNumber', `AC-${String(i + 1).padStart(7, '0')}`);
    put('Rating', rnd.pick(['Hot', 'Warm', 'Cold']));
    if (rnd.chance(0.3)) put('Description', `Key account, ${g.words(6)}.\nSecond line with "quotes", commas.`);
  });
  const accountCount = accounts.size;
  const contacts = org.table('Contact');
  g.load(contacts, n('Contact'), (i, put) => {
    g.person(put);
    put('AccountId', accounts.idOf(rnd.int(accountCount)));
    put('Salutation', rnd.pick(['Mr.', 'Ms.', 'Dr.']));
    put('Email', `contact${i}@example.org`);
    put('Phone', g.phone());
    put('Title', rnd.pick(['CEO', 'CFO', 'VP Sales', 'Buyer', 'Engineer']));
    put('Birthdate', g.date(-20000, 12000));
    g.address(put, 'Mailing');
    put('LeadSource', rnd.pick(['Web', 'Phone Inquiry', 'Partner Referral']));
    put('HasOptedOutOfEmail', rnd.chance(0.1));
  });
  const contactAccount = contacts.getter(contacts.field('AccountId')!);
  const opps = org.table('Opportunity');
  g.load(opps, n('Opportunity'), (i, put) => {
    put('Name', `${g.words(1)} ${i + 1}`);
    put('AccountId', accounts.idOf(rnd.int(accountCount)));
    put('StageName', rnd.pick(['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Closed Won', 'Closed Lost']));
    put('CloseDate', g.date(-365, 500));
    put('Amount', g.money(250000));
    put('Probability', rnd.int(11) * 10);
    put('Type', rnd.pick(['New Customer', 'Existing Customer - Upgrade']));
    if (rnd.chance(0.2)) put('NextStep', g.words(3));
  });
  const cases = org.table('Case');
  g.load(cases, n('Case'), (_i, put) => {
    const contactRow = rnd.int(contacts.size);
    put('Subject', `Problem with ${g.words(2)}`);
    put('Description', g.words(12));
    const status = rnd.pick(['New', 'Working', 'Escalated', 'Closed']);
    put('Status', status);
    put('Priority', rnd.pick(['High', 'Medium', 'Low']));
    put('Origin', rnd.pick(['Phone', 'Email', 'Web']));
    put('ContactId', contacts.idOf(contactRow));
    put('AccountId', contactAccount(contactRow));
    if (status === 'Closed') put('ClosedDate', g.anchor - rnd.int(300) * DAY);
  });
  const leads = org.table('Lead');
  g.load(leads, n('Lead'), (i, put) => {
    g.person(put);
    put('Company', g.company());
    put('Status', rnd.pick(['Open - Not Contacted', 'Working - Contacted', 'Closed - Not Converted']));
    put('Email', `lead${i}@example.net`);
    put('Phone', g.phone());
    put('LeadSource', rnd.pick(['Web', 'Purchased List', 'Other']));
    put('Rating', rnd.pick(['Hot', 'Warm', 'Cold']));
    put('NumberOfEmployees', 1 + rnd.int(5000));
    g.address(put, '');
  });
  const projects = org.table('Project__c');
  g.load(projects, n('Project__c'), (i, put) => {
    put('Name', `Project ${g.words(1)} ${i + 1}`);
    put('Account__c', accounts.idOf(rnd.int(accountCount)));
    put('Status__c', rnd.pick(['Planned', 'Active', 'On Hold', 'Done']));
    put('Tags__c', ['Alpha', 'Beta', 'Gamma', 'Delta', 'Omega'].filter(() => rnd.chance(0.3)).join(';') || null);
    put('Budget__c', g.money(1000000));
    put('Completion__c', rnd.int(10001) / 100);
    put('Hours__c', rnd.int(50000) / 10);
    put('Start_Date__c', g.date(-400, 500));
    put('Kickoff__c', g.anchor - rnd.int(400 * 24) * 3600000);
    put('Active__c', rnd.chance(0.6));
    if (rnd.chance(0.5)) put('Description__c', `${g.words(20)}\n${g.words(20)}`);
    put('Website__c', `https://projects.example.com/${i + 1}`);
    put('Contact_Email__c', `pm${i}@example.com`);
    put('Phone__c', g.phone());
    put('Site__Latitude__s', Math.round((rnd.next() * 140 - 70) * 1e6) / 1e6);
    put('Site__Longitude__s', Math.round((rnd.next() * 340 - 170) * 1e6) / 1e6);
    put('External_Id__c', `PRJ-${String(i + 1).padStart(7, '0')}`);
  });
  const projectCount = projects.size;
  g.load(org.table('Invoice__c'), n('Invoice__c'), (i, put) => {
    put('Project__c', projects.idOf(rnd.int(projectCount)));
    put('Amount__c', g.money(50000));
    put('Due_Date__c', g.date(-200, 260));
    put('Paid__c', rnd.chance(0.7));
    put('Invoice_Number__c', `N-${String(i + 1).padStart(8, '0')}`);
    if (rnd.chance(0.2)) put('Notes__c', g.words(8));
  });
  const oppCount = opps.size;
  g.load(org.table('Task'), n('Task'), (_i, put) => {
    put('Subject', rnd.pick(['Call', 'Email', 'Meeting', 'Follow up']));
    const contactRow = rnd.int(contacts.size);
    put('WhoId', contacts.idOf(contactRow));
    put('WhatId', rnd.chance(0.5) ? contactAccount(contactRow) : opps.idOf(rnd.int(oppCount)));
    put('ActivityDate', g.date(-300, 360));
    put('Status', rnd.pick(['Not Started', 'In Progress', 'Completed']));
    put('Priority', rnd.pick(['High', 'Normal', 'Low']));
  });
  const parents: Table[] = [accounts, opps, cases, projects];
  const randomParent = (): string => {
    const t = rnd.pick(parents);
    return t.idOf(rnd.int(t.size));
  };
  g.load(org.table('Attachment'), n('Attachment'), (i, put) => {
    const blob = new GeneratedBlob(g.opts.seed * 7919 + i, 64 + rnd.int(8000));
    const ext = rnd.pick(['txt', 'csv', 'pdf']);
    put('ParentId', randomParent());
    put('Name', `attachment-${i + 1}.${ext}`);
    put('Body', blob);
    put('BodyLength', blob.size);
    put('ContentType', ext === 'pdf' ? 'application/pdf' : ext === 'csv' ? 'text/csv' : 'text/plain');
  });
  g.load(org.table('Document'), n('Document'), (i, put) => {
    const blob = new GeneratedBlob(g.opts.seed * 104729 + i, 64 + rnd.int(4000));
    put('Name', `Document ${i + 1}`);
    put('DeveloperName', `Document_${i + 1}`);
    put('FolderId', org.userId);
    put('Body', blob);
    put('BodyLength', blob.size);
    put('ContentType', 'text/plain');
    put('Type', 'txt');
  });
  generateFiles(g, n('ContentVersion'), randomParent);
}

/** ContentDocument + its versions (some files have two) + links to records and to their owners. */
function generateFiles(g: Loader, count: number, randomParent: () => string): void {
  const { org, rnd } = g;
  const docs = org.table('ContentDocument');
  const versions = org.table('ContentVersion');
  const links = org.table('ContentDocumentLink');
  const docCount = Math.max(count > 0 ? 1 : 0, Math.round(count * 0.8));
  const firstDoc = docs.size;
  const firstVersion = versions.size;
  const plan: Array<{ doc: number; version: number; latest: boolean; parent: string }> = [];
  for (let d = 0; d < docCount; d++) {
    const n = d < count - docCount ? 2 : 1;
    const parent = randomParent();
    for (let v = 1; v <= n; v++) plan.push({ doc: d, version: v, latest: v === n, parent });
  }
  const blobs = plan.map((_, i) => new GeneratedBlob(g.opts.seed * 15485863 + i, 64 + rnd.int(12000)));
  const names = plan.map((p) => `file-${p.doc + 1}.${rnd.pick(['txt', 'csv', 'pdf', 'docx'])}`);
  g.load(versions, plan.length, (i, put) => {
    const p = plan[i]!;
    const blob = blobs[i]!;
    const ext = extensionOf(names[i]!);
    put('ContentDocumentId', docs.idOf(firstDoc + p.doc));
    put('Title', names[i]!.replace(/\.[^.]*$/, ''));
    put('PathOnClient', names[i]);
    put('VersionData', blob);
    put('IsLatest', p.latest);
    put('ContentSize', blob.size);
    put('FileExtension', ext);
    put('FileType', fileType(ext));
    put('Checksum', md5Hex(blob.bytes()));
    put('VersionNumber', String(p.version));
    put('FirstPublishLocationId', p.parent);
    put('ContentLocation', 'S');
  });
  const latest = new Map<number, number>();
  plan.forEach((p, i) => p.latest && latest.set(p.doc, i));
  g.load(docs, docCount, (d, put) => {
    const vi = latest.get(d)!;
    const vrow = firstVersion + vi;
    put('Title', versions.getStored(vrow, 'Title'));
    put('FileType', versions.getStored(vrow, 'FileType'));
    put('FileExtension', versions.getStored(vrow, 'FileExtension'));
    put('ContentSize', versions.getStored(vrow, 'ContentSize'));
    put('LatestPublishedVersionId', versions.idOf(vrow));
    put('OwnerId', versions.getStored(vrow, 'OwnerId'));
    put('PublishStatus', 'P');
  });
  g.load(links, docCount, (d, put) => {
    put('ContentDocumentId', docs.idOf(firstDoc + d));
    put('LinkedEntityId', plan[latest.get(d)!]!.parent);
    put('ShareType', rnd.pick(['V', 'I']));
    put('Visibility', 'AllUsers');
  });
  // Every file also has its owner's implicit link.
  g.load(links, docCount, (d, put) => {
    put('ContentDocumentId', docs.idOf(firstDoc + d));
    put('LinkedEntityId', docs.getStored(firstDoc + d, 'OwnerId'));
    put('ShareType', 'I');
    put('Visibility', 'AllUsers');
  });
}
